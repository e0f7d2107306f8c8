import { describe, expect, it } from 'vitest';
import { dictionaries, hasKey, translate } from './i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the dictionary', () => {
  it('has an English text for every Chinese key and no English key without a Chinese one', () => {
    const zh = Object.keys(dictionaries.zh).sort();
    const en = Object.keys(dictionaries.en).sort();
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
  });

  it('has no empty text and the same placeholders in both languages', () => {
    for (const key of Object.keys(dictionaries.zh) as (keyof typeof dictionaries.zh)[]) {
      expect(dictionaries.zh[key].trim(), key).not.toBe('');
      expect(dictionaries.en[key].trim(), key).not.toBe('');
      expect(placeholders(dictionaries.en[key]), key).toEqual(placeholders(dictionaries.zh[key]));
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('zh', 'check.progress', { a: 2, n: 4, bad: 1 })).toBe('已检查 2/4 项，不符合 1 项');
    expect(translate('en', 'check.progress', { a: 2, n: 4 })).toBe('2/4 checked, {bad} not compliant');
  });

  it('knows which codes from the core it has a label for', () => {
    expect(hasKey('status.record_issued')).toBe(true);
    expect(hasKey('status.something_new')).toBe(false);
  });
});
