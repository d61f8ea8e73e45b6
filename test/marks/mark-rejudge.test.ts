/**
 * A data mark reaches the alerts (issue 14): a section alert opened on time from class-V NH3-N; the bureau then
 * marks those hours as maintenance (M) through the mark service → the touched windows are re-judged on the
 * effective flags, the alert is resolved "data corrected" (never deleted); revoking the mark re-judges them
 * again. Production job wiring, real SQLite reading, mark and alert stores, injected clock.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { recordedWindowTouches } from '../../src/alerts/recorded-touches.js';
import { silentLogger } from '../../src/logger.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createMarkService, type MarkService } from '../../src/marks/mark-service.js';
import type { MarkStore } from '../../src/marks/mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { createJobsRig, type JobsRig } from '../jobs/helpers/jobs-rig.js';

const CLASS_V = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.8, tp: 0.1, temp: 15 };
const W = 4 * HOUR;
const SECTION = { rule: 'section_compliance' as const, stationId: 'out-1' };
const bureau = { keyId: 'bu', name: '市生态环境局', role: 'bureau' };

let jr: JobsRig;
let marks: MarkStore;
let service: MarkService;

beforeEach(async () => {
  let now = () => T0;
  const inner = createSqliteStore({
    file: ':memory:',
    logger: silentLogger(),
    lateData: { evalDelayMs: 10 * MIN, now: () => now() },
  });
  marks = createSqliteMarkStore({ file: ':memory:' });
  const readings = withDataMarks(inner, marks);
  // Queued only: nothing needs to answer at this address.
  jr = await createJobsRig({ hookUrl: 'http://127.0.0.1:9/unit', readings, marks: readings });
  now = jr.rig.clock.now;
  service = createMarkService({
    store: marks,
    touches: recordedWindowTouches(inner),
    now: jr.rig.clock.now,
    autoApproveOperator: false,
    logger: silentLogger(),
  });
});
afterEach(async () => {
  await jr.close();
  await marks.close();
});

const runWindows = async (at: number) => {
  jr.rig.clock.set(at);
  const { run } = (await jr.jobs.scheduler.run('alert-windows', 'schedule')) as {
    run: { summary: Record<string, number> };
  };
  return run;
};

it('an approved mark over the violating hours resolves the alert "data corrected"; revoking it re-judges them again', async () => {
  for (let i = 0; i < 3; i++) {
    jr.rig.clock.set(T0 + (i + 1) * W);
    await jr.rig.write('out-1', T0 + i * W, 4, CLASS_V);
    await runWindows(T0 + (i + 1) * W + 10 * MIN);
  }
  const [alert] = await jr.rig.service.list(SECTION);
  expect(alert).toMatchObject({ state: 'open', severity: 'critical', count: 3 });

  // 13:00: the bureau marks NH3-N 00:00–12:00 as maintenance; it takes effect at once.
  jr.rig.clock.set(T0 + 13 * HOUR);
  const mark = await service.create(
    { stationId: 'out-1', parameters: ['nh3n'], from: T0, to: T0 + 3 * W, flag: 'M', reason: '氨氮分析仪维护' },
    bureau,
  );
  expect(mark.state).toBe('approved');
  const run = await runWindows(T0 + 13 * HOUR + 5 * MIN);
  expect(run.summary).toMatchObject({
    rejudge_touches: 1,
    rejudge_windows: 3,
    rejudge_changed: 3,
    rejudge_resolved: 1,
  });
  const detail = (await jr.rig.service.get(alert!.id))!;
  expect(detail.alert).toMatchObject({ state: 'resolved', resolveReason: 'data corrected' });
  expect(await jr.rig.store.windowVerdict('section_compliance', 'out-1', T0, T0 + W)).toMatchObject({
    outcome: 'insufficient',
  });

  // 14:00: the mark is revoked: the windows are violations again, on the device's flags.
  jr.rig.clock.set(T0 + 14 * HOUR);
  await service.decide(mark.id, 'revoked', bureau, '维护记录有误');
  const again = await runWindows(T0 + 14 * HOUR + 5 * MIN);
  expect(again.summary).toMatchObject({ rejudge_touches: 1, rejudge_windows: 3, rejudge_changed: 3 });
  expect(await jr.rig.store.windowVerdict('section_compliance', 'out-1', T0, T0 + W)).toMatchObject({
    outcome: 'violation',
  });
  expect(await jr.rig.service.list({ ...SECTION, state: ['open'] })).toHaveLength(1);
});
