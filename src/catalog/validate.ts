/**
 * Validates a parsed catalog document: the schema (every issue zod finds), then what a schema cannot see —
 * unique ids, references that resolve, no cycles, positions within a river's length. The cross-reference checks
 * read the document as written, field by field, so an entry that fails the schema still has its references
 * checked: one run reports every error.
 */
import type { z } from 'zod';
import { BUILTIN_DISCHARGE_STANDARDS } from '../domain/discharge-standard-definition.js';
import { formatDuration } from '../domain/duration.js';
import { resolveParameter } from '../domain/parameters.js';
import {
  catalogFileSchema,
  isBuiltinDischargeStandard,
  JURISDICTION_LEVELS,
  type CatalogDischargeStandard,
  type CatalogFile,
  type PlantData as Plant,
  type StationData as Station,
  type UnitData as Unit,
} from './schema.js';

export type ProblemPath = readonly (string | number)[];

export interface CatalogProblem {
  path: ProblemPath;
  message: string;
}

export interface ValidationResult {
  /** Present only when there are no problems. */
  data?: CatalogFile;
  problems: CatalogProblem[];
  /** Not errors, but probably not what the author wants (e.g. alerts that would reach nobody). */
  warnings: CatalogProblem[];
}

interface Entry<T> {
  index: number;
  value: T;
}

/** The parsed entries, for warnings (computed only for a valid catalog). */
interface Parts {
  units: Entry<Unit>[];
  plants: Entry<Plant>[];
  stations: Entry<Station>[];
  standards: Map<string, CatalogDischargeStandard>;
}

type Raw = Record<string, unknown>;

/**
 * The document's entries as written, for the cross-reference checks. They read fields defensively (a field
 * that failed the schema is simply skipped), so an entry with a typo still has its references checked.
 */
interface RawParts {
  units: Entry<Raw>[];
  rivers: Entry<Raw>[];
  plants: Entry<Raw>[];
  stations: Entry<Raw>[];
  standardIds: string[];
  unitById: Map<string, Entry<Raw>>;
  riverById: Map<string, Entry<Raw>>;
  plantById: Map<string, Entry<Raw>>;
}

const LISTS = ['units', 'rivers', 'plants', 'stations'] as const;

export function validateCatalog(raw: unknown): ValidationResult {
  const problems: CatalogProblem[] = [];
  const warnings: CatalogProblem[] = [];
  if (raw === null || raw === undefined) {
    return { problems: [{ path: [], message: 'the file is empty: a catalog starts with "version: 1"' }], warnings };
  }
  const parsed = catalogFileSchema.safeParse(withoutExtensions(raw));
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(issueToProblems));

  const doc = rawParts(raw);
  checkDuplicates(doc, problems);
  checkUnits(doc, problems);
  checkRivers(doc, problems);
  checkStandards(doc, problems);
  checkPlants(doc, problems);
  checkStations(doc, problems);
  checkLoggers(doc, problems);
  if (problems.length > 0 || !parsed.success) return { problems, warnings };

  collectWarnings(partsOf(parsed.data), warnings);
  return { data: parsed.data, problems, warnings };
}

/** Top-level keys starting with `x-` are ignored, as in docker-compose: a place to define YAML anchors. */
function withoutExtensions(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
}

function issueToProblems(issue: z.core.$ZodIssue): CatalogProblem[] {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"` }));
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return [{ path, message: 'missing (required)' }];
  }
  if (issue.code === 'invalid_key') {
    return [{ path, message: `invalid key: ${issue.issues.map((i) => i.message).join('; ')}` }];
  }
  return [{ path, message: issue.message }];
}

function partsOf(data: CatalogFile): Parts {
  const entries = <T>(list: T[]) => list.map((value, index) => ({ index, value }));
  return {
    units: entries(data.units),
    plants: entries(data.plants),
    stations: entries(data.stations),
    standards: new Map(Object.entries(data.discharge_standards)),
  };
}

function rawParts(raw: unknown): RawParts {
  const doc = isRecord(raw) ? raw : {};
  const list = (key: string): Entry<Raw>[] =>
    (Array.isArray(doc[key]) ? (doc[key] as unknown[]) : []).flatMap((value, index) =>
      isRecord(value) ? [{ index, value }] : [],
    );
  const units = list('units');
  const rivers = list('rivers');
  const plants = list('plants');
  return {
    units,
    rivers,
    plants,
    stations: list('stations'),
    standardIds: isRecord(doc.discharge_standards) ? Object.keys(doc.discharge_standards) : [],
    unitById: byId(units),
    riverById: byId(rivers),
    plantById: byId(plants),
  };
}

const str = (entry: Raw, key: string): string | undefined =>
  typeof entry[key] === 'string' ? (entry[key] as string) : undefined;
const num = (entry: Raw, key: string): number | undefined =>
  typeof entry[key] === 'number' && Number.isFinite(entry[key]) ? (entry[key] as number) : undefined;

function idsOf(entries: Map<string, Entry<Raw>>): Set<string> {
  return new Set(entries.keys());
}

function byId(entries: Entry<Raw>[]): Map<string, Entry<Raw>> {
  const map = new Map<string, Entry<Raw>>();
  for (const entry of entries) {
    const id = str(entry.value, 'id');
    if (id !== undefined && !map.has(id)) map.set(id, entry);
  }
  return map;
}

function checkDuplicates(doc: RawParts, problems: CatalogProblem[]): void {
  for (const list of LISTS) {
    const first = new Map<string, number>();
    for (const { index, value } of doc[list]) {
      const id = str(value, 'id');
      if (id === undefined) continue;
      const earlier = first.get(id);
      if (earlier === undefined) first.set(id, index);
      else problems.push({ path: [list, index, 'id'], message: `duplicate id "${id}" (also ${list}[${earlier}])` });
    }
  }
}

/** "unknown river "x" (known: a, b, c)": the list helps spot a typo. */
function unknownRef(kind: string, id: string, known: Set<string>): string {
  const list = [...known];
  const shown =
    list.length === 0 ? 'none are defined' : `known: ${list.slice(0, 12).join(', ')}${list.length > 12 ? ', …' : ''}`;
  return `unknown ${kind} "${id}" (${shown})`;
}

function checkUnits(doc: RawParts, problems: CatalogProblem[]): void {
  const known = idsOf(doc.unitById);
  for (const { index, value: unit } of doc.units) {
    const parent = str(unit, 'parent');
    if (parent === undefined) continue;
    if (parent === str(unit, 'id'))
      problems.push({ path: ['units', index, 'parent'], message: 'a unit cannot be its own parent' });
    else if (!known.has(parent))
      problems.push({ path: ['units', index, 'parent'], message: unknownRef('unit', parent, known) });
  }
  reportCycles(doc.unitById, 'parent', 'units', 'the parent chain loops', problems);
}

function checkRivers(doc: RawParts, problems: CatalogProblem[]): void {
  const known = idsOf(doc.riverById);
  const rivers = doc.riverById;
  for (const { index, value: river } of doc.rivers) {
    const main = str(river, 'tributary_of');
    if (main === undefined) continue;
    if (main === str(river, 'id')) {
      problems.push({ path: ['rivers', index, 'tributary_of'], message: 'a river cannot be a tributary of itself' });
      continue;
    }
    if (!known.has(main)) {
      problems.push({ path: ['rivers', index, 'tributary_of'], message: unknownRef('river', main, known) });
      continue;
    }
    const joins = num(river, 'joins_at_km');
    const length = num(rivers.get(main)!.value, 'length_km');
    if (joins !== undefined && length !== undefined && length > 0 && joins > length) {
      problems.push({
        path: ['rivers', index, 'joins_at_km'],
        message: `${joins} km is beyond the end of ${main} (${length} km long)`,
      });
    }
  }
  reportCycles(rivers, 'tributary_of', 'rivers', 'the tributary chain loops', problems);
}

/** Reports each cycle once, at its first member in file order. */
function reportCycles(
  entries: Map<string, Entry<Raw>>,
  field: string,
  list: string,
  what: string,
  problems: CatalogProblem[],
): void {
  const reported = new Set<string>();
  for (const start of entries.values()) {
    const path: string[] = [];
    let current: string | undefined = str(start.value, 'id');
    while (current !== undefined && entries.has(current) && !path.includes(current)) {
      path.push(current);
      const following = str(entries.get(current)!.value, field);
      // A self-reference is reported on its own; do not report it again as a loop.
      current = following === current ? undefined : following;
    }
    if (current === undefined || !path.includes(current)) continue;
    const cycle = path.slice(path.indexOf(current));
    const key = [...cycle].sort().join('|');
    if (reported.has(key)) continue;
    reported.add(key);
    const first = cycle.map((id) => ({ id, index: entries.get(id)!.index })).sort((a, b) => a.index - b.index)[0]!;
    const from = cycle.indexOf(first.id);
    const ordered = [...cycle.slice(from), ...cycle.slice(0, from), first.id];
    problems.push({ path: [list, first.index, field], message: `${what}: ${ordered.join(' → ')}` });
  }
}

function checkStandards(doc: RawParts, problems: CatalogProblem[]): void {
  for (const id of doc.standardIds) {
    if (isBuiltinDischargeStandard(id)) {
      problems.push({
        path: ['discharge_standards', id],
        message: `"${id}" is a built-in standard; give the custom one another id`,
      });
    }
  }
}

function checkRiverPosition(entry: Raw, path: ProblemPath, doc: RawParts, problems: CatalogProblem[]): void {
  const riverId = str(entry, 'river');
  if (riverId === undefined) return;
  const river = doc.riverById.get(riverId);
  if (!river) {
    problems.push({ path: [...path, 'river'], message: unknownRef('river', riverId, idsOf(doc.riverById)) });
    return;
  }
  const km = num(entry, 'river_km');
  const length = num(river.value, 'length_km');
  if (km !== undefined && length !== undefined && length > 0 && km > length) {
    problems.push({
      path: [...path, 'river_km'],
      message: `${km} km is beyond the end of ${riverId} (${length} km long)`,
    });
  }
}

function checkUnitRef(
  entry: Raw,
  field: string,
  path: ProblemPath,
  doc: RawParts,
  problems: CatalogProblem[],
): Raw | undefined {
  const id = str(entry, field);
  if (id === undefined) return undefined;
  const unit = doc.unitById.get(id);
  if (!unit) problems.push({ path: [...path, field], message: unknownRef('unit', id, idsOf(doc.unitById)) });
  return unit?.value;
}

function checkPlants(doc: RawParts, problems: CatalogProblem[]): void {
  const custom = new Set(doc.standardIds);
  for (const { index, value: plant } of doc.plants) {
    const path = ['plants', index] as const;
    const std = str(plant, 'discharge_standard');
    if (std !== undefined && !isBuiltinDischargeStandard(std) && !custom.has(std)) {
      problems.push({
        path: [...path, 'discharge_standard'],
        message: `unknown discharge standard "${std}" (built in: ${BUILTIN_DISCHARGE_STANDARDS.join(', ')}${custom.size ? `; custom: ${[...custom].join(', ')}` : ''})`,
      });
    }
    checkUnitRef(plant, 'operator_unit', path, doc, problems);
    checkRiverPosition(plant, path, doc, problems);
  }
}

function checkStations(doc: RawParts, problems: CatalogProblem[]): void {
  const plants = doc.plantById;
  const plantIds = idsOf(doc.plantById);
  for (const { index, value: station } of doc.stations) {
    const path = ['stations', index] as const;
    const kind = str(station, 'kind');
    checkRiverPosition(station, path, doc, problems);

    const plantId = str(station, 'plant');
    const plant = plantId === undefined ? undefined : plants.get(plantId)?.value;
    if (plantId !== undefined && !plant)
      problems.push({ path: [...path, 'plant'], message: unknownRef('plant', plantId, plantIds) });
    const plantType = plant ? str(plant, 'type') : undefined;
    if (plantType !== undefined && kind === 'industrial_outfall' && plantType !== 'industrial') {
      problems.push({
        path: [...path, 'plant'],
        message: `an industrial_outfall belongs to an industrial plant; ${plantId} is a ${plantType}`,
      });
    }
    if (plantType !== undefined && (kind === 'plant_effluent' || kind === 'plant_influent') && plantType !== 'wwtp') {
      problems.push({
        path: [...path, 'plant'],
        message: `a ${kind} station belongs to a wwtp; ${plantId} is ${plantType} (use kind industrial_outfall)`,
      });
    }

    const jurisdiction = checkUnitRef(station, 'jurisdiction', path, doc, problems);
    const level = jurisdiction ? str(jurisdiction, 'level') : undefined;
    if (level !== undefined && !(JURISDICTION_LEVELS as readonly string[]).includes(level)) {
      problems.push({
        path: [...path, 'jurisdiction'],
        message: `the jurisdiction (属地) must be a ${JURISDICTION_LEVELS.join('/')} unit; ${str(station, 'jurisdiction')} is ${level}`,
      });
    }
    checkUnitRef(station, 'maintainer', path, doc, problems);

    const measured = new Set(
      (Array.isArray(station.parameters) ? station.parameters : []).flatMap((p) =>
        typeof p === 'string' ? [resolveParameter(p)?.code] : [],
      ),
    );
    const thresholds = isRecord(station.alerts) && isRecord(station.alerts.thresholds) ? station.alerts.thresholds : {};
    for (const name of Object.keys(thresholds)) {
      const code = resolveParameter(name)?.code;
      if (code !== undefined && !measured.has(code)) {
        problems.push({
          path: [...path, 'alerts', 'thresholds', name],
          message: `${code} is not among this station's parameters, so the threshold could never apply`,
        });
      }
    }
  }
}

/** How often a logger's record stream has a value (HJ 212-2017: 2011 real-time has no fixed period). */
const RECORD_PERIOD_MS = { realtime: 0, minute: 60_000, hourly: 3_600_000, daily: 86_400_000 } as const;

/** An HJ 212 MN names one logger: two stations with the same MN would receive each other's data. */
function checkLoggers(doc: RawParts, problems: CatalogProblem[]): void {
  const first = new Map<string, { index: number; id: string | undefined }>();
  for (const { index, value: station } of doc.stations) {
    const mn = isRecord(station.hj212) ? str(station.hj212, 'mn') : undefined;
    if (mn === undefined) continue;
    const earlier = first.get(mn);
    if (earlier === undefined) {
      first.set(mn, { index, id: str(station, 'id') });
      continue;
    }
    problems.push({
      path: ['stations', index, 'hj212', 'mn'],
      message: `MN "${mn}" is already the logger of ${earlier.id ?? `stations[${earlier.index}]`} (stations[${earlier.index}]): one MN, one logger`,
    });
  }
}

function chainOf(unitId: string, units: Map<string, Unit>): Unit[] {
  const chain: Unit[] = [];
  let current = units.get(unitId);
  while (current && !chain.includes(current)) {
    chain.push(current);
    current = current.parent === undefined ? undefined : units.get(current.parent);
  }
  return chain;
}

function collectWarnings(parts: Parts, warnings: CatalogProblem[]): void {
  const units = new Map(parts.units.map((e) => [e.value.id, e.value]));
  const used = new Set<string>();
  for (const { index, value: station } of parts.stations) {
    for (const field of ['jurisdiction', 'maintainer'] as const) {
      const chain = chainOf(station[field], units);
      chain.forEach((u) => used.add(u.id));
      if (!chain.some((u) => u.channels.length > 0)) {
        warnings.push({
          path: ['stations', index, field],
          message: `no unit in the chain ${chain.map((u) => u.id).join(' → ')} has a notification channel: ${field === 'jurisdiction' ? 'pollution' : 'offline and maintenance'} alerts for ${station.id} would reach nobody`,
        });
      }
    }
  }
  for (const { index, value: station } of parts.stations) {
    const period = station.hj212 ? RECORD_PERIOD_MS[station.hj212.record] : 0;
    if (station.interval < period) {
      warnings.push({
        path: ['stations', index, 'interval'],
        message: `the record stream is ${station.hj212!.record} data, one value per ${formatDuration(period)}, but the interval is ${formatDuration(station.interval)}: compliance windows would expect readings that never come (docs/adr/0012-logger-aggregates.md)`,
      });
    }
    if (station.hj212?.protocol === 'hj212-2025' && station.hj212.sm4_key_env === undefined) {
      warnings.push({
        path: ['stations', index, 'hj212'],
        message: `no sm4_key_env: encrypted packets from ${station.id}'s logger (HJ 212-2025 encrypts data sent over the Internet) would be dead-lettered`,
      });
    }
  }
  const usedStandards = new Set<string>();
  const measured = new Set(parts.stations.filter((e) => e.value.kind !== 'plant_influent').map((e) => e.value.plant));
  for (const { index, value: plant } of parts.plants) {
    chainOf(plant.operator_unit, units).forEach((u) => used.add(u.id));
    usedStandards.add(plant.discharge_standard);
    if (!measured.has(plant.id)) {
      warnings.push({
        path: ['plants', index],
        message: `no plant_effluent or industrial_outfall station measures ${plant.id}`,
      });
    }
  }
  for (const { index, value: unit } of parts.units) {
    if (!used.has(unit.id))
      warnings.push({ path: ['units', index], message: `unit ${unit.id} is not responsible for any station or plant` });
  }
  for (const id of parts.standards.keys()) {
    if (!usedStandards.has(id))
      warnings.push({ path: ['discharge_standards', id], message: `no plant uses the discharge standard ${id}` });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
