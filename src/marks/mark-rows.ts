/**
 * The rows of `mark_view` as both mark stores read them (SQLite and PostgreSQL have the same tables and view), and
 * the SQL of a list filter: one mapping and one filter, so the two adapters cannot drift apart.
 */
import {
  markState,
  type DataMark,
  type EffectiveMark,
  type MarkDecision,
  type MarkFlag,
} from '../domain/data-marks.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { MarkFilter } from './mark-store.js';

/** A row of `mark_view`. `parameters` is JSON text in SQLite and parsed jsonb in PostgreSQL; booleans 0/1 or true/false. */
export interface MarkRow {
  id: number;
  station: string;
  parameters: string | readonly ParameterCode[];
  from_ts: number;
  to_ts: number;
  flag: MarkFlag;
  reason: string;
  by_key: string;
  by_name: string;
  by_role: string;
  created_at: number;
  v_kind: 'approved' | 'rejected' | null;
  v_by_key: string | null;
  v_by_name: string | null;
  v_by_role: string | null;
  v_at: number | null;
  v_note: string | null;
  v_automatic: number | boolean | null;
  r_by_key: string | null;
  r_by_name: string | null;
  r_by_role: string | null;
  r_at: number | null;
  r_note: string | null;
  r_automatic: number | boolean | null;
}

function parametersOf(value: MarkRow['parameters']): readonly ParameterCode[] | 'all' {
  // PostgreSQL hands jsonb over parsed ('all' or an array); SQLite the JSON text ('"all"' or '["nh3n"]').
  if (typeof value !== 'string') return value;
  return value === 'all' ? 'all' : (JSON.parse(value) as readonly ParameterCode[] | 'all');
}

function decisionOf(kind: MarkDecision['kind'] | null, row: MarkRow, prefix: 'v' | 'r'): MarkDecision | null {
  const at = row[`${prefix}_at`];
  if (kind === null || at === null) return null;
  const automatic = row[`${prefix}_automatic`];
  return {
    kind,
    by: { keyId: row[`${prefix}_by_key`]!, name: row[`${prefix}_by_name`]!, role: row[`${prefix}_by_role`]! },
    at,
    note: row[`${prefix}_note`] ?? '',
    automatic: automatic === true || automatic === 1,
  };
}

export function markOf(row: MarkRow): DataMark {
  const verdict = decisionOf(row.v_kind, row, 'v');
  const revocation = decisionOf(row.r_at === null ? null : 'revoked', row, 'r');
  return {
    id: row.id,
    stationId: row.station,
    parameters: parametersOf(row.parameters),
    from: row.from_ts,
    to: row.to_ts,
    flag: row.flag,
    reason: row.reason,
    by: { keyId: row.by_key, name: row.by_name, role: row.by_role },
    at: row.created_at,
    verdict,
    revocation,
    state: markState({ verdict, revocation }),
  };
}

export function effectiveOf(row: MarkRow): EffectiveMark {
  const { id, stationId, parameters, from, to, flag, reason } = markOf(row);
  return { id, stationId, parameters, from, to, flag, reason, effectiveAt: row.v_at! };
}

/** The stored form of a mark's parameters: a JSON array of codes, or the JSON string "all". */
export const parametersJson = (parameters: readonly ParameterCode[] | 'all'): string =>
  JSON.stringify(parameters === 'all' ? 'all' : [...parameters]);

export interface SqlDialect {
  /** The placeholder of the n-th argument (1-based): `?` or `$n`. */
  placeholder(n: number): string;
  /** A condition true when the mark applies to the parameter at this placeholder. */
  appliesTo(placeholder: string): string;
}

/** `WHERE …` (or '') and its arguments for `SELECT … FROM mark_view`; undefined when nothing can match. */
export function markFilterSql(
  filter: MarkFilter,
  dialect: SqlDialect,
): { where: string; args: (string | number)[]; limit: number } | undefined {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const arg = (value: string | number) => {
    args.push(value);
    return dialect.placeholder(args.length);
  };
  const anyOf = (column: string, values: readonly string[]) => `${column} IN (${values.map(arg).join(', ')})`;
  if (filter.stationIds) {
    if (filter.stationIds.length === 0) return undefined;
    where.push(anyOf('station', filter.stationIds));
  }
  if (filter.states && filter.states.length > 0) where.push(anyOf('state', filter.states));
  if (filter.flags && filter.flags.length > 0) where.push(anyOf('flag', filter.flags));
  if (filter.from !== undefined) where.push(`to_ts > ${arg(filter.from)}`);
  if (filter.to !== undefined) where.push(`from_ts < ${arg(filter.to)}`);
  if (filter.parameter !== undefined) where.push(dialect.appliesTo(arg(filter.parameter)));
  if (filter.beforeId !== undefined) where.push(`id < ${arg(filter.beforeId)}`);
  return {
    where: where.length ? ` WHERE ${where.join(' AND ')}` : '',
    args,
    limit: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
  };
}
