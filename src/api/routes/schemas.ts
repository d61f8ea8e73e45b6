/**
 * Response schemas shared by the data routes. They document the JSON in /openapi.json; the presenters
 * (present.ts) build objects of these shapes. Times are ISO 8601 with the offset of the request's `tz`.
 */
import { z } from '@hono/zod-openapi';
import { DATA_FLAGS } from '../../domain/flags.js';
import { BLACK_ODOROUS_GRADES } from '../../domain/black-odorous.js';
import { SECTION_CLASSES, WATER_CLASSES } from '../../domain/gb3838.js';
import { STATION_KINDS } from '../../catalog/index.js';
import { FRESHNESS } from '../../services/freshness.js';
import { WINDOW_STATUSES } from '../../services/judge-window.js';

export const Time = z
  .string()
  .openapi({ example: '2024-05-01T00:00:00+08:00', description: 'ISO 8601 with the offset of `tz`' });
export const LocalizedName = z.object({ zh: z.string(), en: z.string() }).openapi('LocalizedName');

export const StationRef = z
  .object({
    id: z.string().openapi({ example: 'longdukou' }),
    name: LocalizedName,
    kind: z.enum(STATION_KINDS),
  })
  .openapi('StationRef');

export const StationInfo = StationRef.extend({
  location: z.object({ lat: z.number(), lon: z.number() }),
  river: z.string().nullable(),
  river_km: z.number().nullable(),
  section: z
    .object({
      role: z.string().openapi({ example: 'outbound' }),
      level: z.string().openapi({ example: 'national' }),
      target_class: z.enum(WATER_CLASSES).nullable(),
      waterbody: z.enum(['river', 'lake']),
    })
    .nullable(),
  plant: z.string().nullable(),
  jurisdiction: z.string(),
  maintainer: z.string(),
  parameters: z.array(z.string()),
  interval: z.string().openapi({ example: '4h', description: 'Reporting interval' }),
  public: z.boolean(),
}).openapi('StationInfo');

export const Standard = z
  .object({
    kind: z.enum(['gb3838', 'discharge', 'black-odorous', 'none']),
    name: LocalizedName.nullable(),
    waterbody: z.enum(['river', 'lake']).optional(),
    target_class: z.enum(WATER_CLASSES).nullable().optional(),
    id: z.string().optional().openapi({ description: 'Discharge standard id (gb18918-1a … or a custom id)' }),
    plant: z.string().optional(),
    plant_built: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Plant construction date (GB 18918 TP rule)' }),
    depth_cm: z.number().nullable().optional(),
  })
  .openapi('Standard', {
    description:
      'The standard that judges the station: GB 3838-2002, a discharge standard, the black-odorous guideline, or none',
  });

export const ItemVerdict = z
  .object({
    mean: z.number().nullable().openapi({ description: 'Mean of valid readings (flags N, T)' }),
    count: z.number().int().openapi({ description: 'Valid readings' }),
    excluded: z.number().int().openapi({ description: 'Readings excluded by flag (M, C, D, F, S, B)' }),
    sufficient: z.boolean().openapi({ description: 'Enough valid readings to be judged' }),
    class: z.enum(SECTION_CLASSES).nullable().optional(),
    exceedance: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: 'GB 3838: multiple over class III; discharge: over the limit' }),
    exceedance_target: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: 'GB 3838: multiple over the target class limit' }),
    reference: z.boolean().optional(),
    limit: z
      .union([z.number(), z.object({ min: z.number().optional(), max: z.number().optional() })])
      .nullable()
      .optional(),
    compliant: z.boolean().nullable().optional(),
    level: z.enum(BLACK_ODOROUS_GRADES).optional(),
  })
  .openapi('ItemVerdict');

export const Verdict = z
  .object({
    status: z
      .enum(WINDOW_STATUSES)
      .openapi({ description: 'insufficient_data: too few valid readings — neither compliant nor not' }),
    compliant: z.boolean().nullable(),
    class: z.enum(SECTION_CLASSES).nullable().optional(),
    grade: z.string().nullable().optional().openapi({ example: '良好' }),
    grade_en: z.string().nullable().optional().openapi({ example: 'good' }),
    primary_pollutants: z.array(z.string()).optional(),
    black_odorous: z.enum(BLACK_ODOROUS_GRADES).nullable().optional(),
    lacking: z.array(z.string()).openapi({ description: 'Deciding items with too few valid readings' }),
    notes: z.array(z.string()).optional(),
    items: z.record(z.string(), ItemVerdict),
  })
  .openapi('Verdict');

export const Freshness = z
  .object({
    status: z.enum([...FRESHNESS, 'unknown']),
    last_reading_at: Time.nullable(),
    age_minutes: z.number().nullable(),
  })
  .openapi('Freshness', {
    description:
      'online: on time; late: a reading overdue; offline: none for alerts.offline_after (default 3 × interval); unknown: readings not consulted (latest=false)',
  });

export const LatestReading = z
  .object({ time: Time, value: z.number(), flag: z.enum(DATA_FLAGS) })
  .openapi('LatestReading');

export const StationSummary = StationInfo.extend({
  river_name: LocalizedName.nullable().openapi({ description: "The river's name (catalog `rivers`)" }),
  freshness: Freshness,
  latest: z.record(z.string(), LatestReading),
  current: Verdict.extend({ evaluated_at: Time.nullable() })
    .nullable()
    .openapi({
      description: 'The latest valid reading of each item judged by the standard; null for stations without one',
    }),
}).openapi('StationSummary');

export const LimitBand = z
  .object({
    kind: z.enum(['gb3838', 'discharge', 'black-odorous']),
    rule: z.enum(['max', 'min', 'range']).optional(),
    classes: z
      .record(z.string(), z.number())
      .optional()
      .openapi({ description: 'GB 3838-2002 Table 1 limits of classes I–V' }),
    target: z.number().nullable().optional(),
    min: z.number().nullable().optional(),
    max: z.number().nullable().optional(),
    max_cold: z.number().nullable().optional().openapi({ description: 'GB 18918-2002: NH3-N limit at ≤ 12 °C' }),
    light: z.array(z.number()).optional(),
    severe_below: z.number().nullable().optional(),
    severe_above: z.number().nullable().optional(),
  })
  .openapi('LimitBand');

export const Point = z
  .object({
    ts: z.number().int().openapi({ description: 'Bucket start, epoch ms' }),
    start: Time,
    mean: z.number().nullable().optional(),
    min: z.number().nullable().optional(),
    max: z.number().nullable().optional(),
    count: z.number().int(),
    excluded: z.number().int(),
  })
  .openapi('Point');

export const Series = z
  .object({
    parameter: z.string(),
    name: LocalizedName,
    unit: z.string(),
    points: z.array(Point),
  })
  .openapi('Series');

export const QualityWindow = Verdict.extend({
  start: Time,
  end: Time,
  judged_from: Time.openapi({ description: 'The window cut to the range asked for and to now' }),
  judged_to: Time,
  expected: z.number().int().openapi({ description: 'Readings expected per item in the judged part' }),
  required: z.number().int().openapi({ description: 'Valid readings an item needs (min_valid_share × expected)' }),
  excluded: z.number().int(),
}).openapi('QualityWindow');

export const Summary = z
  .object({
    windows: z.number().int(),
    compliant: z.number().int(),
    non_compliant: z.number().int(),
    insufficient_data: z.number().int(),
    no_target: z.number().int(),
    not_evaluated: z.number().int(),
    compliance_rate: z
      .number()
      .nullable()
      .openapi({ description: '达标率 = compliant / (compliant + non_compliant), 0–1' }),
    worst_class: z.enum(SECTION_CLASSES).nullable(),
    worst_class_window: Time.nullable(),
    exceeding: z.array(
      z.object({ parameter: z.string(), windows: z.number().int(), max_exceedance: z.number().nullable() }),
    ),
    excluded_readings: z.number().int(),
  })
  .openapi('QualitySummary');

export const INSUFFICIENT_NOTE =
  "Windows with insufficient_data (fewer valid readings than min_valid_share of those expected) are neither compliant nor non-compliant and are left out of compliance_rate's denominator. / 有效数据不足的窗口既不算达标也不算不达标，不计入达标率分母。";
