import { describe, expect, it } from 'vitest';
import { DATA_FLAGS } from '../../src/domain/flags.js';
import { isPossible, parameter, type ParameterCode } from '../../src/domain/parameters.js';
import { CALM_SCENARIO, createSimulator, type Sample, type Simulator } from '../../sensors/simulator/index.js';
import { calibrationValue, familyOf } from '../../sensors/simulator/profiles.js';
import { DAY, HOUR, JULY_15, testCatalog } from './fixtures.js';

function allSamples(sim: Simulator, from: number, to: number): Sample[] {
  return sim.stations.flatMap((s) => sim.samples(s.id, from, to));
}

/** Mean of f(t) per local hour of day over `days` days starting at `from`. */
function hourlyMeans(days: number, from: number, f: (t: number) => number): number[] {
  const sums = new Array<number>(24).fill(0);
  for (let d = 0; d < days; d += 1) for (let h = 0; h < 24; h += 1) sums[h]! += f(from + d * DAY + h * HOUR);
  return sums.map((s) => s / days);
}

const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
const argmin = (xs: number[]) => xs.indexOf(Math.min(...xs));

describe('reproducibility', () => {
  it('gives identical readings for the same seed, whatever order they are asked in', () => {
    const a = createSimulator({ catalog: testCatalog, seed: 42 });
    const b = createSimulator({ catalog: testCatalog, seed: 42 });
    const from = JULY_15;
    const to = from + 7 * DAY;
    const forward = allSamples(a, from, to);
    expect(forward.length).toBeGreaterThan(500);
    expect(allSamples(b, from, to)).toEqual(forward);
    // Asked one by one, backwards, from a fresh instance: still the same messages.
    const c = createSimulator({ catalog: testCatalog, seed: 42 });
    const backwards = [...forward].reverse().map((s) => c.sample(s.stationId, s.ts));
    expect(backwards.reverse()).toEqual(forward);
  });

  it('gives different readings for a different seed', () => {
    const a = createSimulator({ catalog: testCatalog, seed: 1 }).samples('outbound', JULY_15, JULY_15 + DAY);
    const b = createSimulator({ catalog: testCatalog, seed: 2 }).samples('outbound', JULY_15, JULY_15 + DAY);
    expect(a.map((s) => s.values)).not.toEqual(b.map((s) => s.values));
  });

  it('reports on the local clock: 4-hourly sections at 00, 04 … 20 Beijing time', () => {
    const sim = createSimulator({ catalog: testCatalog });
    const hours = [...sim.slots('outbound', JULY_15, JULY_15 + DAY)].map((t) => sim.zone.localHour(t));
    expect(hours).toEqual([4, 8, 12, 16, 20, 0]);
    expect(sim.countSlots('p1-effluent', JULY_15, JULY_15 + DAY)).toBe(24);
  });
});

describe('daily cycles', () => {
  const sim = createSimulator({ catalog: testCatalog, seed: 3, scenario: CALM_SCENARIO });

  it('peaks DO, pH and water temperature in the afternoon (photosynthesis), DO lowest before dawn', () => {
    for (const id of ['outbound', 'wetland', 'creek']) {
      const dissolved = hourlyMeans(14, JULY_15, (t) => sim.truth(id, t).do!);
      expect(argmax(dissolved), `${id} DO peak hour`).toBeGreaterThanOrEqual(12);
      expect(argmax(dissolved), `${id} DO peak hour`).toBeLessThanOrEqual(18);
      expect(argmin(dissolved), `${id} DO low hour`).toBeLessThanOrEqual(7);
      expect(Math.max(...dissolved) - Math.min(...dissolved)).toBeGreaterThan(0.3);
    }
    const temp = hourlyMeans(14, JULY_15, (t) => sim.truth('outbound', t).temp!);
    expect(argmax(temp)).toBeGreaterThanOrEqual(12);
    expect(argmax(temp)).toBeLessThanOrEqual(18);
    const ph = hourlyMeans(14, JULY_15, (t) => sim.truth('wetland', t).ph!);
    expect(argmax(ph)).toBeGreaterThanOrEqual(12);
    expect(argmax(ph)).toBeLessThanOrEqual(18);
  });

  it('is warmer in summer than in winter', () => {
    const january = Date.parse('2026-01-15T00:00:00+08:00');
    const mean = (from: number) =>
      hourlyMeans(7, from, (t) => sim.truth('outbound', t).temp!).reduce((a, b) => a + b) / 24;
    expect(mean(JULY_15)).toBeGreaterThan(24);
    expect(mean(january)).toBeLessThan(12);
  });

  it('follows the sewage load curve at the plant inlet: low at night, high by day', () => {
    const flow = hourlyMeans(7, JULY_15, (t) => sim.truth('p1-influent', t).flow!);
    expect(argmin(flow)).toBeGreaterThanOrEqual(1);
    expect(argmin(flow)).toBeLessThanOrEqual(6);
    expect(Math.max(...flow) / Math.min(...flow)).toBeGreaterThan(1.4);
  });
});

describe('pollution incidents', () => {
  const start = JULY_15 + 14 * HOUR;
  const incident = { source: 'p1', start, durationMs: 3 * HOUR, excess: { nh3n: 10 } };
  const calm = createSimulator({ catalog: testCatalog, seed: 5, scenario: CALM_SCENARIO });
  const hit = createSimulator({ catalog: testCatalog, seed: 5, scenario: CALM_SCENARIO, incidents: [incident] });
  const excess = (id: string, t: number) => hit.truth(id, t).nh3n! - calm.truth(id, t).nh3n!;
  const series = (id: string) => {
    const out: { t: number; x: number }[] = [];
    for (let t = start - 2 * HOUR; t < start + 2 * DAY; t += 15 * 60_000) out.push({ t, x: excess(id, t) });
    return out;
  };

  it('computes travel time from distance and the river flow speed', () => {
    expect(hit.travel('p1', 'outbound')).toMatchObject({ distanceKm: 20, hours: 10 });
    // Down the tributary (15 km at 1 km/h) and on along the main river (30 km at 2 km/h).
    expect(hit.travel('trib-section', 'outbound')).toMatchObject({ distanceKm: 45, hours: 30 });
    expect(hit.travel('p1', 'control')).toBeUndefined();
    expect(hit.travel('outbound', 'inbound')).toBeUndefined();
  });

  it('shows up at the plant effluent at once, at full strength', () => {
    const s = series('p1-effluent');
    const peak = s.reduce((a, b) => (b.x > a.x ? b : a));
    expect(peak.x).toBeGreaterThan(9);
    expect(Math.abs(peak.t - (start + 1.5 * HOUR))).toBeLessThanOrEqual(HOUR);
  });

  it('reaches the outbound section (出境断面) after the travel time, diluted and spread out', () => {
    const s = series('outbound');
    const peak = s.reduce((a, b) => (b.x > a.x ? b : a));
    const arrival = s.find((p) => p.x > 0.5 * peak.x)!;
    // 20 km at 2 km/h = 10 h; the 3-hour pulse centre arrives at 11.5 h.
    expect(Math.abs(peak.t - (start + 11.5 * HOUR))).toBeLessThanOrEqual(1.5 * HOUR);
    expect(arrival.t).toBeGreaterThan(start + 8 * HOUR);
    expect(peak.x).toBeGreaterThan(0.3);
    expect(peak.x).toBeLessThan(10 * 0.12);
    // Nothing before the water can have arrived.
    expect(Math.max(...s.filter((p) => p.t < start + 6 * HOUR).map((p) => p.x))).toBeLessThan(0.01);
    // And oxygen drops while the ammonia passes.
    expect(hit.truth('outbound', peak.t).do!).toBeLessThan(calm.truth('outbound', peak.t).do!);
  });

  it('never reaches sections upstream of the source', () => {
    expect(Math.max(...series('control').map((p) => Math.abs(p.x)))).toBe(0);
    expect(Math.max(...series('inbound').map((p) => Math.abs(p.x)))).toBe(0);
  });

  it('lists scheduled incidents with the random ones', () => {
    const listed = hit.incidents(start - HOUR, start + HOUR);
    expect(listed).toEqual([expect.objectContaining({ sourceId: 'p1', start, scheduled: true, excess: { nh3n: 10 } })]);
    const random = createSimulator({ catalog: testCatalog, seed: 5, scenario: { incidentsPerMonth: 3 } }).incidents(
      JULY_15,
      JULY_15 + 60 * DAY,
    );
    expect(random.length).toBeGreaterThan(10);
    expect(new Set(random.map((i) => i.sourceId))).not.toContain('outbound');
  });

  it('refuses an incident at an unknown place', () => {
    expect(() => createSimulator({ catalog: testCatalog, incidents: [{ ...incident, source: 'nowhere' }] })).toThrow(
      /nowhere/,
    );
  });
});

describe('instrument behaviour', () => {
  const busy = createSimulator({
    catalog: testCatalog,
    seed: 11,
    scenario: {
      ...CALM_SCENARIO,
      maintenancePerMonth: 8,
      calibrationEveryDays: 3,
      stuckPerMonth: 6,
      dropoutsPerMonth: 6,
    },
  });
  const from = JULY_15;
  const to = from + 30 * DAY;

  it('flags every reading M during maintenance, and C at standard-solution values during calibration', () => {
    let maintained = 0;
    let calibrated = 0;
    for (const station of busy.stations) {
      const events = busy.instrumentEvents(station.id, from, to);
      for (const sample of busy.samples(station.id, from, to)) {
        const active = events.filter((e) => e.start <= sample.ts && sample.ts < e.end);
        const maintenance = active.some((e) => e.kind === 'maintenance');
        for (const [code, value] of Object.entries(sample.values) as [ParameterCode, number][]) {
          const calibration = active.find((e) => e.kind === 'calibration' && e.parameter === code);
          if (calibration) {
            calibrated += 1;
            expect(sample.flags[code]).toBe('C');
            const standard = calibrationValue(familyOf(station.kind), code)!;
            expect(Math.abs(value / standard - 1), `${station.id} ${code} calibrating`).toBeLessThan(0.05);
          } else if (maintenance) {
            maintained += 1;
            expect(sample.flags[code]).toBe('M');
          } else {
            expect(sample.flags[code]).toBeUndefined();
          }
        }
      }
    }
    expect(maintained).toBeGreaterThan(50);
    expect(calibrated).toBeGreaterThan(50);
  });

  it('repeats the identical value while a sensor is stuck, flagged N', () => {
    let episodes = 0;
    for (const station of busy.stations) {
      for (const e of busy.instrumentEvents(station.id, from, to).filter((ev) => ev.kind === 'stuck')) {
        const during = busy.samples(station.id, e.start, e.end - 1).filter((s) => !s.flags[e.parameter!]);
        if (during.length < 3) continue;
        episodes += 1;
        const values = new Set(during.map((s) => s.values[e.parameter!]));
        expect(values.size, `${station.id} ${e.parameter} stuck`).toBe(1);
      }
    }
    expect(episodes).toBeGreaterThan(3);
  });

  it('sends nothing during a dropout', () => {
    let silent = 0;
    for (const station of busy.stations) {
      for (const e of busy.instrumentEvents(station.id, from, to).filter((ev) => ev.kind === 'dropout')) {
        for (const ts of busy.slots(station.id, e.start, e.end - 1)) {
          if (ts < e.start || ts >= e.end) continue;
          silent += 1;
          expect(busy.sample(station.id, ts)).toBeUndefined();
        }
      }
    }
    expect(silent).toBeGreaterThan(10);
  });
});

describe('plausibility over a simulated month', () => {
  it('keeps every value physically possible, with storms, incidents and many faults', () => {
    const sim = createSimulator({
      catalog: testCatalog,
      seed: 99,
      scenario: {
        incidentsPerMonth: 6,
        rainEventsPerMonth: 15,
        spikeRate: 0.02,
        stuckPerMonth: 3,
        maintenancePerMonth: 4,
      },
    });
    const from = Date.parse('2026-01-01T00:00:00+08:00');
    let readings = 0;
    for (const month of [0, 6]) {
      const start = from + month * 30 * DAY;
      for (const sample of allSamples(sim, start, start + 30 * DAY)) {
        const station = sim.station(sample.stationId);
        for (const [code, value] of Object.entries(sample.values) as [ParameterCode, number][]) {
          readings += 1;
          expect(station.parameters).toContain(code);
          if (!isPossible(parameter(code), value))
            throw new Error(`${sample.stationId} ${code}=${value} at ${sim.zone.iso(sample.ts)}`);
        }
        for (const flag of Object.values(sample.flags)) expect(DATA_FLAGS).toContain(flag);
      }
    }
    expect(readings).toBeGreaterThan(40_000);
  });
});
