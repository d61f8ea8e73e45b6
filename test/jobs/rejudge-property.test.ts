/**
 * The property of issue 14: late, back-filled and corrected data end in the same verdicts as if they had arrived
 * on time. After any sequence of writes (on time or late, with any flag, re-sent with another flag) interleaved with
 * the production alert-windows job on an injected clock, every judged window's latest verdict equals the verdict of
 * judging the final data once. Real SQLite stores (readings recording late data, alerts), fast-check.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { createAlertStore } from '../../src/alerts/alert-store.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { createJobsRig } from './helpers/jobs-rig.js';

/** NH3-N levels around the class limits of GB 3838-2002 (II ≤ 0.5, III ≤ 1.0, IV ≤ 1.5, V ≤ 2.0) and a plant's 5 (8). */
const NH3N = [0.4, 0.9, 1.2, 1.8, 2.5, 9];
const FLAGS: DataFlag[] = ['N', 'N', 'M', 'D', 'T'];
const END = T0 + 30 * HOUR;

const step = fc.record({
  advanceMin: fc.integer({ min: 5, max: 300 }),
  station: fc.constantFrom('out-1', 'eff-1'),
  /** Hours back from now where the write starts (0: the current hour, on time). */
  hoursBack: fc.integer({ min: 0, max: 20 }),
  hours: fc.integer({ min: 1, max: 6 }),
  level: fc.integer({ min: 0, max: NH3N.length - 1 }),
  flag: fc.constantFrom(...FLAGS),
});

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function readingsOf(s: Step, now: number): Reading[] {
  const first = Math.floor(now / HOUR) * HOUR - s.hoursBack * HOUR;
  const params =
    s.station === 'out-1'
      ? { ph: 7.5, do: 6.5, codmn: 4, tp: 0.1, temp: 15, nh3n: NH3N[s.level]! }
      : { cod: 30, tp: 0.3, temp: 20, ph: 7, nh3n: NH3N[s.level]! };
  const out: Reading[] = [];
  for (let h = 0; h < s.hours; h++) {
    const ts = first + h * HOUR;
    if (ts >= now || ts < T0) continue;
    for (const [parameter, value] of Object.entries(params)) {
      out.push({ stationId: s.station, parameter: parameter as Reading['parameter'], ts, value, flag: s.flag });
    }
  }
  return out;
}

describe('re-judgment property', () => {
  it('verdicts after any late writes and flag corrections equal judging the final data once', async () => {
    let example = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        let now = () => T0;
        const readings = createSqliteStore({
          file: ':memory:',
          logger: silentLogger(),
          lateData: { evalDelayMs: 10 * MIN, now: () => now() },
        });
        const jr = await createJobsRig({ readings });
        now = jr.rig.clock.now;
        try {
          // The service starts with the first window of the day judged (without data: the station was down).
          jr.rig.clock.set(T0 + 4 * HOUR + 10 * MIN);
          await jr.jobs.scheduler.run('alert-windows', 'schedule');
          for (const s of steps) {
            jr.rig.clock.set(Math.min(END, jr.rig.clock.now() + s.advanceMin * MIN));
            await readings.write(readingsOf(s, jr.rig.clock.now()));
            await jr.jobs.scheduler.run('alert-windows', 'schedule');
          }
          // Settle: every window due is judged and every touch consumed.
          jr.rig.clock.set(END + 20 * MIN);
          await jr.jobs.scheduler.run('alert-windows', 'schedule');

          // Judge the final data once, on a fresh alert store.
          const fresh = createAlertStore({ file: path.join(jr.rig.dir, `fresh-${++example}.db`) });
          const once = createAlertService({
            store: fresh,
            catalog: createAlertCatalog(catalogData()),
            readings,
            settings: defaultAlertSettings(),
            now: jr.rig.clock.now,
            logger: silentLogger(),
            timeZone: 'Asia/Shanghai',
            lang: 'zh-CN',
          });
          try {
            let compared = 0;
            for (const station of ['out-1', 'eff-1']) {
              for (const rule of ['section_compliance', 'effluent_hourly', 'effluent_daily'] as const) {
                for (const v of await jr.rig.store.verdictsAfter(rule, station, -Infinity)) {
                  const judged = await once.evaluateWindow({ stationId: station, rule, start: v.start, end: v.end });
                  const outcome = judged.outcome!;
                  const severity = outcome.kind === 'violation' ? outcome.finding.severity : null;
                  expect({ rule, station, start: v.start, outcome: v.outcome, severity: v.severity }).toEqual({
                    rule,
                    station,
                    start: v.start,
                    outcome: outcome.kind,
                    severity,
                  });
                  compared++;
                }
              }
            }
            expect(compared).toBeGreaterThan(0);
          } finally {
            fresh.close();
          }
        } finally {
          await jr.close();
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
