// The patrol rules editor's logic: the bounds `PatrolRules::check` holds a version to
// (crates/domain/src/rules.rs), mirrored so the form says what is wrong before the server
// does, and the next version made from the form. The server still checks everything.

import type { ChiefLevel, LevelRules, PatrolRules, RuleBook } from '../lib/generated/api';

/** crates/domain/src/rules.rs: MAX_MIN_DURATION_MIN, MAX_MIN_LENGTH_M, MAX_QUOTA_TIMES, MAX_COOLDOWN_H. */
export const BOUNDS = {
  min_duration_min: 24 * 60,
  min_length_m: 100_000,
  min_coverage_pct: 100,
  times: 100,
  cooldown_h: 31 * 24,
} as const;

export const LEVELS: ChiefLevel[] = ['street', 'brigade', 'volunteer'];

export type RuleProblem = { field: string; problem: 'too_large' | 'too_small' | 'not_whole' | 'month' | 'repeated' };

function whole(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** What is wrong with one level's rules, in the order the form shows the fields. */
export function levelProblems(l: LevelRules): RuleProblem[] {
  const out: RuleProblem[] = [];
  const bound = (field: keyof typeof BOUNDS, v: number) => {
    if (!whole(v)) out.push({ field, problem: 'not_whole' });
    else if (v > BOUNDS[field]) out.push({ field, problem: 'too_large' });
  };
  bound('min_duration_min', l.min_duration_min);
  bound('min_length_m', l.min_length_m);
  bound('min_coverage_pct', l.min_coverage_pct);
  bound('cooldown_h', l.cooldown_h);
  if (l.quota) {
    if (l.quota.times < 1) out.push({ field: 'times', problem: 'too_small' });
    else bound('times', l.quota.times);
  }
  if (l.season) {
    for (const f of ['from_month', 'to_month'] as const) {
      const m = l.season[f];
      if (!Number.isInteger(m) || m < 1 || m > 12) out.push({ field: f, problem: 'month' });
    }
  }
  return out;
}

export function rulesProblems(levels: LevelRules[]): (RuleProblem & { level: ChiefLevel })[] {
  const out: (RuleProblem & { level: ChiefLevel })[] = [];
  levels.forEach((l, i) => {
    if (levels.slice(0, i).some((o) => o.level === l.level)) out.push({ level: l.level, field: 'level', problem: 'repeated' });
    for (const p of levelProblems(l)) out.push({ ...p, level: l.level });
  });
  return out;
}

/** The rules in force now: the book's latest version (versions are kept in order). */
export function latest(book: RuleBook | null): PatrolRules | null {
  return book && book.versions.length ? book.versions[book.versions.length - 1] : null;
}

/** A level with no requirement, for a level the current rules leave out. */
export function emptyLevel(level: ChiefLevel): LevelRules {
  return {
    level, min_duration_min: 0, min_length_m: 0, min_coverage_pct: 0, quota: null, season: null,
    cooldown_h: 0, delegates_count: false, drone_counts: false, meetings_count: false,
  };
}

/** The version to publish: the book's id (or a new one for a unit's first rules), the next
 * version number, and the form's name, start and levels. */
export function nextVersion(
  book: RuleBook | null,
  unit: string,
  form: { name: string; effective_from: number; levels: LevelRules[] },
  newId: () => string = () => crypto.randomUUID(),
): PatrolRules {
  const last = latest(book);
  return {
    id: book?.id ?? newId(),
    unit,
    version: (last?.version ?? 0) + 1,
    name: form.name.trim(),
    effective_from: form.effective_from,
    levels: form.levels,
  };
}
