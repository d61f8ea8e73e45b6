/**
 * Which late readings re-send a stored reading with another flag (issue 14: `flag_correction` touches), for the
 * InfluxDB store, which has no transaction to look them up in as SQLite does: before a write that holds late
 * readings — none in steady state — one request for the stored flags of exactly those stations and parameters over
 * the spans of their timestamps (spans further apart than SPAN_GAP_MS are separate, so a few re-sent readings days
 * apart do not read the days between; stations with the same span and parameters share a statement).
 *
 * Bounded: a write of more than FLAG_LOOKUP_MAX_READINGS late readings or FLAG_LOOKUP_MAX_SPANS spans (a spool
 * draining after a long outage, a large back-fill: new data, not corrections) is not looked up, and its hours are
 * recorded as late data. Re-judgment is the same either way; only the cause it names differs (ADR 0013).
 */
import type { Reading } from '../../domain/reading.js';
import { anyOf, columnIndex, ident, type StatementResult } from './influxql.js';
import { READING_MEASUREMENT } from './line-protocol.js';

export const FLAG_LOOKUP_MAX_READINGS = 5_000;
export const FLAG_LOOKUP_MAX_SPANS = 200;
const SPAN_GAP_MS = 3_600_000;
/** Stations sharing a span and parameters are asked in one statement (a back-fill of many stations: one). */
const STATIONS_PER_STATEMENT = 100;

export interface FlagLookup {
  statements: string[];
  /** Given the statements' answers (in order): whether a late reading's stored flag differs from its own. */
  changed(results: readonly StatementResult[]): (reading: Reading) => boolean;
}

const keyOf = (stationId: string, parameter: string, ts: number) => `${stationId}\u0000${parameter}\u0000${ts}`;

/** The lookup for these late readings, or undefined when there are none or too many to look up. */
export function storedFlagLookup(late: readonly Reading[]): FlagLookup | undefined {
  if (late.length === 0 || late.length > FLAG_LOOKUP_MAX_READINGS) return undefined;
  const byStation = new Map<string, Reading[]>();
  for (const r of late) {
    const of = byStation.get(r.stationId);
    if (of) of.push(r);
    else byStation.set(r.stationId, [r]);
  }
  // Each station's spans of timestamps; stations with the same span and parameters share a statement.
  const shared = new Map<string, { from: number; to: number; parameters: string[]; stationIds: string[] }>();
  let spans = 0;
  for (const [stationId, readings] of byStation) {
    readings.sort((a, b) => a.ts - b.ts);
    const own: { from: number; to: number; parameters: Set<string> }[] = [];
    for (const r of readings) {
      let span = own[own.length - 1];
      if (!span || r.ts - (span.to - 1) > SPAN_GAP_MS) {
        own.push((span = { from: r.ts, to: r.ts + 1, parameters: new Set() }));
        if (++spans > FLAG_LOOKUP_MAX_SPANS) return undefined;
      }
      span.to = r.ts + 1;
      span.parameters.add(r.parameter);
    }
    for (const span of own) {
      const parameters = [...span.parameters].sort();
      const key = `${span.from}\u0000${span.to}\u0000${parameters.join(',')}`;
      const group = shared.get(key);
      if (group) group.stationIds.push(stationId);
      else shared.set(key, { from: span.from, to: span.to, parameters, stationIds: [stationId] });
    }
  }
  const statements: string[] = [];
  for (const g of shared.values()) {
    for (let i = 0; i < g.stationIds.length; i += STATIONS_PER_STATEMENT) {
      statements.push(
        `SELECT "flag" FROM ${ident(READING_MEASUREMENT)} WHERE ${anyOf('station', g.stationIds.slice(i, i + STATIONS_PER_STATEMENT))}` +
          ` AND ${anyOf('param', g.parameters)} AND time >= ${g.from}ms AND time < ${g.to}ms GROUP BY "station", "param"`,
      );
    }
  }
  return {
    statements,
    changed(results) {
      const stored = new Map<string, string>();
      for (const result of results) {
        for (const series of result.series ?? []) {
          const stationId = series.tags?.station;
          const parameter = series.tags?.param;
          if (stationId === undefined || parameter === undefined) continue;
          const [t, f] = columnIndex(series, 'time', 'flag');
          for (const row of series.values) stored.set(keyOf(stationId, parameter, row[t!] as number), String(row[f!]));
        }
      }
      return (r) => {
        const flag = stored.get(keyOf(r.stationId, r.parameter, r.ts));
        return flag !== undefined && flag !== r.flag;
      };
    },
  };
}
