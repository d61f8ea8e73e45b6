/**
 * `qingliu simulate --replay FILE --check`: what the ingester does with a file of real readings, without a broker
 * or a store. Each message is encoded exactly as the replay publishes it and decoded by the ingester's own
 * decoder (src/ingest/message-decoder.ts) — the code that decides what is stored and what is dead-lettered, with
 * which reason — and the outcome is set beside the file's own verdicts: its station status (CNEMC 站点情况) and
 * its official class (水质类别), which Qingliu's standards engine recomputes from the accepted readings.
 */
import { countsForCompliance } from '../../src/domain/flags.js';
import { SECTION_CLASSES, type SectionClass } from '../../src/domain/gb3838.js';
import { evaluateSection, type ParameterValues } from '../../src/domain/gb3838-section.js';
import { parameter, type ParameterCode } from '../../src/domain/parameters.js';
import { createMessageDecoder } from '../../src/ingest/message-decoder.js';
import type { RejectionReason } from '../../src/ingest/rejection.js';
import type { StationDirectory } from '../../src/ingest/station-directory.js';
import { dataTopic, toPayload } from '../simulator/message.js';
import type { Zone } from '../simulator/zone.js';
import type { ReplayMessage } from './read-replay.js';

/** How many examples of each kind the report keeps. */
const EXAMPLES = 5;

export interface CheckTally {
  messages: number;
  readings: number;
  /** Stored by the ingester (any flag). */
  accepted: number;
  /** Accepted, but outside the parameter's usual range: sensor health flags them. */
  unusual: number;
  /** Dead-lettered readings, by reason. */
  refused: Partial<Record<RejectionReason, number>>;
}

export interface ClassComparison {
  /** Messages with an official class and at least one valid evaluation item. */
  compared: number;
  /** Qingliu's class (GB 3838 river limits) equals the official one. */
  river: number;
  /** …with river or with lake limits (a file rarely says which applies). */
  riverOrLake: number;
}

export interface ReplayCheck extends CheckTally {
  stations: number;
  /** Stations the catalog does not know: judged as measuring every parameter they report. */
  stationsNotInCatalog: number;
  /** By the file's station status; '' = none given. */
  byStatus: Record<string, CheckTally>;
  unusualByParameter: Partial<Record<ParameterCode, number>>;
  /** Undefined when the file has no official class. */
  classes: ClassComparison | undefined;
  examples: {
    refused: { row: number; name?: string; stationId: string; reason: RejectionReason; detail: string }[];
    unusual: { row: number; name?: string; stationId: string; parameter: ParameterCode; value: number }[];
  };
}

export interface CheckOptions {
  /** As `readReplayCsv` returns them. */
  messages: readonly ReplayMessage[];
  zone: Zone;
  /** When the replay decodes: the receiver's clock (future timestamps are refused against it). */
  now: number;
  /** Added to every timestamp, as the replay would (`--shift-to`). */
  shiftMs?: number;
  /** The catalog, when there is one; stations it lacks measure whatever they report. */
  catalog?: StationDirectory;
  maxPayloadBytes: number;
  maxFutureSkewSeconds: number;
}

const ROMAN: Record<string, SectionClass> = { Ⅰ: 'I', Ⅱ: 'II', Ⅲ: 'III', Ⅳ: 'IV', Ⅴ: 'V', 劣Ⅴ: '劣V' };

/** `Ⅲ` or `3` (2026 CNEMC codes, 6 = 劣Ⅴ) → III; anything else (empty, `-`, `*`, `-1` not evaluated) → undefined. */
export function officialClass(text: string | undefined): SectionClass | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t in ROMAN) return ROMAN[t];
  return /^[1-6]$/.test(t) ? SECTION_CLASSES[Number(t) - 1] : undefined;
}

function emptyTally(): CheckTally {
  return { messages: 0, readings: 0, accepted: 0, unusual: 0, refused: {} };
}

/** The stations of the replay: the catalog's where it has them, otherwise what each station reports. */
function directoryFor(messages: readonly ReplayMessage[], catalog: StationDirectory | undefined) {
  const reported = new Map<string, Set<ParameterCode>>();
  for (const m of messages) {
    let set = reported.get(m.stationId);
    if (!set) reported.set(m.stationId, (set = new Set()));
    for (const code of Object.keys(m.values)) set.add(code as ParameterCode);
  }
  let notInCatalog = 0;
  const stations = new Map<string, { id: string; parameters: readonly ParameterCode[] }>();
  for (const [id, codes] of reported) {
    const known = catalog?.station(id);
    if (!known) notInCatalog += 1;
    stations.set(id, known ?? { id, parameters: [...codes] });
  }
  return { directory: { station: (id: string) => stations.get(id) }, count: stations.size, notInCatalog };
}

export function checkReplay(options: CheckOptions): ReplayCheck {
  const { directory, count, notInCatalog } = directoryFor(options.messages, options.catalog);
  const decoder = createMessageDecoder({
    stations: directory,
    maxPayloadBytes: options.maxPayloadBytes,
    maxFutureSkewSeconds: options.maxFutureSkewSeconds,
  });
  const report: ReplayCheck = {
    ...emptyTally(),
    stations: count,
    stationsNotInCatalog: notInCatalog,
    byStatus: {},
    unusualByParameter: {},
    classes: undefined,
    examples: { refused: [], unusual: [] },
  };
  const shift = options.shiftMs ?? 0;
  for (const m of options.messages) {
    const message = shift === 0 ? m : { ...m, ts: m.ts + shift };
    const decoded = decoder.decode(dataTopic(m.stationId), Buffer.from(toPayload(message, options.zone)), options.now);
    const status = (report.byStatus[m.source.status ?? ''] ??= emptyTally());
    const readings = Object.keys(m.values).length;
    const unusual = decoded.readings.filter((r) => {
      const usual = parameter(r.parameter).usual;
      return usual !== undefined && (r.value < usual.min || r.value > usual.max);
    });
    for (const tally of [report, status]) {
      tally.messages += 1;
      tally.readings += readings;
      tally.accepted += decoded.readings.length;
      tally.unusual += unusual.length;
    }
    for (const r of unusual) {
      report.unusualByParameter[r.parameter] = (report.unusualByParameter[r.parameter] ?? 0) + 1;
      if (report.examples.unusual.length < EXAMPLES)
        report.examples.unusual.push({ ...where(m), parameter: r.parameter, value: r.value });
    }
    if (decoded.deadLetters.length > 0) {
      // A dead letter groups a message's refused items by reason; decoding each reading alone counts them exactly.
      for (const code of Object.keys(m.values)) {
        const flag = message.flags?.[code];
        const one = {
          stationId: m.stationId,
          ts: message.ts,
          values: { [code]: m.values[code]! },
          ...(flag ? { flags: { [code]: flag } } : {}),
        };
        for (const letter of decoder.decode(
          dataTopic(m.stationId),
          Buffer.from(toPayload(one, options.zone)),
          options.now,
        ).deadLetters)
          for (const tally of [report.refused, status.refused]) addOne(tally, letter.reason as RejectionReason);
      }
      for (const letter of decoded.deadLetters)
        if (report.examples.refused.length < EXAMPLES)
          report.examples.refused.push({
            ...where(m),
            reason: letter.reason as RejectionReason,
            detail: letter.detail,
          });
    }
    compareClass(report, m, decoded.readings);
  }
  return report;
}

function where(m: ReplayMessage): { row: number; name?: string; stationId: string } {
  return { row: m.source.row, ...(m.source.name !== undefined ? { name: m.source.name } : {}), stationId: m.stationId };
}

function compareClass(
  report: ReplayCheck,
  m: ReplayMessage,
  readings: readonly { parameter: ParameterCode; value: number; flag: string }[],
): void {
  if (m.source.officialClass === undefined) return;
  report.classes ??= { compared: 0, river: 0, riverOrLake: 0 };
  const official = officialClass(m.source.officialClass);
  if (official === undefined) return;
  const values: ParameterValues = {};
  for (const r of readings) if (countsForCompliance(r.flag as 'N')) values[r.parameter] = r.value;
  const river = evaluateSection({ values, waterbody: 'river' }).class;
  if (river === null) return;
  const lake = evaluateSection({ values, waterbody: 'lake' }).class;
  report.classes.compared += 1;
  if (river === official) report.classes.river += 1;
  if (river === official || lake === official) report.classes.riverOrLake += 1;
}

function addOne(tally: Partial<Record<RejectionReason, number>>, reason: RejectionReason): void {
  tally[reason] = (tally[reason] ?? 0) + 1;
}
