import { describe, expect, it } from 'vitest';
import { dictionaries } from './i18n';
import { timelineWords } from './timelinewords';
import type { TimelineEvent } from './types';

// One event of every code the core sends (crates/core/src/api/describe.rs).
const EVERY_CODE = [
  { code: 'patrol_started', kind: 'river' },
  { code: 'track_points_appended', points: 12 },
  { code: 'patrol_ended', notes: '' },
  { code: 'business_checked', outcome: 'violation_found' },
  { code: 'publicity_tallied', tally: { banners: 1, signs: 2, notices: 3, leaflets: 4 } },
  { code: 'gear_seized', description: '地笼', quantity: 3 },
  { code: 'commitment_letter_signed', signer_name: '王五' },
  { code: 'inspection_started' },
  { code: 'checklist_answered', item: 'fire-01', answer: 'non_compliant' },
  { code: 'on_site_record_issued', number: 'HY-2026-0001' },
  { code: 'document_signed', role: 'inspected_party', signer_name: '赵六' },
  { code: 'signature_refused', witness_name: '钱七' },
  { code: 'inspection_closed' },
  { code: 'finding_reported', category: 'dumping', description: '岸边堆放垃圾' },
  { code: 'finding_amended' },
  { code: 'photo_attached', role: 'after_rectification' },
  { code: 'rectification_assigned', assignee: '街道办' },
  { code: 'finding_rectified', note: '已清理' },
  { code: 'finding_verified' },
  { code: 'finding_reopened', reason: '未清理干净' },
  { code: 'unit_defined', name: '一队' },
  { code: 'user_defined', name: '张三' },
  { code: 'reach_defined', name: '北河' },
  { code: 'site_defined', name: '鱼市' },
  { code: 'checklist_published', name: '消防', version: 2 },
  { code: 'patrol_rules_published', name: '消防', version: 1 },
  { code: 'record_reviewed', decision: 'sent_back', comment: '轨迹不完整' },
] as const satisfies readonly TimelineEvent[];
// A code the core adds and this list lacks is a type error here.
type Missing = Exclude<TimelineEvent['code'], (typeof EVERY_CODE)[number]['code']>;
const everyCodeListed: [Missing] extends [never] ? true : Missing = true;


const han = /[\u4e00-\u9fff]/;
// Names and notes a person typed stay as typed; only the words around them are translated.
const typed = /地笼|王五|赵六|钱七|岸边堆放垃圾|街道办|已清理|未清理干净|轨迹不完整|一队|张三|北河|鱼市|消防/g;

describe('the timeline in the reader’s language', () => {
  it('words a patrol’s events in English', () => {
    expect(timelineWords({ code: 'patrol_started', kind: 'river' }, 'en')).toBe('River patrol started');
    expect(timelineWords({ code: 'track_points_appended', points: 12 }, 'en')).toBe('12 track points recorded');
    expect(timelineWords({ code: 'finding_reported', category: 'dumping', description: 'rubbish on the bank' }, 'en')).toBe(
      'Dumping reported: rubbish on the bank',
    );
    expect(timelineWords({ code: 'document_signed', role: 'inspected_party', signer_name: 'Zhao' }, 'en')).toBe(
      'Signed by the inspected party: Zhao',
    );
    expect(timelineWords({ code: 'patrol_ended', notes: '' }, 'en')).toBe('Patrol ended');
  });

  it('words the same events in Chinese', () => {
    expect(timelineWords({ code: 'patrol_started', kind: 'fishing_ban' }, 'zh')).toBe('开始禁捕巡查');
    expect(timelineWords({ code: 'finding_reported', category: 'dumping', description: '岸边堆放垃圾' }, 'zh')).toBe('上报乱堆：岸边堆放垃圾');
  });

  it('has Chinese and English words for every code, with every field filled', () => {
    expect(everyCodeListed).toBe(true);
    for (const e of EVERY_CODE as readonly TimelineEvent[]) {
      const zh = timelineWords(e, 'zh');
      const en = timelineWords(e, 'en');
      expect(zh, e.code).toMatch(han);
      expect(en.replace(typed, ''), e.code).not.toMatch(han);
      for (const words of [zh, en]) expect(words, e.code).not.toMatch(/\{\w+\}/);
    }
    const tle = (lang: 'zh' | 'en') => Object.keys(dictionaries[lang]).filter((k) => k.startsWith('tle.')).length;
    expect(tle('en')).toBe(tle('zh'));
  });
});
