import { describe, expect, it } from 'vitest';
import { workflowsFor } from './roles';

describe('the workflows a user may start', () => {
  it('follow the roles, as the access model does', () => {
    expect(workflowsFor([{ role: 'river_chief', level: 'volunteer' }])).toEqual(['river']);
    expect(workflowsFor([{ role: 'safety_inspector' }])).toEqual(['inspection']);
    expect(workflowsFor([{ role: 'fishing_ban_patroller' }])).toEqual(['fishing']);
    expect(
      workflowsFor([{ role: 'fishing_ban_patroller' }, { role: 'river_chief', level: 'brigade' }, { role: 'safety_inspector' }]),
    ).toEqual(['river', 'inspection', 'fishing']);
  });

  it('offer nothing to the office, and everything before anyone signed in', () => {
    expect(workflowsFor([{ role: 'office' }, { role: 'admin' }])).toEqual([]);
    expect(workflowsFor(null)).toEqual(['river', 'inspection', 'fishing']);
  });
});
