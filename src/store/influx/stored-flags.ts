/**
 * Which late readings re-send a stored reading with another flag (issue 14: `flag_correction` touches), for the
 * InfluxDB store, which has no transaction to look them up in as SQLite does: before a write that holds late
 * readings — none in steady state — one request for the stored flags of exactly those stations and parameters over
 * the spans of their timestamps (a statement per station and span; spans further apart than SPAN_GAP_MS are
 * separate, so a few re-sent readings days apart do not read the days between).
 *
 * Bounded: a write of more than FLAG_LOOKUP_MAX_READINGS late readings or FLAG_LOOKUP_MAX_SPANS spans (a spool
 * draining after a long outage, a large back-fill: new data, not corrections) is not looked up, and its hours are
 * recorded as late data. Re-judgment is the same either way; only the cause it names differs (ADR 0013).
 */
import type { Reading } from '../../domain/reading.js';
import { anyOf, columnIndex, ident, str, type StatementResult } from './influxql.js';
import { READING_MEASUREMENT } from './line-protocol.js';

export const FLAG_LOOKUP_MAX_READINGS = 5_000;
export const FLAG_LOOKUP_MAX_SPANS = 200;
const SPAN_GAP_MS = 3_600_000;

export interface FlagLookup {
  statements: string[];
  /** Given the statements' answers (in order): whether a late reading's stored flag differs from its own. */
  changed(results: readonly StatementResult[]): (reading: Reading) => boolean;
}

const keyOf = (parameter: string, ts: number) => `${parameter}\u0000${ts}`;

/** The lookup for these late readings, or undefined when there are none or too many to look up. */
export function storedFlagLookup(late: readonly Reading[]): FlagLookup | undefined {
  if (late.length === 0 || late.length > FLAG_LOOKUP_MAX_READINGS) return undefined;
  const byStation = new Map<string, Reading[]>();
  for (const r of late) {
    const of = byStation.get(r.stationId);
    if (of) of.push(r);
    else byStation.set(r.stationId, [r]);
  }
  const spans: { stationId: string; from: number; to: number; parameters: Set<string> }[] = [];
  for (const [stationId, readings] of byStation) {
    readings.sort((a, b) => a.ts - b.ts);
    let span: (typeof spans)[number] | undefined;
    for (const r of readings) {
      if (!span || r.ts - (span.to - 1) > SPAN_GAP_MS) {
        spans.push((span = { stationId, from: r.ts, to: r.ts + 1, parameters: new Set() }));
        if (spans.length > FLAG_LOOKUP_MAX_SPANS) return undefined;
      }
      span.to = r.ts + 1;
      span.parameters.add(r.parameter);
    }
  }
  const statements = spans.map(
    (s) =>
      `SELECT "flag", "param" FROM ${ident(READING_MEASUREMENT)} WHERE "station" = ${str(s.stationId)}` +
      ` AND ${anyOf('param', [...s.parameters])} AND time >= ${s.from}ms AND time < ${s.to}ms`,
  );
  return {
    statements,
    changed(results) {
      const stored = new Map<string, Map<string, string>>();
      results.forEach((result, i) => {
        const stationId = spans[i]?.stationId;
        if (stationId === undefined) return;
        let flags = stored.get(stationId);
        if (!flags) stored.set(stationId, (flags = new Map()));
        for (const series of result.series ?? []) {
          const [t, f, p] = columnIndex(series, 'time', 'flag', 'param');
          for (const row of series.values) flags.set(keyOf(String(row[p!]), row[t!] as number), String(row[f!]));
        }
      });
      return (r) => {
        const flag = stored.get(r.stationId)?.get(keyOf(r.parameter, r.ts));
        return flag !== undefined && flag !== r.flag;
      };
    },
  };
}
