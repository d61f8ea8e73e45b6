/**
 * The property of issue 14: late, back-filled and corrected data end in the same verdicts as if they had arrived
 * on time. After any sequence of writes (on time or late, with any flag, re-sent with another flag) and data marks
 * (bureau marks taking effect at once, operator marks pending until approved or rejected, revocations; any flag
 * over some parameters or `all`, on any minute) interleaved with the production alert-windows job on an injected
 * clock, every judged window's latest verdict — of every window rule: section compliance, effluent hourly and
 * daily, a catalog threshold — equals the verdict of judging the final effective data once.
 *
 * The production path: readings through the mark-applying store (withDataMarks), marks through the mark service,
 * which records their touches in the reading store (recordedWindowTouches). Both reading stores: SQLite and a real
 * influxd 1.6.7 (written through the forwarder's fast path, hourly rollups kept by a writer), fast-check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { createAlertStore } from '../../src/alerts/alert-store.js';
import { recordedWindowTouches } from '../../src/alerts/recorded-touches.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { MARK_FLAGS, type DecisionKind } from '../../src/domain/data-marks.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createMarkService } from '../../src/marks/mark-service.js';
import { MarkConflictError } from '../../src/marks/mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { encodeReadings } from '../../src/store/encoded-readings.js';
import { createInfluxStore, type InfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { createJobsRig } from './helpers/jobs-rig.js';

/** NH3-N levels around the class limits of GB 3838-2002 (II ≤ 0.5, III ≤ 1.0, IV ≤ 1.5, V ≤ 2.0) and a plant's 5 (8). */
const NH3N = [0.4, 0.9, 1.2, 1.8, 2.5, 9];
const FLAGS: DataFlag[] = ['N', 'N', 'M', 'D', 'T'];
const END = T0 + 30 * HOUR;
const EVAL_DELAY = 10 * MIN;
const STATIONS = ['out-1', 'eff-1'] as const;
/** Parameters both stations measure (a mark naming others is refused by the API, not by the service). */
const MARKABLE: ParameterCode[] = ['nh3n', 'tp', 'ph', 'temp'];
/** A catalog threshold (an extra limit, its own window rule) on NH3-N, crossed by the upper levels. */
const SETTINGS = { thresholds: { nh3n: { max: 1.5 } } };
const RULES = ['section_compliance', 'threshold', 'effluent_hourly', 'effluent_daily'] as const;
const bureau = { keyId: 'bu', name: '市生态环境局', role: 'bureau' };
const operator = { keyId: 'op', name: '第一污水处理厂运维', role: 'operator' };

const write = fc.record({
  kind: fc.constant('write' as const),
  station: fc.constantFrom(...STATIONS),
  /** Hours back from now where the write starts (0: the current hour, on time). */
  hoursBack: fc.integer({ min: 0, max: 20 }),
  hours: fc.integer({ min: 1, max: 6 }),
  level: fc.integer({ min: 0, max: NH3N.length - 1 }),
  flag: fc.constantFrom(...FLAGS),
});

const mark = fc.record({
  kind: fc.constant('mark' as const),
  station: fc.constantFrom(...STATIONS),
  parameters: fc.oneof(fc.constant('all' as const), fc.subarray(MARKABLE, { minLength: 1 })),
  /** Minutes back from now where the mark starts: on any minute, maybe over hours not yet written. */
  minutesBack: fc.integer({ min: -60, max: 24 * 60 }),
  minutes: fc.integer({ min: 1, max: 14 * 60 }),
  flag: fc.constantFrom(...MARK_FLAGS),
  /** A bureau mark takes effect at once; an operator's waits for a decision. */
  byOperator: fc.boolean(),
});

const decide = fc.record({
  kind: fc.constant('decide' as const),
  /** Which of the marks made so far (modulo their number). */
  pick: fc.nat(),
  decision: fc.constantFrom<DecisionKind>('approved', 'rejected', 'revoked'),
});

const step = fc.record({
  advanceMin: fc.integer({ min: 5, max: 300 }),
  /** Stations whose loggers report on time, every hour, while the clock advances (the others' links are down). */
  live: fc.oneof(
    { arbitrary: fc.constant([...STATIONS]), weight: 3 },
    { arbitrary: fc.subarray([...STATIONS]), weight: 1 },
  ),
  liveLevel: fc.integer({ min: 0, max: NH3N.length - 1 }),
  action: fc.oneof({ arbitrary: write, weight: 3 }, { arbitrary: mark, weight: 2 }, { arbitrary: decide, weight: 1 }),
});

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
type Write = Extract<Step['action'], { kind: 'write' }>;

/** A station's readings at one time. */
function readingsAt(stationId: string, ts: number, level: number, flag: DataFlag): Reading[] {
  const params =
    stationId === 'out-1'
      ? { ph: 7.5, do: 6.5, codmn: 4, tp: 0.1, temp: 15, nh3n: NH3N[level]! }
      : { cod: 30, tp: 0.3, temp: 20, ph: 7, nh3n: NH3N[level]! };
  return Object.entries(params).map(([parameter, value]) => ({
    stationId,
    parameter: parameter as ParameterCode,
    ts,
    value,
    flag,
  }));
}

function readingsOf(s: Write, now: number): Reading[] {
  const first = Math.floor(now / HOUR) * HOUR - s.hoursBack * HOUR;
  const out: Reading[] = [];
  for (let h = 0; h < s.hours; h++) {
    const ts = first + h * HOUR;
    if (ts < now && ts >= T0) out.push(...readingsAt(s.station, ts, s.level, s.flag));
  }
  return out;
}

/** A reading store for one run (the jobs rig starts and stops it). */
interface RunStore {
  store: ReadingStore;
  /** Called after the clock moved, before anything else of a step (an ingest writer's rollup pass). */
  tick(): Promise<void>;
}

/** What the runs of one store saw, so that the property is known to have exercised marks. */
interface Seen {
  runs: number;
  marksInEffect: number;
  verdicts: number;
  /** Latest verdicts by rule and outcome. */
  outcomes: Record<string, number>;
}

/**
 * One run: the service starts with the day's first window judged without data, then each step moves the clock,
 * writes or marks or decides, and runs the alert-windows job; finally the clock settles past every window and the
 * latest verdicts are compared with judging the final effective data once on a fresh alert store.
 */
async function holds(steps: Step[], open: (now: () => number) => RunStore, seen: Seen): Promise<void> {
  let now = () => T0;
  const run = open(() => now());
  const marks = createSqliteMarkStore({ file: ':memory:' });
  const readings = withDataMarks(run.store, marks);
  const jr = await createJobsRig({ readings, settings: SETTINGS });
  now = jr.rig.clock.now;
  const service = createMarkService({
    store: marks,
    touches: recordedWindowTouches(run.store),
    now: jr.rig.clock.now,
    autoApproveOperator: false,
    logger: silentLogger(),
  });
  const made: number[] = [];
  try {
    jr.rig.clock.set(T0 + 4 * HOUR + EVAL_DELAY);
    await run.tick();
    await jr.jobs.scheduler.run('alert-windows', 'schedule');
    // As the ingest forwarder hands a batch to a store that takes the spool's bytes.
    const put = (batch: Reading[]) =>
      readings.writeEncoded ? readings.writeEncoded(encodeReadings(batch)) : readings.write(batch);
    for (const s of steps) {
      const target = Math.min(END, jr.rig.clock.now() + s.advanceMin * MIN);
      // The live feed: each hour's readings a minute after they were taken (on time: no touch).
      for (let h = Math.floor(jr.rig.clock.now() / HOUR) * HOUR + HOUR; h + MIN <= target; h += HOUR) {
        jr.rig.clock.set(h + MIN);
        if (s.live.length > 0) await put(s.live.flatMap((station) => readingsAt(station, h, s.liveLevel, 'N')));
      }
      jr.rig.clock.set(target);
      await run.tick();
      const at = jr.rig.clock.now();
      const a = s.action;
      if (a.kind === 'write') {
        await put(readingsOf(a, at));
      } else if (a.kind === 'mark') {
        const from = Math.floor(at / MIN) * MIN - a.minutesBack * MIN;
        const created = await service.create(
          {
            stationId: a.station,
            parameters: a.parameters,
            from,
            to: from + a.minutes * MIN,
            flag: a.flag,
            reason: '属性测试 property test',
          },
          a.byOperator ? operator : bureau,
        );
        made.push(created.id);
      } else if (made.length > 0) {
        const id = made[a.pick % made.length]!;
        const state = (await service.get(id))!.state;
        const allowed = a.decision === 'revoked' ? ['pending', 'approved'] : ['pending'];
        const decided = service.decide(id, a.decision, bureau, '审核 audit');
        if (allowed.includes(state)) expect((await decided).state).toBe(a.decision);
        else await expect(decided).rejects.toBeInstanceOf(MarkConflictError);
      }
      await jr.jobs.scheduler.run('alert-windows', 'schedule');
    }
    // Settle: every window due is judged and every touch consumed.
    jr.rig.clock.set(END + 20 * MIN);
    await run.tick();
    await jr.jobs.scheduler.run('alert-windows', 'schedule');

    // Judge the final data once, on a fresh alert store.
    const fresh = createAlertStore({ file: path.join(jr.rig.dir, `fresh-${++seen.runs}.db`) });
    const once = createAlertService({
      store: fresh,
      catalog: createAlertCatalog(catalogData()),
      readings,
      settings: defaultAlertSettings(SETTINGS),
      now: jr.rig.clock.now,
      logger: silentLogger(),
      timeZone: 'Asia/Shanghai',
      lang: 'zh-CN',
    });
    try {
      let compared = 0;
      for (const station of STATIONS) {
        for (const rule of RULES) {
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
            seen.outcomes[`${rule}:${v.outcome}`] = (seen.outcomes[`${rule}:${v.outcome}`] ?? 0) + 1;
          }
        }
      }
      expect(compared).toBeGreaterThan(0);
      seen.verdicts += compared;
      seen.marksInEffect += (await marks.effective({ from: T0, to: END + HOUR })).length;
    } finally {
      fresh.close();
    }
  } finally {
    await jr.close();
    await marks.close();
  }
}

const sequences = fc.array(step, { minLength: 1, maxLength: 10 });
/** Shrinking a failure of these long runs can take minutes: report what it has by then. */
const SHRINK = { interruptAfterTimeLimit: 90_000 };

describe('re-judgment property', () => {
  it('SQLite: verdicts after any late writes, flag corrections and marks equal judging the final data once', async () => {
    const seen: Seen = { runs: 0, marksInEffect: 0, verdicts: 0, outcomes: {} };
    const open = (now: () => number): RunStore => ({
      store: createSqliteStore({
        file: ':memory:',
        logger: silentLogger(),
        lateData: { evalDelayMs: EVAL_DELAY, now },
      }),
      tick: async () => {},
    });
    await fc.assert(
      fc.asyncProperty(sequences, (steps) => holds(steps, open, seen)),
      { numRuns: 15, ...SHRINK },
    );
    // The runs put marks in effect and judged violations, not only "insufficient data".
    expect(seen.marksInEffect).toBeGreaterThan(0);
    expect(Object.keys(seen.outcomes).filter((k) => k.endsWith(':violation'))).not.toEqual([]);
  }, 120_000);

  describe('InfluxDB 1.6.7', () => {
    let influx: Influxd;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-rejudge-property-'));
    beforeAll(async () => {
      influx = await startInfluxd();
    });
    afterAll(async () => {
      await influx?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('verdicts after any late writes, flag corrections and marks equal judging the final data once', async () => {
      const seen: Seen = { runs: 0, marksInEffect: 0, verdicts: 0, outcomes: {} };
      let databases = 0;
      const open = (now: () => number): RunStore => {
        const n = ++databases;
        const store: InfluxStore = createInfluxStore({
          url: influx.url,
          bucket: `property_${n}`,
          version: 'auto',
          logger: silentLogger(),
          lateData: { evalDelayMs: EVAL_DELAY, now },
          // The ingest writer keeps the hourly rollups; the alert job reads them where they are current.
          rollups: { now, writer: { instance: `w${n}`, stateFile: path.join(dir, `w${n}.json`), intervalMs: HOUR } },
        });
        let covered = false;
        return {
          store,
          async tick() {
            if (!covered) {
              covered = true;
              await store.rollups.backfill([...STATIONS], T0 - HOUR, T0);
            }
            await store.rollups.pass();
          },
        };
      };
      await fc.assert(
        fc.asyncProperty(sequences, (steps) => holds(steps, open, seen)),
        { numRuns: 5, ...SHRINK },
      );
      expect(seen.verdicts).toBeGreaterThan(0);
    }, 120_000);
  });
});
