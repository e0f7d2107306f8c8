// The signed-in office: who, which unit, the language, and the names the pages show for ids
// (units, users, reaches, sites), read once after sign-in. Only the language is remembered
// across reloads; the session itself is memory only (see api.ts).

import type { Reach, Site } from '../lib/generated/api';
import { getJson, onUnauthorized, signIn, signOut } from './api';
import type { Unit, User } from './types';
import { translate, type Key, type Lang } from './words';

const LANG_KEY = 'console:lang';

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

class Session {
  user = $state<User | null>(null);
  expiresAt = $state(0);
  lang = $state<Lang>(storedLang());
  /** Why the sign-in page is showing again (a 401: the session ended). */
  notice = $state('');
  units = $state<Unit[]>([]);
  users = $state<User[]>([]);
  reaches = $state<Reach[]>([]);
  sites = $state<Site[]>([]);

  constructor() {
    onUnauthorized((message) => {
      this.user = null;
      this.notice = message || '登录已失效，请重新登录';
    });
  }

  setLang(lang: Lang) {
    this.lang = lang;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }

  async signIn(login: string, password: string) {
    const s = await signIn(login, password);
    this.notice = '';
    this.expiresAt = s.expires_at;
    this.user = s.user;
    await this.loadNames();
  }

  async signOut() {
    await signOut().catch(() => {});
    this.user = null;
    this.units = [];
    this.users = [];
  }

  /** Units and users are needed on every page; reaches and sites only where the server has
   * those routes (an older one does not: the pages then show ids). */
  async loadNames() {
    const [units, users] = await Promise.all([
      getJson<Unit[]>('/api/v1/office/units'),
      getJson<User[]>('/api/v1/office/users'),
    ]);
    this.units = units;
    this.users = users;
    getJson<Reach[]>('/api/v1/office/reaches').then((r) => (this.reaches = r), () => {});
    getJson<Site[]>('/api/v1/office/sites').then((s) => (this.sites = s), () => {});
  }

  unitName(id: string | null | undefined): string {
    return this.units.find((u) => u.id === id)?.name ?? '—';
  }
  userName(id: string | null | undefined): string {
    return this.users.find((u) => u.id === id)?.name ?? (id ? id.slice(0, 8) : '—');
  }
  reachName(id: string | null | undefined): string | null {
    return id ? (this.reaches.find((r) => r.id === id)?.name ?? null) : null;
  }
  siteName(id: string | null | undefined): string | null {
    return id ? (this.sites.find((s) => s.id === id)?.name ?? null) : null;
  }
  /** The units the signed-in office sees: its own and those below it. */
  myUnits(): Unit[] {
    const root = this.user?.unit;
    if (!root) return [];
    const out = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const u of this.units) if (u.parent && out.has(u.parent) && !out.has(u.id)) {
        out.add(u.id);
        grew = true;
      }
    }
    return this.units.filter((u) => out.has(u.id));
  }
  isAdmin(): boolean {
    return this.user?.roles.some((r) => r.role === 'admin') ?? false;
  }
}

export const session = new Session();

/** A word in the signed-in office's language (reactive: read inside a template or effect). */
export function t(key: Key, vars?: Record<string, string | number>): string {
  return translate(session.lang, key, vars);
}

/** The session's names, for the pure row and CSV functions. */
export const names = {
  unit: (id: string | null | undefined) => session.unitName(id),
  user: (id: string | null | undefined) => session.userName(id),
  reach: (id: string | null | undefined) => session.reachName(id),
  site: (id: string | null | undefined) => session.siteName(id),
};
