// The problems report as the office reads it (`GET /api/v1/office/reports/problems`): each
// line's period in words and its 办结率, the same figure the server's XLSX and CLI print
// (crates/domain/src/figures.rs `ProblemFigures::closed_pct`: verified of found; 100 % when
// nothing was found).

import type { Day, ProblemFigures, Span } from '../lib/generated/api';

export const EVERY = ['month', 'quarter', 'year'] as const;
export type Every = (typeof EVERY)[number];

/** `every` from the address, or the report's default (month). */
export function everyOf(raw: string | undefined): Every {
  return (EVERY as readonly string[]).includes(raw ?? '') ? (raw as Every) : 'month';
}

/** 办结率 in per cent, one decimal. */
export function closedPct(f: ProblemFigures): number {
  const pct = f.found === 0 ? 100 : (f.verified * 100) / f.found;
  return Math.round(pct * 10) / 10;
}

const iso = (d: Day) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** A period as a reader names it: "2025 年 6 月", "2025 年第 2 季度", "2025 年" (or English). */
export function spanWords(s: Span, lang: 'zh' | 'en'): string {
  const { first } = s;
  switch (s.period) {
    case 'month':
      return lang === 'zh' ? `${first.year} 年 ${first.month} 月` : `${first.year}-${String(first.month).padStart(2, '0')}`;
    case 'quarter': {
      const q = Math.floor((first.month - 1) / 3) + 1;
      return lang === 'zh' ? `${first.year} 年第 ${q} 季度` : `${first.year} Q${q}`;
    }
    case 'year':
      return lang === 'zh' ? `${first.year} 年` : String(first.year);
    default:
      return `${iso(s.first)} – ${iso(s.last)}`;
  }
}
