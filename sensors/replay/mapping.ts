/**
 * How a CSV of real readings maps onto the catalog: which station each row (or column group) belongs to and,
 * where the header alone does not say, which parameter and unit each column is. Given on the command line
 * as `--map NAME=ID,NAME=ID` (or a single station id) or as a JSON/YAML file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const columnTarget = z.union([
  z.null(),
  z.string().min(1),
  z
    .object({
      parameter: z.string().min(1),
      unit: z.string().optional(),
      /** For files holding several stations per row (a plant's influent and effluent): the role of this column. */
      role: z.string().min(1).optional(),
    })
    .strict(),
]);

export const replayMappingSchema = z
  .object({
    /**
     * Station name in the file (CNEMC 断面名称 — or `省份/断面名称` where a name repeats across provinces —,
     * 站点名称, a `station` column) or a role (`effluent`, `influent` for the plant format) → catalog station id.
     * Rows of unmapped stations are skipped.
     */
    stations: z.record(z.string(), z.string().min(1)).default({}),
    /** Every row belongs to this station (files without a station column; the effluent of a plant file). */
    station: z.string().min(1).optional(),
    /**
     * Every station of the file under an id of its own, `s0001`, `s0002` … in order of first appearance (a plant
     * file's roles keep their names: `effluent`, `influent`). For `--check`, which judges a whole national file.
     */
    every_station: z.boolean().default(false),
    /** The column holding an official water-quality class (Roman Ⅰ–劣Ⅴ or 1–6), compared by `--check`. */
    class_column: z.string().min(1).optional(),
    /** Column → parameter (code, HJ 212 code or alias), `{parameter, unit, role}`, or null to ignore it. */
    columns: z.record(z.string(), columnTarget).default({}),
    /** UTC offset of the file's local times. Default +08:00: Chinese monitoring data is in Beijing time. */
    utc_offset: z
      .string()
      .regex(/^[+-]\d{2}:\d{2}$/, { message: 'write the offset as +08:00' })
      .default('+08:00'),
    /** Year of dates written without one (CNEMC 监测时间 `MM-DD HH:MM`); default from the file name. */
    year: z.number().int().min(1970).max(2100).optional(),
    /** Name of the time column, when it is not one of the usual ones. */
    time_column: z.string().min(1).optional(),
    /** Name of the station column, when it is not one of the usual ones. */
    station_column: z.string().min(1).optional(),
  })
  .strict();

export type ReplayMapping = z.infer<typeof replayMappingSchema>;
export type ReplayMappingInput = z.input<typeof replayMappingSchema>;
export type ColumnTarget = z.infer<typeof columnTarget>;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

function validate(input: unknown, where: string): ReplayMapping {
  const result = replayMappingSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${where}: ${i.path.join('.') || '(mapping)'}: ${i.message}`);
    throw new MappingError(problems.join('\n'));
  }
  return result.data;
}

/**
 * `七效港西桥=sec-1,吴淞口=sec-2` or `effluent=wwtp1-effluent,influent=wwtp1-influent`, a single `station-id`, or
 * `*` for every station of the file under an id of its own.
 */
export function parseInlineMapping(text: string): ReplayMapping {
  if (text.trim() === '*') return validate({ every_station: true }, '--map');
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 1 && !parts[0]!.includes('=')) return validate({ station: parts[0] }, '--map');
  const stations: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new MappingError(`--map: "${part}" is not NAME=STATION_ID`);
    stations[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return validate({ stations }, '--map');
}

/** A mapping from the command line: a .json/.yaml/.yml file when it names one, the inline form otherwise. */
export async function loadMapping(option: string | undefined): Promise<ReplayMapping> {
  if (option === undefined) return validate({}, '(no mapping)');
  if (/\.(json|ya?ml)$/i.test(option)) {
    const text = await fs.readFile(option, 'utf8');
    const data: unknown = /\.json$/i.test(option) ? JSON.parse(text) : parseYaml(text);
    return validate(data ?? {}, path.basename(option));
  }
  return parseInlineMapping(option);
}
