/**
 * Turns a CSV of real readings into station messages. Three formats:
 * - `cnemc`: the national automatic-station publication (断面名称, 监测时间 `MM-DD HH:MM` without a year,
 *   one column per parameter with its unit in brackets, `--` no value, `*` not monitored, 站点情况 维护 → M);
 * - `wwtp`: a plant's hourly influent and effluent in one row (`COD_in` … influent, `COD` … effluent);
 * - `generic`: a time column, optionally a station column, and parameter columns named by code, HJ 212 code or
 *   alias (`NH3-N`, `氨氮`, `w21003`), unit optional in brackets: `氨氮(mg/L)`.
 * Values are converted to canonical units; what cannot be used is counted, never silently dropped.
 */
import path from 'node:path';
import type { DataFlag } from '../../src/domain/flags.js';
import { resolveParameter, toCanonicalUnit, type Parameter } from '../../src/domain/parameters.js';
import type { StationMessage } from '../simulator/message.js';
import { parseCsv } from './csv.js';
import type { ColumnTarget, ReplayMapping } from './mapping.js';

export const REPLAY_FORMATS = ['auto', 'cnemc', 'wwtp', 'generic'] as const;
export type ReplayFormat = (typeof REPLAY_FORMATS)[number];

/** Where a message came from in the file, for reports that compare Qingliu's verdict with the file's own. */
export interface ReplaySource {
  /** 1-based number of the data row (the header is not counted). */
  row: number;
  /** The station's name in the file (断面名称, 站点名称 …), when the file has a station column. */
  name?: string;
  /** The file's station status (CNEMC 站点情况: 正常, 维护, 停站 …), when it has one. */
  status?: string;
  /** The file's official class (水质类别: Ⅰ … 劣Ⅴ, or 1 … 6), when it has one. */
  officialClass?: string;
}

export interface ReplayMessage extends StationMessage {
  source: ReplaySource;
}

export interface ReplayData {
  format: Exclude<ReplayFormat, 'auto'>;
  /** Oldest first; one per (station, timestamp). */
  messages: ReplayMessage[];
  /** Rows or cells left out, by reason. */
  skipped: Record<string, number>;
  /** Columns that are neither time, station nor a known parameter, with why. */
  ignoredColumns: { column: string; reason: string }[];
  /** Station names in the file that the mapping does not place, with their row counts. */
  unmappedStations: Record<string, number>;
}

export interface ReadReplayOptions {
  mapping: ReplayMapping;
  format?: ReplayFormat;
  /** The file's name: CNEMC files carry the year only there (e.g. `…_2021-04-01_to_04-05_…`). */
  fileName?: string;
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** Cells that mean "no value" in the sources we know (CNEMC markers, spreadsheet exports). */
const MISSING = new Set(['', '--', '-', '*', '<null>', 'null', 'NaN', 'nan', 'N/A', '极值过滤', '当天质控不合格']);

const TIME_COLUMNS = [
  'ts',
  'time',
  'timestamp',
  'datetime',
  'date_time_iso_local',
  '监测时间',
  '检测时间',
  'monitorTime',
  'date',
  'date_time',
];
const STATION_COLUMNS = ['station', 'station_id', 'stationId', '断面名称', '站点名称'];
/** CNEMC station status: 维护 (maintenance) → M; a station that cannot run → F (instrument stopped). */
const STATUS_COLUMN = '站点情况';
/** CNEMC's official class column. */
const CLASS_COLUMN = '水质类别';
const STATUS_FLAGS: Record<string, DataFlag> = { 维护: 'M', 停站: 'F', 停运: 'F', 不具备运行条件: 'F' };

/** Columns each preset knows beyond what the parameter registry resolves by name. */
const PRESET_COLUMNS: Record<'cnemc' | 'wwtp' | 'generic', Record<string, ColumnTarget>> = {
  cnemc: {
    省份: null,
    流域: null,
    所在地市: null,
    所属河流: null,
    水质类别: null,
    source_file: null,
    叶绿素α: { parameter: 'chla', unit: 'mg/L' },
    藻密度: null,
  },
  wwtp: {
    id: null,
    date_time: null,
    // Total effluent flow, labelled m³/d in the source; the phase flows are not stations of ours.
    Outflow: { parameter: 'flow', unit: 'm3/d' },
    Outflow_1: null,
    Outflow_2: null,
    Inflow_2: null,
  },
  generic: {},
};

export function detectFormat(header: string[]): Exclude<ReplayFormat, 'auto'> {
  if (header.includes('断面名称') && header.includes('监测时间')) return 'cnemc';
  if (header.includes('date_time_iso_local') || (header.includes('date_time') && header.some((h) => /_in$/i.test(h))))
    return 'wwtp';
  return 'generic';
}

/** `氨氮(mg/L)` → { name: '氨氮', unit: 'mg/L' }; full-width brackets too. */
function splitUnit(column: string): { name: string; unit: string | undefined } {
  const m = /^(.*?)\s*[(（]([^()（）]*)[)）]\s*$/.exec(column);
  return m ? { name: m[1]!, unit: m[2]! } : { name: column, unit: undefined };
}

export interface ColumnPlan {
  index: number;
  column: string;
  param: Parameter;
  unit: string | undefined;
  /** Station role within a row (wwtp: influent/effluent); undefined = the row's station. */
  role: string | undefined;
}

/** Columns that are read for themselves (time, station, status, class), not as parameters. */
export interface SpecialColumns {
  time: number;
  station: number;
  status: number;
  officialClass: number;
}

/**
 * Which column holds which parameter (in which unit, for which station role), and which columns are left out
 * and why. Shared by the replay and by tools that read a file's values without replaying it.
 */
export function planColumns(
  header: readonly string[],
  format: Exclude<ReplayFormat, 'auto'>,
  mapping: ReplayMapping,
  special: readonly number[] = [],
): { plans: ColumnPlan[]; ignoredColumns: ReplayData['ignoredColumns'] } {
  const columnsMap: Record<string, ColumnTarget> = { ...PRESET_COLUMNS[format], ...mapping.columns };
  const ignoredColumns: ReplayData['ignoredColumns'] = [];
  const plans: ColumnPlan[] = [];
  header.forEach((column, index) => {
    if (special.includes(index)) return;
    if (format === 'cnemc' && column.endsWith('_原始值')) {
      ignoredColumns.push({ column, reason: 'unrounded duplicate of a published column' });
      return;
    }
    let role: string | undefined;
    let name = column;
    if (format === 'wwtp') {
      const inflow = /^(.*)_in$/i.exec(column);
      role = inflow ? 'influent' : 'effluent';
      if (inflow && !(column in columnsMap)) name = inflow[1]!;
    }
    const split = splitUnit(name);
    // A mapping entry may name the column in full (`叶绿素α(mg/L)`) or without its unit (`叶绿素α`).
    const key = column in columnsMap ? column : split.name in columnsMap ? split.name : undefined;
    const target = key !== undefined ? columnsMap[key] : undefined;
    if (target === null) return;
    const spec = typeof target === 'string' ? { parameter: target, unit: undefined, role: undefined } : target;
    const param = resolveParameter(spec?.parameter ?? split.name);
    if (!param) {
      ignoredColumns.push({ column, reason: 'not a known parameter; map it in the mapping file under columns' });
      return;
    }
    const unit = spec?.unit ?? split.unit;
    try {
      if (unit !== undefined && param.unitGroup !== 'ph') toCanonicalUnit(param, 1, unit);
    } catch (err) {
      ignoredColumns.push({ column, reason: err instanceof Error ? err.message : String(err) });
      return;
    }
    plans.push({ index, column, param, unit: param.unitGroup === 'ph' ? undefined : unit, role: spec?.role ?? role });
  });
  return { plans, ignoredColumns };
}

/** The time, station, status and official-class columns of a file (-1 where it has none). */
export function specialColumns(
  header: readonly string[],
  format: Exclude<ReplayFormat, 'auto'>,
  mapping: ReplayMapping,
): SpecialColumns {
  return {
    time: findColumn(header, mapping.time_column, TIME_COLUMNS),
    station: format === 'wwtp' ? -1 : findColumn(header, mapping.station_column, STATION_COLUMNS),
    status: header.indexOf(STATUS_COLUMN),
    officialClass:
      mapping.class_column !== undefined
        ? findColumn(header, mapping.class_column, [])
        : format === 'cnemc'
          ? header.indexOf(CLASS_COLUMN)
          : -1,
  };
}

/** The cell as a number in the parameter's canonical unit; undefined for a "no value" marker. */
export function cellValue(cell: string, plan: ColumnPlan): number | undefined | 'non_numeric' {
  const text = cell.trim();
  if (MISSING.has(text)) return undefined;
  const raw = Number(text);
  if (!Number.isFinite(raw)) return 'non_numeric';
  const value = plan.unit === undefined ? raw : toCanonicalUnit(plan.param, raw, plan.unit);
  return Number(value.toPrecision(12));
}

function offsetMs(utcOffset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** Year and month the file name gives: `…_2021-04-01_to_04-05_…` → 2021, reference month 4. */
function yearFromFileName(fileName: string | undefined): { year: number; month: number } | undefined {
  if (!fileName) return undefined;
  const m = /((?:19|20)\d{2})-(\d{2})-\d{2}(?:_to_(\d{2})-\d{2})?/.exec(path.basename(fileName));
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[3] ?? m[2]) };
}

/**
 * Parses the time formats found in exported monitoring data: ISO 8601 with an offset, epoch ms, local
 * `YYYY-MM-DD HH[:MM[:SS]]`, `YYYY/M/D H:MM`, and CNEMC's year-less `MM-DD HH:MM`.
 */
export function parseLocalTime(
  text: string,
  ctx: { offsetMs: number; year: { year: number; month: number } | undefined },
): number | undefined {
  const s = text.trim();
  if (/^\d{12,}$/.test(s)) return Number(s);
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(s) && /^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  }
  const local = (y: number, mo: number, d: number, h: number, mi: number, sec: number) => {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60) return undefined;
    return Date.UTC(y, mo - 1, d, h, mi, sec) - ctx.offsetMs;
  };
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?$/.exec(s);
  if (m)
    return local(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  m = /^(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2})$/.exec(s);
  if (m) {
    if (!ctx.year) return undefined;
    const month = Number(m[1]);
    // A month later than the file's means a stale reading from the previous year (CNEMC keeps old times).
    const year = month > ctx.year.month ? ctx.year.year - 1 : ctx.year.year;
    return local(year, month, Number(m[2]), Number(m[3]), Number(m[4]), 0);
  }
  return undefined;
}

function findColumn(header: readonly string[], wanted: string | undefined, candidates: readonly string[]): number {
  if (wanted !== undefined) {
    const i = header.indexOf(wanted);
    if (i < 0) throw new ReplayError(`column "${wanted}" is not in the file (columns: ${header.join(', ')})`);
    return i;
  }
  for (const name of candidates) {
    const i = header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

export function readReplayCsv(text: string, options: ReadReplayOptions): ReplayData {
  const rows = parseCsv(text);
  const header = (rows.shift() ?? []).map((h) => h.trim());
  if (header.length === 0) throw new ReplayError('the file is empty');
  const format = !options.format || options.format === 'auto' ? detectFormat(header) : options.format;
  const mapping = options.mapping;

  const columns = specialColumns(header, format, mapping);
  const { time: timeIndex, station: stationIndex, status: statusIndex, officialClass: classIndex } = columns;
  if (timeIndex < 0)
    throw new ReplayError(
      `no time column found; name it with time_column in the mapping (columns: ${header.join(', ')})`,
    );
  const { plans, ignoredColumns } = planColumns(header, format, mapping, [
    timeIndex,
    stationIndex,
    statusIndex,
    classIndex,
  ]);
  if (plans.length === 0) throw new ReplayError('no column of the file is a known parameter');

  const generated = new Map<string, string>();
  const generatedId = (name: string) => {
    let id = generated.get(name);
    if (id === undefined) generated.set(name, (id = `s${String(generated.size + 1).padStart(4, '0')}`));
    return id;
  };
  const stationFor = (name: string | undefined, role: string | undefined): string | undefined => {
    if (mapping.every_station) return role ?? generatedId(name ?? '');
    if (role !== undefined) return mapping.stations[role] ?? (role === 'effluent' ? mapping.station : undefined);
    if (name === undefined) return mapping.station;
    return mapping.stations[name] ?? (Object.keys(mapping.stations).length === 0 ? mapping.station : undefined);
  };
  if (stationIndex < 0 && format !== 'wwtp' && !mapping.station && !mapping.every_station) {
    throw new ReplayError('the file has no station column: give the station id with --map STATION_ID');
  }
  if (stationIndex >= 0 && Object.keys(mapping.stations).length === 0 && mapping.station) {
    // One station id for a file of many stations would merge their readings: refuse instead of guessing.
    const names = new Set(rows.map((r) => r[stationIndex]?.trim()).filter((n) => n !== undefined && n !== ''));
    if (names.size > 1) {
      throw new ReplayError(
        `the file holds ${names.size} stations (${[...names].slice(0, 3).join(', ')} …): map each name to a station id, --map NAME=STATION_ID,…`,
      );
    }
  }
  if (format === 'wwtp' && !plans.some((p) => stationFor(undefined, p.role) !== undefined)) {
    throw new ReplayError('map the plant file to stations: --map effluent=STATION_ID,influent=STATION_ID');
  }

  const ctx = {
    offsetMs: offsetMs(mapping.utc_offset),
    year: mapping.year ? { year: mapping.year, month: 12 } : yearFromFileName(options.fileName),
  };
  const skipped: Record<string, number> = {};
  const skip = (reason: string, n = 1) => (skipped[reason] = (skipped[reason] ?? 0) + n);
  const unmappedStations: Record<string, number> = {};
  const byKey = new Map<string, ReplayMessage>();
  const cellOf = (row: string[], index: number) => (index >= 0 ? row[index]?.trim() || undefined : undefined);

  // Section names repeat across provinces in the national list: `省份/断面名称` in the mapping picks one (and
  // names every station of such a file apart when every station is replayed).
  const provinceIndex = format === 'cnemc' ? header.indexOf('省份') : -1;
  rows.forEach((row, i) => {
    const plainName = stationIndex >= 0 ? row[stationIndex]?.trim() : undefined;
    const qualified =
      provinceIndex >= 0 && plainName !== undefined ? `${row[provinceIndex]?.trim()}/${plainName}` : undefined;
    const stationName =
      qualified !== undefined && (mapping.every_station || qualified in mapping.stations) ? qualified : plainName;
    if (stationIndex >= 0 && stationName !== undefined && stationFor(stationName, undefined) === undefined) {
      unmappedStations[stationName] = (unmappedStations[stationName] ?? 0) + 1;
      skip('unmapped_station');
      return;
    }
    const timeText = row[timeIndex]?.trim() ?? '';
    if (MISSING.has(timeText)) {
      skip('no_time');
      return;
    }
    const ts = parseLocalTime(timeText, ctx);
    if (ts === undefined) {
      skip(ctx.year || !/^\d{1,2}-\d{1,2} /.test(timeText) ? 'bad_time' : 'no_year');
      return;
    }
    const status = cellOf(row, statusIndex);
    const flag = status ? STATUS_FLAGS[status] : undefined;
    const perStation = new Map<string, { values: Record<string, number>; flags: Record<string, DataFlag> }>();
    for (const plan of plans) {
      const stationId = stationFor(stationName, plan.role);
      if (stationId === undefined) continue;
      const value = cellValue(row[plan.index] ?? '', plan);
      if (value === undefined) continue;
      if (value === 'non_numeric') {
        skip('non_numeric_cell');
        continue;
      }
      const entry = perStation.get(stationId) ?? { values: {}, flags: {} };
      entry.values[plan.param.code] = value;
      if (flag) entry.flags[plan.param.code] = flag;
      perStation.set(stationId, entry);
    }
    if (perStation.size === 0) {
      skip('no_values');
      return;
    }
    const officialClass = cellOf(row, classIndex);
    const source: ReplaySource = {
      row: i + 1,
      ...(stationName !== undefined ? { name: stationName } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(officialClass !== undefined ? { officialClass } : {}),
    };
    for (const [stationId, entry] of perStation) {
      const key = `${stationId}\u0000${ts}`;
      // CNEMC scrapes repeat a reading until the next one is published: keep the first copy.
      if (byKey.has(key)) {
        skip('duplicate');
        continue;
      }
      byKey.set(key, {
        stationId,
        ts,
        values: entry.values,
        ...(Object.keys(entry.flags).length > 0 ? { flags: entry.flags } : {}),
        source,
      });
    }
  });
  const messages = [...byKey.values()].sort((a, b) => a.ts - b.ts || a.stationId.localeCompare(b.stationId));
  return { format, messages, skipped, ignoredColumns, unmappedStations };
}
