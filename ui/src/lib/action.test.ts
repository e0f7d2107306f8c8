import { describe, expect, it } from 'vitest';
import { Action } from './action.svelte';

/** Work that ends when the test says so. */
function gate() {
  let open: () => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { work: () => done, open: () => open(), fail: (e: unknown) => fail(e) };
}

describe('a form’s or screen’s action', () => {
  it('is busy while its work runs, and not after', async () => {
    const a = new Action();
    const g = gate();
    const running = a.run(g.work);
    expect(a.busy).toBe(true);
    g.open();
    await running;
    expect(a.busy).toBe(false);
    expect(a.error).toBeNull();
  });

  it('keeps the error of failed work until the next run, and clears the last notice', async () => {
    const a = new Action();
    const failure = new Error('存储失败');
    await a.run(async () => {
      a.info = '已保存';
      throw failure;
    });
    expect(a.busy).toBe(false);
    expect(a.error).toBe(failure);

    const g = gate();
    const again = a.run(g.work);
    expect(a.error).toBeNull();
    expect(a.info).toBe('');
    g.open();
    await again;
  });

  it('refuses a second run while one is under way', async () => {
    const a = new Action();
    const g = gate();
    let second = 0;
    const first = a.run(g.work);
    await a.run(async () => {
      second += 1;
    });
    expect(second).toBe(0);
    expect(a.busy).toBe(true);
    g.fail(new Error('网络中断'));
    await first;
    expect(a.busy).toBe(false);
    expect(a.error).toEqual(new Error('网络中断'));

    await a.run(async () => {
      second += 1;
    });
    expect(second).toBe(1);
  });
});
