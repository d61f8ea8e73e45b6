/**
 * Issue 12, also noticed: dead letters had no retention. The `dead-letter-retention` job (daily at 03:17) deletes
 * those older than DEAD_LETTER_RETENTION (90 days by default) from the reading store; `0d` keeps them. The store
 * side runs against SQLite and a real influxd in the contract suite (test/store/reading-store.contract.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/domain/reading.js';
import { HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { createJobsRig, type JobsRig } from './helpers/jobs-rig.js';

const DAY = 24 * HOUR;
/** 03:17 in Shanghai on the day after T0. */
const RUN_AT = T0 + DAY + 3 * HOUR + 17 * MIN;

const letter = (receivedAt: number, payload: string): DeadLetter => ({
  receivedAt,
  stationId: 'out-1',
  topic: 'wq/out-1/data',
  reason: 'malformed_json',
  detail: 'not JSON',
  payload,
});

describe('dead-letter retention', () => {
  let jr: JobsRig | undefined;
  afterEach(async () => {
    await jr?.close();
    jr = undefined;
  });

  it('runs daily at 03:17 and deletes the dead letters older than DEAD_LETTER_RETENTION (default 90 days)', async () => {
    jr = await createJobsRig();
    const old = letter(RUN_AT - 91 * DAY, 'old');
    const recent = letter(RUN_AT - 89 * DAY, 'recent');
    await jr.rig.readings.writeDeadLetters([old, recent]);
    jr.rig.clock.set(RUN_AT);
    const results = await jr.jobs.scheduler.tick(RUN_AT);
    const run = results.find((r) => r.job === 'dead-letter-retention')?.result;
    expect(run).toMatchObject({
      status: 'completed',
      run: { outcome: 'ok', summary: { deleted: 1, deleted_before: new Date(RUN_AT - 90 * DAY).toISOString() } },
    });
    expect(await jr.rig.readings.deadLetters({})).toEqual([recent]);
  });

  it('takes DEAD_LETTER_RETENTION from the configuration; 0d keeps dead letters forever', async () => {
    jr = await createJobsRig({ env: { DEAD_LETTER_RETENTION: '7d' } });
    await jr.rig.readings.writeDeadLetters([letter(RUN_AT - 8 * DAY, 'a week and a day')]);
    await jr.jobs.scheduler.tick(RUN_AT);
    expect(await jr.rig.readings.deadLetters({})).toEqual([]);
    await jr.close();

    jr = await createJobsRig({ env: { DEAD_LETTER_RETENTION: '0d' } });
    expect(jr.jobs.scheduler.names()).not.toContain('dead-letter-retention');
  });
});
