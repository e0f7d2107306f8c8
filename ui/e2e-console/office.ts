// The office's JSON API, used by the tests to count what the console should show (never to do
// what the test is about: that goes through the page).
import type { Server } from './server';

export class OfficeApi {
  private constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  static async signIn(server: Server, login: string): Promise<OfficeApi> {
    const r = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login, password: server.passwords[login] }),
    });
    if (!r.ok) throw new Error(`sign-in as ${login}: HTTP ${r.status} ${await r.text()}`);
    return new OfficeApi(server.url, (await r.json()).token);
  }

  async get<T = any>(path: string): Promise<T> {
    const r = await fetch(`${this.url}${path}`, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  /** Every record the list returns for `query` (paged through 2,000 at a time). */
  async records(query: Record<string, string>): Promise<any[]> {
    const all: any[] = [];
    let before: string | null = null;
    for (;;) {
      const q = new URLSearchParams({ ...query, limit: '2000' });
      if (before) q.set('before', before);
      const page: any[] = await this.get(`/api/v1/office/records?${q}`);
      all.push(...page);
      if (page.length < 2000) return all;
      before = page[page.length - 1].cursor;
    }
  }
}

/** Midnight in China (UTC+8) of a calendar date, as Unix ms. */
export function chinaMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - 8 * 3_600_000;
}

/** The China calendar date of an instant, "YYYY-MM-DD". */
export function chinaDate(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}
