/**
 * What the map and the station list show for each station: its latest readings (with flags), data freshness,
 * and its current verdict — the latest valid reading of each item judged by the station's standard, as
 * automatic-station publication systems show a "real-time class". Items whose latest valid reading is older
 * than the offline gap are left out of the verdict (a week-old value says nothing about the water now).
 * Two `latest` queries answer any number of stations, both bounded in time: without a bound InfluxDB 1.x reads
 * every series' whole history to find its last point. Only series silent for longer than RECENT_MS (a
 * station offline for a week, a broken sensor) are looked up without a bound, and only for their stations.
 */
import type { Catalog, Station } from '../catalog/index.js';
import type { DataFlag } from '../domain/flags.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { LatestValue, ReadingStore } from '../store/reading-store.js';
import { freshnessOf, offlineAfterMs, type FreshnessInfo } from './freshness.js';
import { judgeWindow, type ItemStats, type WindowVerdict } from './judge-window.js';
import { standardOf, type StationStandard } from './station-standard.js';

export interface LatestReading {
  ts: number;
  value: number;
  flag: DataFlag;
}

export interface StationStatus {
  station: Station;
  standard: StationStandard;
  /** Newest reading of each parameter, whatever its flag. */
  latest: Partial<Record<ParameterCode, LatestReading>>;
  freshness: FreshnessInfo;
  /** The latest valid readings judged; `evaluatedAt` is the newest reading among them. */
  current: (WindowVerdict & { evaluatedAt: number | null }) | null;
}

export interface StationStatusDeps {
  store: ReadingStore;
  catalog: Catalog;
  now: () => number;
}

function byStation(values: readonly LatestValue[]): Map<string, LatestValue[]> {
  const out = new Map<string, LatestValue[]>();
  for (const v of values) {
    const list = out.get(v.stationId) ?? [];
    list.push(v);
    out.set(v.stationId, list);
  }
  return out;
}

/** How far back the station list first looks for latest readings. */
export const RECENT_MS = 7 * 86_400_000;

/** Latest readings of every parameter the stations measure: the last RECENT_MS first, then whenever for the rest. */
async function latestOfAll(deps: StationStatusDeps, stations: readonly Station[], now: number): Promise<LatestValue[]> {
  const recent = await deps.store.latest({ stationIds: stations.map((s) => s.id), since: now - RECENT_MS });
  const found = new Set(recent.map((v) => `${v.stationId}\u0000${v.parameter}`));
  const silent = stations.filter((s) => s.parameters.some((p) => !found.has(`${s.id}\u0000${p}`))).map((s) => s.id);
  if (silent.length === 0) return recent;
  const older = await deps.store.latest({ stationIds: silent });
  return [...recent.filter((v) => !silent.includes(v.stationId)), ...older];
}

export async function stationStatuses(deps: StationStatusDeps, stations: readonly Station[]): Promise<StationStatus[]> {
  if (stations.length === 0) return [];
  const ids = stations.map((s) => s.id);
  const now = deps.now();
  // The verdict reads valid readings no older than each station's offline gap: nothing before the earliest.
  const verdictSince = Math.min(...stations.map((s) => now - offlineAfterMs(s)));
  const [all, valid] = await Promise.all([
    latestOfAll(deps, stations, now),
    deps.store.latest({ stationIds: ids, validOnly: true, since: verdictSince }),
  ]);
  const allBy = byStation(all);
  const validBy = byStation(valid);
  return stations.map((station) => {
    const measured = new Set<string>(station.parameters);
    const latest: Partial<Record<ParameterCode, LatestReading>> = {};
    let newest: number | undefined;
    for (const v of allBy.get(station.id) ?? []) {
      if (!measured.has(v.parameter)) continue;
      latest[v.parameter] = { ts: v.ts, value: v.value, flag: v.flag };
      newest = newest === undefined ? v.ts : Math.max(newest, v.ts);
    }
    const standard = standardOf(deps.catalog, station);
    const horizon = now - offlineAfterMs(station);
    const stats = new Map<ParameterCode, ItemStats>();
    let evaluatedAt: number | null = null;
    for (const v of validBy.get(station.id) ?? []) {
      if (!measured.has(v.parameter) || v.ts < horizon) continue;
      stats.set(v.parameter, { mean: v.value, count: 1, excluded: 0 });
      evaluatedAt = evaluatedAt === null ? v.ts : Math.max(evaluatedAt, v.ts);
    }
    const current =
      standard.kind === 'none'
        ? null
        : { ...judgeWindow({ standard, parameters: station.parameters, stats, required: 1 }), evaluatedAt };
    return { station, standard, latest, freshness: freshnessOf(station, newest, now), current };
  });
}
