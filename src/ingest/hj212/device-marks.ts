/**
 * What a logger's own records say about its readings (issue 13 §5, docs/adr/0017-device-health-marks.md): a failed
 * 2062 standard-sample check makes a pollutant's readings suspect, and an instrument reported in maintenance,
 * calibration, fault or stopped (2021/3020 `SB…-RS`, `i12001-Info`) produced readings that must not count. Both
 * become **device marks**: marks in effect, like a person's data marks (ADR 0014), so every reader — compliance,
 * alert rules, re-judgment, reports — sees the readings with the effective flag. Pure: no I/O.
 */
import type { EffectiveMark, MarkFlag } from '../../domain/data-marks.js';
import { parameterOfHj212Code, type ParameterCode } from '../../domain/parameters.js';
import type { Zone } from '../../domain/time-window.js';
import { parseHj212Time } from './data-time.js';
import type { DeviceRecord } from './device-state.js';

const HOUR = 3_600_000;

export interface DeviceMarkLimits {
  /**
   * How far before a failed check its readings are suspect when no passed check of the pollutant is known closer
   * to it: a day, the period of the daily checks of water stations.
   */
  checkLookbackMs: number;
  /** How long after a failed check its readings stay suspect when no passed check follows. */
  checkHoldMs: number;
  /** How long a reported status holds when the logger reports nothing newer for that instrument. */
  statusHoldMs: number;
}

export const DEVICE_MARK_LIMITS: DeviceMarkLimits = {
  checkLookbackMs: 24 * HOUR,
  checkHoldMs: 7 * 24 * HOUR,
  statusHoldMs: 24 * HOUR,
};

/** A record's DataTime may run ahead of its arrival by clock skew; beyond this it is not believed. */
const MAX_SKEW_MS = 10 * 60_000;

/** One pollutant's result in a 2062 standard-sample check. */
export interface StandardCheck {
  stationId: string;
  /** When the check was made: its DataTime, else when it arrived. */
  at: number;
  /** The HJ 212 code checked and Qingliu's parameter for it (undefined for a code not in the registry). */
  code: string;
  parameter: ParameterCode | undefined;
  passed: boolean;
  /** `-SampleRd`: what the instrument measured on the standard sample; `-StandardValue`: the sample's value. */
  measured: number | undefined;
  standard: number | undefined;
}

/**
 * The checks of 2062 records, per pollutant. HJ 212-2025 (hj212-2025.md §2 row 12): `-SampleRd`, `-StandardValue`,
 * `-ResultType` 1 pass / 0 fail. The logger's ResultType is the verdict: whether the measured value is within the
 * allowed error of the standard value is the instrument's judgment, against the error its method allows (HJ 915 /
 * HJ 355, not in our reference); a pollutant without a ResultType is not judged here.
 */
export function standardChecks(record: DeviceRecord, zone: Zone): StandardCheck[] {
  if (record.cn !== '2062') return [];
  const at = recordTime(record, zone);
  const checks: StandardCheck[] = [];
  for (const [code, e] of checkResults(record.fields)) {
    if (e.result !== '0' && e.result !== '1') continue;
    checks.push({
      stationId: record.stationId,
      at,
      code,
      parameter: parameterOfHj212Code(code)?.code,
      passed: e.result === '1',
      measured: numberOf(e.measured),
      standard: numberOf(e.standard),
    });
  }
  return checks;
}

/** A 2062 record's fields per pollutant code: `-ResultType`, `-SampleRd`, `-StandardValue` as sent. */
export function checkResults(
  fields: Readonly<Record<string, string>>,
): Map<string, { result?: string; measured?: string; standard?: string }> {
  const byCode = new Map<string, { result?: string; measured?: string; standard?: string }>();
  for (const [key, value] of Object.entries(fields)) {
    // `w21003-ResultType`, or after `PolId=w21003`: `w21003/ResultType` (interpret.ts statusFields).
    const m = /^(?:([A-Za-z0-9]+)\/)?(?:([A-Za-z0-9]+)-)?(ResultType|SampleRd|StandardValue)$/i.exec(key);
    const code = m?.[2] ?? m?.[1];
    const field = m?.[3]?.toLowerCase();
    if (!code || !field) continue;
    const entry = byCode.get(code) ?? {};
    if (field === 'resulttype') entry.result = value.trim();
    else if (field === 'samplerd') entry.measured = value;
    else entry.standard = value;
    byCode.set(code, entry);
  }
  return byCode;
}

/**
 * `SBxxx-RS` (HJ 212-2017 §6.3.3, standards.md §4.1): 0 off, 1 run, 2 calibrate, 3 maintain, 4 alarm, 5 back-blow.
 * Back-blow (反吹) cleans the probe: its readings are not the water's, taken as maintenance.
 */
const RS_FLAG: Readonly<Record<string, MarkFlag | null>> = {
  '0': 'F',
  '1': null,
  '2': 'C',
  '3': 'M',
  '4': 'D',
  '5': 'M',
};

/**
 * `i12001-Info` (instrument working state) after a `PolId=`: 0 run, 1 maintain, 2 fault, 3 calibrate, 5 back-blow,
 * 6 standardise (标定). Not in our reference: one public implementation reads it so (a Lua HJ 212 worker), and the
 * national station's capture (hj212-2025.md §5) sends 0 for instruments at work, which fits it and not the RS
 * codes (where 0 is "off"). ADR 0017 records it as an interpretation to confirm against HJ 212-2025's tables.
 */
const INFO_FLAG: Readonly<Record<string, MarkFlag | null>> = {
  '0': null,
  '1': 'M',
  '2': 'D',
  '3': 'C',
  '5': 'M',
  '6': 'C',
};

interface StatusItem {
  /** The instrument: `SB1`, or `w21003/i12001` after a PolId. */
  key: string;
  parameters: readonly ParameterCode[] | 'all';
  flag: MarkFlag | null;
}

/** Status items of a 2021/3020 record: each instrument's state, and which parameters its readings are. */
export function statusItems(record: DeviceRecord): StatusItem[] {
  if (record.kind !== 'status') return [];
  const items: StatusItem[] = [];
  for (const [key, raw] of Object.entries(record.fields)) {
    const m = /^(?:([A-Za-z0-9]+)\/)?(SB[A-Za-z0-9]*-RS|i12001-Info)$/.exec(key);
    if (!m) continue;
    const [, polId, item] = m;
    const table = item === 'i12001-Info' ? INFO_FLAG : RS_FLAG;
    const value = raw.trim();
    if (!(value in table)) continue;
    let parameters: readonly ParameterCode[] | 'all' = 'all';
    if (polId !== undefined) {
      const parameter = parameterOfHj212Code(polId)?.code;
      if (!parameter) continue; // an instrument of a pollutant Qingliu does not store: no reading to mark
      parameters = [parameter];
    }
    items.push({ key: `${polId ?? ''}/${item!.replace(/-.*$/, '')}`, parameters, flag: table[value]! });
  }
  return items;
}

/**
 * The device marks of one or more stations' records (oldest first): every reading that a record says is suspect or
 * not the water's, as marks in effect (negative ids: they are not rows of the mark store; the later record wins
 * over an earlier mark like a later approval does, ADR 0014).
 *
 * - A failed check of a pollutant marks its readings `D` (fault) from the last passed check of that pollutant
 *   (at most `checkLookbackMs` before) until the next passed check (at most `checkHoldMs` after).
 * - A status in maintenance / calibration / fault / stopped marks `M` / `C` / `D` / `F` from its time until the
 *   next status of the same instrument (at most `statusHoldMs` after). Without a PolId it covers every parameter:
 *   the standard does not say which readings an `SB` instrument produces, and a false alarm costs more than an
 *   unjudged hour.
 */
export function deviceMarks(
  records: readonly DeviceRecord[],
  zone: Zone,
  limits: DeviceMarkLimits = DEVICE_MARK_LIMITS,
): EffectiveMark[] {
  const marks: EffectiveMark[] = [];
  const add = (m: Omit<EffectiveMark, 'id'>) => {
    if (m.to > m.from) marks.push({ ...m, id: -(marks.length + 1) });
  };

  const checks = new Map<string, { check: StandardCheck; effectiveAt: number }[]>();
  const statuses = new Map<string, { at: number; effectiveAt: number; item: StatusItem }[]>();
  for (const record of records) {
    for (const check of standardChecks(record, zone)) {
      if (!check.parameter) continue;
      const key = `${check.stationId}\u0000${check.parameter}`;
      checks.set(key, [...(checks.get(key) ?? []), { check, effectiveAt: record.at }]);
    }
    const at = recordTime(record, zone);
    for (const item of statusItems(record)) {
      const key = `${record.stationId}\u0000${item.key}`;
      statuses.set(key, [...(statuses.get(key) ?? []), { at, effectiveAt: record.at, item }]);
    }
  }

  for (const list of checks.values()) {
    list.sort((a, b) => a.check.at - b.check.at);
    let lastPass: number | undefined;
    for (let i = 0; i < list.length; i++) {
      const { check, effectiveAt } = list[i]!;
      if (check.passed) {
        lastPass = check.at;
        continue;
      }
      const nextPass = list.slice(i + 1).find((c) => c.check.passed)?.check.at;
      add({
        stationId: check.stationId,
        parameters: [check.parameter!],
        from: Math.max(lastPass ?? -Infinity, check.at - limits.checkLookbackMs),
        to: Math.min(nextPass ?? Infinity, check.at + limits.checkHoldMs),
        flag: 'D',
        reason: checkReason(check),
        effectiveAt,
      });
    }
  }

  for (const [key, list] of statuses) {
    list.sort((a, b) => a.at - b.at);
    const stationId = key.slice(0, key.indexOf('\u0000'));
    for (let i = 0; i < list.length; i++) {
      const { at, effectiveAt, item } = list[i]!;
      if (!item.flag) continue;
      const next = list[i + 1]?.at ?? Infinity;
      add({
        stationId,
        parameters: item.parameters,
        from: at,
        to: Math.min(next, at + limits.statusHoldMs),
        flag: item.flag,
        reason: `equipment status ${item.key.replace(/^\//, '')} (HJ 212 ${item.flag})`,
        effectiveAt,
      });
    }
  }
  return marks;
}

/** The range of records whose marks can touch [from, to): what a reader fetches for a query of that range. */
export function recordsRangeFor(
  from: number,
  to: number,
  limits: DeviceMarkLimits = DEVICE_MARK_LIMITS,
): { from: number; to: number } {
  const back = Math.max(limits.checkHoldMs + limits.checkLookbackMs, 2 * limits.statusHoldMs);
  return { from: from - back, to: to + limits.checkLookbackMs + limits.checkHoldMs };
}

/**
 * The past a new record changes the effective flags of — readings that may have been judged before it came, so
 * their windows are judged again (ADR 0013): a failed check reaches back `checkLookbackMs`; a status, or a check
 * that passed (it ends a failure's span), from its DataTime up to its arrival. Undefined when nothing is changed.
 */
export function touchedByRecord(
  record: DeviceRecord,
  zone: Zone,
  limits: DeviceMarkLimits = DEVICE_MARK_LIMITS,
): { from: number; to: number } | undefined {
  const t = recordTime(record, zone);
  const checks = standardChecks(record, zone).filter((c) => c.parameter);
  const failed = checks.some((c) => !c.passed);
  if (checks.length === 0 && statusItems(record).length === 0) return undefined;
  const from = failed ? t - limits.checkLookbackMs : t;
  const to = Math.max(record.at, t);
  return to > from ? { from, to } : undefined;
}

function checkReason(check: StandardCheck): string {
  const values =
    check.measured !== undefined && check.standard !== undefined
      ? `: measured ${check.measured}, standard ${check.standard}`
      : '';
  return `standard-sample check (2062) of ${check.code} failed${values}`;
}

/** A record's DataTime when it is a valid time not ahead of its arrival, else its arrival. */
function recordTime(record: DeviceRecord, zone: Zone): number {
  const text = record.fields.DataTime;
  const t = text === undefined ? undefined : parseHj212Time(text.trim(), zone);
  return t !== undefined && t <= record.at + MAX_SKEW_MS ? t : record.at;
}

function numberOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
