// The unit tree on the reference page: units in tree order with their depth (for indenting),
// the subtree an admin may change, and a new unit or a new name checked as the server will
// (crates/server/src/office.rs `define_unit`, the access model's `UnitDefined` rule and
// validate.rs: name ≤ 100 characters, code ≤ 64 and unique, a parent inside one's subtree).

import type { Unit, UnitKind } from '../lib/generated/api';
import { chars, MAX_CODE_CHARS, MAX_NAME_CHARS } from './checklistform';

export const UNIT_KINDS: UnitKind[] = ['subdistrict', 'brigade', 'community'];

export interface TreeRow { unit: Unit; depth: number }

const byName = (a: Unit, b: Unit) => a.name.localeCompare(b.name, 'zh-CN') || a.id.localeCompare(b.id);

/** Units depth-first, children by name under their parent. A unit whose parent is not in the
 * list starts a tree of its own; one caught in a loop of parents is still listed, at the top. */
export function unitTree(units: Unit[]): TreeRow[] {
  const ids = new Set(units.map((u) => u.id));
  const children = new Map<string, Unit[]>();
  for (const u of units) {
    if (u.parent && ids.has(u.parent) && u.parent !== u.id) {
      const c = children.get(u.parent);
      if (c) c.push(u);
      else children.set(u.parent, [u]);
    }
  }
  const out: TreeRow[] = [];
  const placed = new Set<string>();
  const walk = (u: Unit, depth: number) => {
    if (placed.has(u.id)) return;
    placed.add(u.id);
    out.push({ unit: u, depth });
    for (const c of (children.get(u.id) ?? []).sort(byName)) walk(c, depth + 1);
  };
  for (const u of units.filter((u) => !u.parent || !ids.has(u.parent) || u.parent === u.id).sort(byName)) walk(u, 0);
  for (const u of [...units].sort(byName)) walk(u, 0);
  return out;
}

/** The ids of `root` and every unit below it. */
export function subtree(units: Unit[], root: string | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!root) return out;
  out.add(root);
  let grew = true;
  while (grew) {
    grew = false;
    for (const u of units) {
      if (u.parent && out.has(u.parent) && !out.has(u.id)) {
        out.add(u.id);
        grew = true;
      }
    }
  }
  return out;
}

export interface UnitProblem { field: 'name' | 'code' | 'parent' | 'kind'; zh: string; en: string }

export function checkUnitName(name: string): UnitProblem[] {
  const n = name.trim();
  if (!n) return [{ field: 'name', zh: '请填写单位名称', en: 'Give the unit a name' }];
  if (chars(n) > MAX_NAME_CHARS) return [{ field: 'name', zh: `单位名称太长（最多 ${MAX_NAME_CHARS} 字）`, en: `The name is too long (at most ${MAX_NAME_CHARS} characters)` }];
  return [];
}

export interface NewUnit { name: string; kind: UnitKind | ''; code: string; parent: string }

/** What the server would refuse in a new unit, given every unit and the parents allowed (the
 * admin's own unit and those below it). */
export function checkNewUnit(d: NewUnit, units: Unit[], parents: Set<string>): UnitProblem[] {
  const out = checkUnitName(d.name);
  if (!UNIT_KINDS.includes(d.kind as UnitKind)) out.push({ field: 'kind', zh: '请选择单位类型', en: 'Choose the kind of unit' });
  const code = d.code.trim();
  const holder = units.find((u) => u.code === code);
  if (!code) out.push({ field: 'code', zh: '请填写单位代码', en: 'Give the unit a code' });
  else if (chars(code) > MAX_CODE_CHARS) out.push({ field: 'code', zh: `单位代码太长（最多 ${MAX_CODE_CHARS} 字）`, en: `The code is too long (at most ${MAX_CODE_CHARS} characters)` });
  else if (holder) out.push({ field: 'code', zh: `单位代码 ${code} 已由 ${holder.name} 使用`, en: `The code ${code} is already ${holder.name}'s` });
  if (!d.parent) out.push({ field: 'parent', zh: '请选择上级单位', en: 'Choose the parent unit' });
  else if (!parents.has(d.parent)) out.push({ field: 'parent', zh: '上级单位必须是本单位或其下级单位', en: 'The parent must be your unit or one below it' });
  return out;
}

/** The unit to post for a new one (trimmed) under a fresh id. */
export function unitOf(d: NewUnit, id: string): Unit {
  return { id, name: d.name.trim(), kind: d.kind as UnitKind, code: d.code.trim(), parent: d.parent };
}
