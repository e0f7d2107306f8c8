// One thing a form or screen does at the user's request (save, start, issue, load): whether it
// is under way, and its error or notice for <Notice>. A second request while one runs is
// refused rather than queued, so a double tap never writes twice. Work that fails keeps its
// error until the next run; nothing here words an error or decides what the work is.

export class Action {
  busy = $state(false);
  error = $state<unknown>(null);
  info = $state('');

  /** Runs `work` unless a run is under way; its error is kept, never thrown. */
  async run(work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.info = '';
    try {
      await work();
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }
}
