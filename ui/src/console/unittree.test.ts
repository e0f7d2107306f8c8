import { describe, expect, it } from 'vitest';
import type { Unit } from '../lib/generated/api';
import { checkNewUnit, checkUnitName, subtree, unitOf, unitTree } from './unittree';

const u = (id: string, name: string, parent: string | null, code = id.toUpperCase()): Unit => ({ id, name, kind: 'community', parent, code });
const units = [
  u('c2', '乙社区', 's'),
  u('s', '某街道', null),
  u('c1', '甲社区', 's'),
  u('g', '甲社区一组', 'c1'),
  u('x', '外区', 'elsewhere'),
];

describe('the unit tree', () => {
  it('lists units depth-first with their depth, siblings by name in pinyin order', () => {
    expect(unitTree(units).map((r) => `${r.depth}:${r.unit.id}`)).toEqual(['0:s', '1:c1', '2:g', '1:c2', '0:x']);
  });

  it('lists every unit once, even in a loop of parents', () => {
    const loop = [u('a', 'A', 'b'), u('b', 'B', 'a'), u('self', 'S', 'self')];
    expect(unitTree(loop).map((r) => r.unit.id).sort()).toEqual(['a', 'b', 'self']);
  });

  it('finds the subtree of a unit', () => {
    expect([...subtree(units, 'c1')].sort()).toEqual(['c1', 'g']);
    expect(subtree(units, null).size).toBe(0);
  });
});

describe('a new unit', () => {
  const parents = subtree(units, 'c1');
  const ok = { name: ' 甲社区二组 ', kind: 'community' as const, code: ' G2 ', parent: 'c1' };

  it('is accepted inside the admin subtree and posted trimmed under the new id', () => {
    expect(checkNewUnit(ok, units, parents)).toEqual([]);
    expect(unitOf(ok, 'new')).toEqual({ id: 'new', name: '甲社区二组', kind: 'community', code: 'G2', parent: 'c1' });
  });

  it('is refused with a code another unit holds, naming that unit', () => {
    expect(checkNewUnit({ ...ok, code: 'C2' }, units, parents).map((p) => p.zh)).toEqual(['单位代码 C2 已由 乙社区 使用']);
  });

  it('is refused without a name, kind, code or parent, or with a parent outside the subtree', () => {
    expect(checkNewUnit({ name: '', kind: '', code: '', parent: '' }, units, parents).map((p) => p.field)).toEqual(['name', 'kind', 'code', 'parent']);
    expect(checkNewUnit({ ...ok, parent: 's' }, units, parents).map((p) => p.zh)).toEqual(['上级单位必须是本单位或其下级单位']);
    expect(checkNewUnit({ ...ok, code: 'c'.repeat(65) }, units, parents).map((p) => p.field)).toEqual(['code']);
  });

  it('checks a new name for length', () => {
    expect(checkUnitName('名'.repeat(100))).toEqual([]);
    expect(checkUnitName('名'.repeat(101)).map((p) => p.zh)).toEqual(['单位名称太长（最多 100 字）']);
    expect(checkUnitName('  ').map((p) => p.field)).toEqual(['name']);
  });
});
