/**
 * The InfluxQL statements the Influx adapter sends to /query, and the shape of their JSON answers.
 * Only what InfluxDB 1.6, 2.x and 3.x all understand: no `tz()` (3.x lacks it), time literals as epoch
 * milliseconds ("1767196800000ms"), durations in ms, identifiers double-quoted, strings single-quoted.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { DeadLetterQuery, LatestQuery, LoggerDataQuery, RawQuery } from '../reading-store.js';
import { DEAD_LETTER_MEASUREMENT, LOGGER_DATA_MEASUREMENT, READING_MEASUREMENT } from './line-protocol.js';

/** A string literal. InfluxQL refuses a raw line break inside one and reads the escape backslash-n as one. */
export function str(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `"key" = 'a'`, or several of them OR-ed in parentheses. */
export function anyOf(key: string, values: readonly string[]): string {
  const terms = values.map((v) => `${ident(key)} = ${str(v)}`);
  return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}

function timeRange(from: number | undefined, to: number | undefined): string[] {
  const out: string[] = [];
  if (from !== undefined) out.push(`time >= ${Math.floor(from)}ms`);
  if (to !== undefined) out.push(`time < ${Math.floor(to)}ms`);
  return out;
}

const VALID = `("flag" = 'N' OR "flag" = 'T')`;
const READING = ident(READING_MEASUREMENT);

function where(conditions: string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** `last()` is a selector, so the flag comes from the same point as the value. */
export function latestStatement(query: LatestQuery): string {
  const conditions: string[] = [];
  if (query.stationIds) conditions.push(anyOf('station', query.stationIds));
  if (query.parameters) conditions.push(anyOf('param', query.parameters));
  if (query.validOnly) conditions.push(VALID);
  conditions.push(...timeRange(query.since, query.before));
  return `SELECT last("value") AS "value", "flag" FROM ${READING}${where(conditions)} GROUP BY "station", "param"`;
}

export interface AggregateStatement {
  text: string;
  slice: number;
  /** counted: sum/count/min/max of the readings that count; total: count of all readings; rollup: both at once. */
  part: 'counted' | 'total' | 'rollup';
}

/** The grid of one piece of a plan slice (hourly-rollup.ts `PlanPart`). */
export interface GridPart {
  slice: number;
  from: number;
  to: number;
  step: number;
  phase: number;
}

/**
 * For one piece of a plan slice: one statement over the readings that count (flags N and T when validOnly)
 * and, when validOnly and `excluded` is wanted, one count of every reading, for `excluded`. Sums rather than means, so that cells cut
 * by a slice edge, the days of a month and the pieces of a slice add up (mean = Σsum / Σcount).
 */
export function aggregateStatements(
  part: GridPart,
  stationIds: string | readonly string[],
  parameters: readonly ParameterCode[],
  validOnly: boolean,
  extremes = true,
  excluded = true,
): AggregateStatement[] {
  // Several stations in one statement (re-judging a back-fill): grouped by station as well.
  const ids = typeof stationIds === 'string' ? [stationIds] : stationIds;
  const base = [anyOf('station', ids), anyOf('param', parameters), ...timeRange(part.from, part.to)];
  const groupBy = ` GROUP BY time(${part.step}ms, ${part.phase}ms), ${ids.length > 1 ? '"station", ' : ''}"param" fill(none)`;
  const counted = validOnly ? [...base, VALID] : base;
  const statements: AggregateStatement[] = [
    {
      text: `SELECT sum("value") AS "s", count("value") AS "n"${extremes ? `, min("value") AS "lo", max("value") AS "hi"` : ''} FROM ${READING}${where(counted)}${groupBy}`,
      slice: part.slice,
      part: 'counted',
    },
  ];
  if (validOnly && excluded)
    statements.push({
      text: `SELECT count("value") AS "total" FROM ${READING}${where(base)}${groupBy}`,
      slice: part.slice,
      part: 'total',
    });
  return statements;
}

/**
 * Raw readings from `after.ts` on (InfluxQL cannot say "(time, param) > (t, p)"). The caller drops what is at
 * or before the cursor and sorts ties by parameter; `fetch` must exceed the page by enough to survive both.
 */
export function rawStatement(query: RawQuery, fetch: number): string {
  const conditions = [`"station" = ${str(query.stationId)}`];
  if (query.parameters) conditions.push(anyOf('param', query.parameters));
  conditions.push(...timeRange(Math.max(query.from, query.after?.ts ?? query.from), query.to));
  return `SELECT "value", "flag", "param" FROM ${READING}${where(conditions)} ORDER BY time ASC LIMIT ${fetch}`;
}

export function loggerDataStatement(query: LoggerDataQuery, limit: number): string {
  const conditions = [`"station" = ${str(query.stationId)}`];
  if (query.stream !== undefined) conditions.push(`"stream" = ${str(query.stream)}`);
  if (query.parameters) conditions.push(anyOf('param', query.parameters));
  conditions.push(...timeRange(query.from, query.to));
  return (
    `SELECT "value", "min", "max", "cou", "flag", "late", "received_at", "param", "stream" FROM ${ident(LOGGER_DATA_MEASUREMENT)}` +
    `${where(conditions)} ORDER BY time ASC LIMIT ${limit}`
  );
}

/** Dead letters have no tags (station ids from rejected topics are unbounded): station is a field filter. */
export function deadLetterStatement(query: DeadLetterQuery, limit: number): string {
  const conditions: string[] = [];
  if (query.stationId !== undefined) conditions.push(`"station" = ${str(query.stationId)}`);
  conditions.push(...timeRange(query.from, query.to));
  return (
    `SELECT "received_at", "station", "topic", "reason", "detail", "payload" FROM ${ident(DEAD_LETTER_MEASUREMENT)}` +
    `${where(conditions)} ORDER BY time DESC LIMIT ${limit}`
  );
}

// ---- Answers --------------------------------------------------------------------------------------------

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface StatementResult {
  statement_id?: number;
  series?: InfluxSeries[];
  error?: string;
}

/** Column positions by name; -1 when absent. */
export function columnIndex(series: InfluxSeries, ...names: string[]): number[] {
  return names.map((name) => series.columns.indexOf(name));
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
