/**
 * The bureau's monthly question in one call: for every section (or plant) asked about, the share of judged
 * windows in compliance (达标率), the windows out of compliance, the worst class, the primary pollutants of
 * the period and the items that broke the target — one `stationQuality` per station, a few at a time.
 */
import type { Station } from '../catalog/index.js';
import { classRank } from '../domain/gb3838.js';
import type { TimeWindow } from '../domain/time-window.js';
import { mapLimit } from './map-limit.js';
import { checkWindowCount, stationQuality, type QualityDeps, type QualityResult } from './quality.js';

export const COMPLIANCE_SORT_KEYS = [
  'compliance_rate',
  'non_compliant',
  'insufficient_data',
  'worst_class',
  'excluded_readings',
  'station',
] as const;
export type ComplianceSortKey = (typeof COMPLIANCE_SORT_KEYS)[number];

export interface ComplianceQuery {
  stations: readonly Station[];
  from: number;
  to: number;
  window: TimeWindow;
  tz: string;
  sort: ComplianceSortKey;
  order: 'asc' | 'desc';
}

/** Stations evaluated at once: enough to keep the database busy, few enough not to flood it. */
const CONCURRENCY = 8;

function sortValue(r: QualityResult, key: ComplianceSortKey): number | string | null {
  switch (key) {
    case 'compliance_rate':
      return r.summary.compliance_rate;
    case 'non_compliant':
      return r.summary.non_compliant;
    case 'insufficient_data':
      return r.summary.insufficient_data;
    case 'worst_class':
      return r.summary.worst_class === null ? null : classRank(r.summary.worst_class);
    case 'excluded_readings':
      return r.summary.excluded_readings;
    case 'station':
      return r.station.id;
  }
}

/** Sorted by the key; stations without a value (no judged window) last in either order; ties by station id. */
export function sortResults(results: QualityResult[], key: ComplianceSortKey, order: 'asc' | 'desc'): QualityResult[] {
  const sign = order === 'asc' ? 1 : -1;
  return [...results].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else if (va !== vb) {
      return (va < vb ? -1 : 1) * sign;
    }
    return a.station.id < b.station.id ? -1 : a.station.id > b.station.id ? 1 : 0;
  });
}

export async function complianceOverview(deps: QualityDeps, q: ComplianceQuery): Promise<QualityResult[]> {
  checkWindowCount(q.window, q.from, q.to, Math.max(1, q.stations.length));
  const results = await mapLimit(q.stations, CONCURRENCY, (station) =>
    stationQuality(deps, { station, from: q.from, to: q.to, window: q.window, tz: q.tz }),
  );
  return sortResults(results, q.sort, q.order);
}
