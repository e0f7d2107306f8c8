import { describe, expect, it } from 'vitest';
import type { PatrolState } from '../lib/generated/api';
import { chinaDayStart } from './period';
import { recordRow, recordsCsv, type Names } from './rows';
import type { RecordSummary } from './types';

const names: Names = {
  unit: (id) => (id === 'u1' ? '新河大队' : '—'),
  user: (id) => (id === 'p1' ? '陈建国' : '—'),
  reach: (id) => (id === 'r1' ? '幸福渠' : null),
  site: () => null,
};

function patrol(over: Partial<RecordSummary> = {}, state: Partial<PatrolState> = {}): RecordSummary {
  const started = chinaDayStart('2020-06-01')! + 8 * 3_600_000;
  const s: PatrolState = {
    id: 'pat-1', kind: 'river', unit: 'u1', patroller: 'p1', reach: 'r1', area: null, started_at: started,
    ended_at: started + 65 * 60_000, notes: '', point_count: 100, first_point_at: started, last_point_at: started + 65 * 60_000,
    business_checks: [], publicity: { banners: 0, signs: 0, notices: 0, leaflets: 0 }, seizures: [], letters: [], photos: [],
    ...state,
  };
  return {
    aggregate: { kind: 'patrol', id: 'pat-1' }, unit: 'u1', owner: 'p1', state: { aggregate: 'patrol', state: s },
    missing_blobs: 0, record_ms: started, late_entry: false, cursor: `${started}_pat-1`, ...over,
  };
}

describe('a record as a row', () => {
  it('words a counting patrol in China time', () => {
    const row = recordRow(patrol({ length_m: 4_321, judgement: { counts: true, rules_name: 'x', rules_version: 1, reasons: [], reasons_zh: [], reasons_en: [] } }), names, 'zh');
    expect(row).toMatchObject({ time: '2020-06-01 08:00', person: '陈建国', unit: '新河大队', reach: '幸福渠', length: '4.32 km', duration: '1 小时 05 分', counts: '计入', photos: '齐全', review: '未审核' });
  });

  it('says what is missing, flagged, late and sent back', () => {
    const row = recordRow(
      patrol(
        { missing_blobs: 2, late_entry: true, flag_codes: ['teleport_jump'], judgement: { counts: false, rules_name: 'x', rules_version: 1, reasons: [], reasons_zh: [], reasons_en: [] } },
        { review: { decision: 'sent_back', comment: '补拍', by: null, at: 0 }, ended_at: null },
      ),
      names,
      'zh',
    );
    expect(row).toMatchObject({ photos: '缺 2 张', flags: '补录、位置跳变', counts: '不计入', review: '已退回', duration: '未结束', length: '—' });
  });

  it('leaves "counts" open when the unit has no rules', () => {
    expect(recordRow(patrol(), names, 'en').counts).toBe('—');
  });
});

describe('the records export', () => {
  it('has the table columns with Chinese headers, a row per record and the record id last', () => {
    const csv = recordsCsv('patrol', [patrol(), patrol({ aggregate: { kind: 'patrol', id: 'pat-2' } })], names, 'zh');
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('时间,人员,单位,类型,河段/区域,里程,用时,计入考核,照片,标记,审核,记录编号');
    expect(lines[1]).toBe('2020-06-01 08:00,陈建国,新河大队,河湖巡查,幸福渠,—,1 小时 05 分,—,齐全,,未审核,pat-1');
    expect(lines[2].endsWith(',pat-2')).toBe(true);
    expect(lines).toHaveLength(4);
  });
});
