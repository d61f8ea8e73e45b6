/**
 * When a mark takes effect, and what the re-judgment is told: bureau marks at once, operator marks after approval
 * (or at once with MARKS_AUTO_APPROVE_OPERATOR=true, recorded as approved by that setting), revocations of
 * approved marks; a pending, rejected or withdrawn mark touches nothing. Real SQLite mark store.
 */
import { describe, expect, it } from 'vitest';
import type { WindowTouch } from '../../src/alerts/window-touches.js';
import { loadConfig } from '../../src/config.js';
import type { NewMark } from '../../src/domain/data-marks.js';
import { silentLogger } from '../../src/logger.js';
import { AUTO_APPROVER, createMarkService } from '../../src/marks/mark-service.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';

const NOW = Date.UTC(2024, 4, 10, 4);
const input: Omit<NewMark, 'at' | 'by'> = {
  stationId: 'wwtp1-effluent',
  parameters: ['nh3n'],
  from: NOW - 6 * 3_600_000,
  to: NOW - 2 * 3_600_000,
  flag: 'C',
  reason: '校准',
};
const operator = { keyId: 'op', name: '一厂', role: 'operator' };
const bureau = { keyId: 'bu', name: '市局', role: 'bureau' };

function service(autoApproveOperator: boolean) {
  const touches: WindowTouch[] = [];
  const store = createSqliteMarkStore({ file: ':memory:' });
  const s = createMarkService({
    store,
    touches: { touch: async (t) => void touches.push(...t) },
    now: () => NOW,
    autoApproveOperator,
    logger: silentLogger(),
  });
  return { s, touches, store };
}

describe('mark service', () => {
  it('auto-approves operator marks when configured, recorded as approved by the setting', async () => {
    const { s, touches } = service(true);
    const m = await s.create(input, operator);
    expect(m).toMatchObject({
      state: 'approved',
      verdict: { by: AUTO_APPROVER, automatic: true, note: 'MARKS_AUTO_APPROVE_OPERATOR=true' },
    });
    expect(touches).toEqual([{ stationId: 'wwtp1-effluent', from: input.from, to: input.to, cause: 'mark', at: NOW }]);
  });

  it('touches windows only when effective flags change', async () => {
    const { s, touches } = service(false);
    const pending = await s.create(input, operator);
    expect(pending.state).toBe('pending');
    await s.decide(pending.id, 'revoked', operator, '撤回');
    const rejected = await s.create(input, operator);
    await s.decide(rejected.id, 'rejected', bureau, '无记录');
    expect(touches).toHaveLength(0);
    const approved = await s.create(input, operator);
    await s.decide(approved.id, 'approved', bureau, '');
    await s.decide(approved.id, 'revoked', bureau, '误标');
    const immediate = await s.create(input, bureau);
    expect(immediate.state).toBe('approved');
    expect(touches).toHaveLength(3);
  });

  it('reads MARKS_AUTO_APPROVE_OPERATOR as true/false (default false) and names a bad value', () => {
    expect(loadConfig({}).MARKS_AUTO_APPROVE_OPERATOR).toBe(false);
    expect(loadConfig({ MARKS_AUTO_APPROVE_OPERATOR: 'true' }).MARKS_AUTO_APPROVE_OPERATOR).toBe(true);
    expect(() => loadConfig({ MARKS_AUTO_APPROVE_OPERATOR: 'yes' })).toThrow(/MARKS_AUTO_APPROVE_OPERATOR/);
  });
});
