// Which workflows a user may start, by their roles: the same rule as the core's access model
// (docs/ACCESS.md), so that the phone offers only what it would accept. The core still decides.

import type { Role } from './types';

export type Workflow = 'river' | 'inspection' | 'fishing';

/** The workflows `roles` may start, in the order Home shows them; all of them while the device
 *  has no user yet (starting one then says the device must be signed in first). */
export function workflowsFor(roles: Role[] | null | undefined): Workflow[] {
  if (!roles) return ['river', 'inspection', 'fishing'];
  const out: Workflow[] = [];
  if (roles.some((r) => r.role === 'river_chief')) out.push('river');
  if (roles.some((r) => r.role === 'safety_inspector')) out.push('inspection');
  if (roles.some((r) => r.role === 'fishing_ban_patroller')) out.push('fishing');
  return out;
}
