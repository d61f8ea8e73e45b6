/**
 * The station catalog file (sensors/catalog.yaml), as zod schemas. Every field is documented in
 * sensors/README.md; the types below come from these schemas and are what the rest of Qingliu reads.
 *
 * Keys stay snake_case from the file through the in-memory objects to the API's JSON, so one vocabulary
 * serves the people who edit the file, the code and the API's users. Durations are written as strings
 * ("4h") and held as milliseconds. Parameter names may be any alias the registry knows and are held as
 * canonical codes. Checks that need more than one entry (references, unique ids, cycles) are in validate.ts.
 */
import { z } from 'zod';
import { customDischargeStandardSchema, BUILTIN_DISCHARGE_STANDARDS } from '../domain/discharge-standard-definition.js';
import { durationSchema } from '../domain/duration.js';
import { LOGGER_STREAMS } from '../domain/logger-data.js';
import { WATER_CLASSES, WATERBODY_TYPES, type WaterClass, type WaterbodyType } from '../domain/gb3838.js';
import { parameterOfHj212Code, resolveParameter, toCanonicalUnit, type ParameterCode } from '../domain/parameters.js';

export const STATION_KINDS = [
  'river_section',
  'plant_effluent',
  'plant_influent',
  'industrial_outfall',
  'urban_water',
] as const;
export const SECTION_ROLES = ['inbound', 'control', 'outbound'] as const;
export const SECTION_LEVELS = ['national', 'provincial', 'municipal'] as const;
// Target classes (I–V; 劣V is a result, never a target) and water body types are the standards engine's.
export { WATER_CLASSES, WATERBODY_TYPES, type WaterClass, type WaterbodyType };
export const UNIT_LEVELS = ['district', 'county', 'city', 'province', 'operator', 'maintainer'] as const;
/** Unit levels that can hold territorial responsibility (属地) for a station. */
export const JURISDICTION_LEVELS = ['district', 'county', 'city', 'province'] as const;
export const PLANT_TYPES = ['wwtp', 'industrial'] as const;
export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export const CHANNEL_TYPES = ['webhook', 'dingtalk', 'wecom', 'feishu', 'email', 'mqtt'] as const;
export const LANGUAGES = ['zh-CN', 'en'] as const;

export type StationKind = (typeof STATION_KINDS)[number];
export type SectionRole = (typeof SECTION_ROLES)[number];
export type SectionLevel = (typeof SECTION_LEVELS)[number];
export type UnitLevel = (typeof UNIT_LEVELS)[number];
export type PlantType = (typeof PLANT_TYPES)[number];
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Station ids are MQTT topic levels (`wq/{id}/data`) and URL segments: lowercase, no `/ + #`. */
export const STATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
const ID_HINT = 'lowercase letters, digits and "-", 2 to 63 characters, starting with a letter or digit';

export const idSchema = z
  .string({ error: `expected an id (${ID_HINT})` })
  .regex(STATION_ID_PATTERN, { error: `must be ${ID_HINT}` });

export const localizedNameSchema = z
  .object({
    zh: z.string().trim().min(1, { error: 'the Chinese name must not be empty' }),
    en: z.string().trim().min(1, { error: 'the English name must not be empty' }),
  })
  .strict();

// Cross-field checks run even when a field failed its own check, so that one typo does not hide
// another error in the same entry. They are written defensively: a failed field holds its raw value.
const evenWithIssues = {
  when: (payload: { value: unknown }) =>
    typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

const kilometres = z.number({ error: 'expected a number of kilometres' }).nonnegative().finite();

/** A parameter name in any spelling the registry knows ("NH3-N", "w21003", "氨氮"), held as its canonical code. */
export const parameterNameSchema = z.string().transform((name, ctx): ParameterCode => {
  const found = resolveParameter(name);
  if (!found) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown parameter "${name}" (use a canonical code such as nh3n, or an HJ 212 code such as w21003)`,
    });
    return z.NEVER;
  }
  return found.code;
});

/** A record keyed by parameter names; keys are normalised to canonical codes, two spellings of one parameter are an error. */
function parameterRecord<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).transform((record, ctx) => {
    const out: Partial<Record<ParameterCode, z.output<T>>> = {};
    const spelledAs = new Map<ParameterCode, string>();
    for (const [name, limit] of Object.entries(record)) {
      const found = resolveParameter(name);
      if (!found) {
        ctx.addIssue({ code: 'custom', path: [name], message: `unknown parameter "${name}"` });
        continue;
      }
      const earlier = spelledAs.get(found.code);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `"${name}" and "${earlier}" are the same parameter (${found.code})`,
        });
        continue;
      }
      spelledAs.set(found.code, name);
      out[found.code] = limit as z.output<T>;
    }
    return out;
  });
}

// Roman numerals as typed on Chinese keyboards (Ⅲ) and plain integers are accepted for convenience.
const CLASS_ALIASES: Record<string, WaterClass> = {
  Ⅰ: 'I',
  Ⅱ: 'II',
  Ⅲ: 'III',
  Ⅳ: 'IV',
  Ⅴ: 'V',
  '1': 'I',
  '2': 'II',
  '3': 'III',
  '4': 'IV',
  '5': 'V',
};
export const waterClassSchema = z.preprocess(
  (v) => {
    if (typeof v === 'number') return CLASS_ALIASES[String(v)] ?? v;
    if (typeof v === 'string') return CLASS_ALIASES[v.trim()] ?? v.trim().toUpperCase();
    return v;
  },
  z.enum(WATER_CLASSES, { error: 'expected a GB 3838-2002 class: I, II, III, IV or V' }),
);

const envNameSchema = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  error: 'expected the NAME of an environment variable (A–Z, 0–9, _), never the secret itself',
});

const httpUrlSchema = z.string().refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), {
  error: 'expected an http:// or https:// URL',
});

// Query parameters that carry credentials: such a URL is a secret and belongs in the environment.
const CREDENTIAL_PARAMS = /^(access_?token|token|key|secret|sign|signature|password|passwd|api_?key)$/i;
const noCredentialsInUrl = (u: string) => {
  if (!URL.canParse(u)) return true;
  const url = new URL(u);
  return (
    url.username === '' && url.password === '' && ![...url.searchParams.keys()].some((k) => CREDENTIAL_PARAMS.test(k))
  );
};

const channelCommon = {
  /** Language of the messages on this channel; defaults to the deployment's LANG_UI (zh-CN). */
  lang: z.enum(LANGUAGES).optional(),
};

const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: httpUrlSchema
      .refine(noCredentialsInUrl, {
        error: 'this URL carries a credential; put the whole URL in an environment variable and name it with url_env',
      })
      .optional(),
    url_env: envNameSchema.optional(),
    /** Environment variable holding the HMAC-SHA256 signing key. */
    secret_env: envNameSchema.optional(),
    ...channelCommon,
  })
  .strict()
  .refine((c) => (c.url === undefined) !== (c.url_env === undefined), { error: 'give exactly one of url or url_env' });

/** Robot webhooks of DingTalk, WeCom and Feishu: their URL embeds the access token, so only url_env is accepted. */
function robotChannelSchema<T extends 'dingtalk' | 'wecom' | 'feishu'>(type: T, signed: boolean) {
  return z
    .object({
      type: z.literal(type),
      url: z
        .never({
          error: `a ${type} robot URL embeds its access token: put the URL in an environment variable and name it with url_env`,
        })
        .optional(),
      url_env: envNameSchema,
      ...(signed ? { secret_env: envNameSchema.optional() } : {}),
      ...channelCommon,
    })
    .strict();
}

const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    to: z.array(z.email({ error: 'expected an e-mail address' })).min(1, { error: 'list at least one address' }),
    ...channelCommon,
  })
  .strict();

const mqttChannelSchema = z.object({ type: z.literal('mqtt'), ...channelCommon }).strict();

export const channelSchema = z.discriminatedUnion(
  'type',
  [
    webhookChannelSchema,
    robotChannelSchema('dingtalk', true),
    robotChannelSchema('wecom', false),
    robotChannelSchema('feishu', true),
    emailChannelSchema,
    mqttChannelSchema,
  ],
  { error: `expected a channel type: ${CHANNEL_TYPES.join(', ')}` },
);

export const contactSchema = z
  .object({
    name: z.string().trim().min(1),
    /** Job title or duty, e.g. 水环境管理科科长 (head of the water-environment section). */
    role: z.string().trim().min(1).optional(),
    phone: z
      .string()
      .regex(/^\+?[0-9][0-9 -]{4,}$/, { error: 'expected a phone number (digits, spaces, "-", optional leading "+")' })
      .optional(),
    email: z.email({ error: 'expected an e-mail address' }).optional(),
  })
  .strict();

export const unitSchema = z
  .object({
    id: idSchema,
    name: localizedNameSchema,
    level: z.enum(UNIT_LEVELS, { error: `expected a level: ${UNIT_LEVELS.join(', ')}` }),
    /** The next unit up for escalation (e.g. a district office's city bureau); absent at the top. */
    parent: idSchema.optional(),
    contacts: z.array(contactSchema).default([]),
    channels: z.array(channelSchema).default([]),
    /** Re-send an unacknowledged alert to the parent after this long, per severity (milliseconds). */
    escalate_after: z
      .object({ warning: durationSchema.optional(), critical: durationSchema.optional() })
      .strict()
      .optional(),
  })
  .strict();

export const riverSchema = z
  .object({
    id: idSchema,
    name: localizedNameSchema,
    length_km: z.number({ error: 'expected a number of kilometres' }).positive().finite(),
    /** Mean flow speed, used to estimate when water passing one station reaches the next. */
    flow_speed_kmh: z.number().positive().finite(),
    /** The river this one flows into, and where (km from the receiving river's source). */
    tributary_of: idSchema.optional(),
    joins_at_km: kilometres.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.tributary_of === undefined) !== (r.joins_at_km === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [r.tributary_of === undefined ? 'tributary_of' : 'joins_at_km'],
        message: 'tributary_of and joins_at_km go together: give both or neither',
      });
    }
  }, evenWithIssues);

const isoDateSchema = z.preprocess(
  // A YAML 1.1 parser would turn 2003-09-28 into a Date; keep the calendar date either way.
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    error: 'expected a calendar date YYYY-MM-DD',
  }),
);

export const plantSchema = z
  .object({
    id: idSchema,
    name: localizedNameSchema,
    type: z.enum(PLANT_TYPES, { error: `expected a plant type: ${PLANT_TYPES.join(', ')}` }),
    /** A built-in GB 18918-2002 class (gb18918-1a …) or the id of a standard under discharge_standards. */
    discharge_standard: z.string().min(1),
    /** Date the plant was built: GB 18918-2002 Table 1 sets TP by construction before/after 2006-01-01. */
    built: isoDateSchema.optional(),
    design_capacity_m3_per_day: z.number().positive().finite().optional(),
    /** The unit (company) operating the plant; an operator API key is scoped to its plants. */
    operator_unit: idSchema,
    /** Where the outfall reaches the river; omit both for a plant discharging into the sewer. */
    river: idSchema.optional(),
    river_km: kilometres.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.river === undefined) !== (p.river_km === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [p.river === undefined ? 'river' : 'river_km'],
        message: 'river and river_km go together: give both or neither',
      });
    }
  }, evenWithIssues);

export const sectionSchema = z
  .object({
    role: z.enum(SECTION_ROLES, { error: `expected a role: ${SECTION_ROLES.join(', ')}` }),
    level: z.enum(SECTION_LEVELS, { error: `expected a level: ${SECTION_LEVELS.join(', ')}` }),
    target_class: waterClassSchema.optional(),
    /** Lakes and reservoirs have their own TP column in GB 3838-2002 Table 1. */
    waterbody: z.enum(WATERBODY_TYPES, { error: 'expected river or lake' }).default('river'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.role === 'outbound' && s.target_class === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['target_class'],
        message: 'an outbound section (出境断面) needs its target class',
      });
    }
  }, evenWithIssues);

export const urbanWaterSchema = z
  .object({
    /** Under black-and-odorous remediation (黑臭水体整治): graded by the 2015 guideline. */
    black_odorous: z.boolean().default(true),
    /** Typical water depth; under 25 cm the transparency criterion becomes 40 % of the depth. */
    depth_cm: z.number().positive().finite().optional(),
  })
  .strict();

const thresholdSchema = z
  .object({ max: z.number().finite().optional(), min: z.number().finite().optional() })
  .strict()
  .refine((t) => t.max !== undefined || t.min !== undefined, { error: 'a threshold needs max or min' })
  .refine((t) => t.max === undefined || t.min === undefined || t.min < t.max, { error: 'min must be below max' });

/** Per-station overrides of the alert rules; anything left out takes the deployment's configured default. */
export const alertOverridesSchema = z
  .object({
    /** Evaluate compliance for this station (default: outbound sections and plant effluent/outfalls only). */
    evaluate_compliance: z.boolean().optional(),
    /** Length of a compliance evaluation window, e.g. 4h. */
    window: durationSchema.optional(),
    /** Share (0–1] of the expected readings a window needs to be judged at all. */
    min_valid_share: z.number().gt(0, { error: 'must be above 0' }).max(1).optional(),
    /** Consecutive compliant windows before an alert resolves by itself (hysteresis). */
    resolve_after_windows: z.int().positive().optional(),
    /** Raise early warnings (预警) for this station. */
    early_warning: z.boolean().optional(),
    /** How far ahead a rising trend is projected. */
    early_warning_horizon: durationSchema.optional(),
    /** How much history the trend is fitted to. */
    early_warning_lookback: durationSchema.optional(),
    /** No valid reading for this long → station offline (default 3 × interval). */
    offline_after: durationSchema.optional(),
    /** Identical readings for this long → stuck sensor. */
    stuck_after: durationSchema.optional(),
    /** Extra alert limits in canonical units, for parameters or levels the standards do not cover. */
    thresholds: parameterRecord(thresholdSchema).optional(),
  })
  .strict();

export const locationSchema = z
  .object({
    lat: z.number({ error: 'expected a latitude in decimal degrees (WGS84)' }).min(-90).max(90),
    lon: z.number({ error: 'expected a longitude in decimal degrees (WGS84)' }).min(-180).max(180),
  })
  .strict();

export const HJ212_PROTOCOLS = ['hj212-2017', 'hj212-2025', 'surface-water'] as const;
/** The logger's data streams: 2011 real-time, 2051 minute, 2061 hourly, 2031 daily (HJ 212-2017 Table 9). */
export const HJ212_STREAMS = LOGGER_STREAMS;

/** Characters that separate the fields of an HJ 212 data segment (standards.md §4.1): an MN cannot hold them. */
const MN_SEPARATORS = /[;,=&\s]/;

/**
 * The HJ 212 data logger (数采仪) reporting for a station (docs/hj212.md). Secrets are named, never written here:
 * `password_env` holds the access password PW, `sm4_key_env` the SM4 key of an encrypted HJ 212-2025 device.
 */
export const hj212Schema = z
  .object({
    /** The logger's MN: any string (24 hex digits, or a national station's `A140100_2006`), unique in the catalog. */
    mn: z
      .string({ error: "expected the logger's MN (a string; quote it in YAML if it is all digits)" })
      .min(1, { error: 'the MN must not be empty' })
      .max(64, { error: 'an MN is at most 64 characters' })
      .refine((mn) => !MN_SEPARATORS.test(mn), {
        error: 'an MN cannot contain ";", ",", "=", "&" or blanks (they separate the fields of an HJ 212 packet)',
      }),
    protocol: z.enum(HJ212_PROTOCOLS, { error: `expected a protocol: ${HJ212_PROTOCOLS.join(', ')}` }),
    /** Environment variable holding the access password PW; without it PW is not checked. */
    password_env: envNameSchema.optional(),
    /** Environment variable holding the SM4 key: 32 hex digits, or 16 characters taken as their bytes. */
    sm4_key_env: envNameSchema.optional(),
    /** Unit per HJ 212 code where this device departs from the code table, e.g. `w20120: mg/L` for metals. */
    units: z.record(z.string(), z.string().min(1, { error: 'expected a unit, e.g. mg/L' })).default({}),
    /**
     * The stream that is the station's record for trends, compliance and alerts (docs/adr/0012): by default the
     * real-time data, and the hourly data for a national surface-water station (which sends only 2061).
     */
    record: z.enum(HJ212_STREAMS, { error: `expected a stream: ${HJ212_STREAMS.join(', ')}` }).optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.sm4_key_env !== undefined && h.protocol === 'hj212-2017') {
      ctx.addIssue({
        code: 'custom',
        path: ['sm4_key_env'],
        message: 'HJ 212-2017 has no encryption: an SM4 key needs protocol hj212-2025 (or surface-water)',
      });
    }
    for (const [code, unit] of Object.entries(h.units ?? {})) {
      const problem = hj212UnitProblem(code, unit);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['units', code], message: problem });
    }
  }, evenWithIssues)
  .transform((h) => ({ ...h, record: h.record ?? defaultRecord(h.protocol) }));

export function defaultRecord(protocol: (typeof HJ212_PROTOCOLS)[number]): (typeof HJ212_STREAMS)[number] {
  return protocol === 'surface-water' ? 'hourly' : 'realtime';
}

/** Why a per-code unit cannot be used: an unknown HJ 212 code, or a unit that does not convert to the parameter's. */
function hj212UnitProblem(code: string, unit: unknown): string | undefined {
  const param = parameterOfHj212Code(code);
  if (!param) return `unknown HJ 212 pollutant code "${code}" (codes as in HJ 212-2017 Table B.1, e.g. w21003)`;
  if (typeof unit !== 'string') return undefined;
  try {
    toCanonicalUnit(param, 1, unit);
  } catch (err) {
    return `${(err as Error).message} (${code} is ${param.nameEn}, stored in ${param.unit || 'no unit'})`;
  }
  return undefined;
}

export const stationSchema = z
  .object({
    id: z.string({ error: 'expected a station id' }).regex(STATION_ID_PATTERN, {
      error: `must be ${ID_HINT} (it is an MQTT topic level: no "/", "+" or "#")`,
    }),
    name: localizedNameSchema,
    kind: z.enum(STATION_KINDS, { error: `expected a kind: ${STATION_KINDS.join(', ')}` }),
    location: locationSchema,
    /** River and km from its source; effluent and outfall stations default to their plant's outfall. */
    river: idSchema.optional(),
    river_km: kilometres.optional(),
    section: sectionSchema.optional(),
    plant: idSchema.optional(),
    urban: urbanWaterSchema.optional(),
    /** The district/county (属地) unit responsible for the water at this station. */
    jurisdiction: idSchema,
    /** The unit keeping the instruments running: receives offline and maintenance alerts. */
    maintainer: idSchema,
    parameters: z.array(parameterNameSchema).min(1, { error: 'list at least one parameter' }),
    /** Reporting interval (milliseconds). */
    interval: durationSchema,
    /** Visible to the open-data viewer role. */
    public: z.boolean().default(false),
    alerts: alertOverridesSchema.optional(),
    /** The HJ 212 data logger reporting for this station, when it reports over HJ 212. */
    hj212: hj212Schema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<ParameterCode>();
    (Array.isArray(s.parameters) ? s.parameters : []).forEach((code, i) => {
      if (seen.has(code))
        ctx.addIssue({
          code: 'custom',
          path: ['parameters', i],
          message: `${code} is listed twice (perhaps under two spellings)`,
        });
      seen.add(code);
    });
    if ((s.river === undefined) !== (s.river_km === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.river === undefined ? 'river' : 'river_km'],
        message: 'river and river_km go together: give both or neither',
      });
    }
    const isSection = s.kind === 'river_section';
    if (isSection && s.section === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['section'],
        message: 'a river_section needs a section block (role, level, target_class, waterbody)',
      });
    if (!isSection && s.section !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['section'],
        message: `only river_section stations have a section block, this one is ${s.kind}`,
      });
    if (isSection && s.section?.waterbody === 'river' && s.river === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['river'],
        message: 'a river section needs river and river_km (its position along the river)',
      });
    }
    const hasPlant = s.kind === 'plant_effluent' || s.kind === 'plant_influent' || s.kind === 'industrial_outfall';
    if (hasPlant && s.plant === undefined)
      ctx.addIssue({ code: 'custom', path: ['plant'], message: `a ${s.kind} station needs the id of its plant` });
    if (!hasPlant && s.plant !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['plant'],
        message: `only plant and outfall stations name a plant, this one is ${s.kind}`,
      });
    if (s.kind === 'plant_influent' && s.river !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['river'],
        message:
          'a plant_influent station measures sewage entering the plant, not the river: remove river and river_km',
      });
    }
    if (s.kind !== 'urban_water' && s.urban !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['urban'],
        message: `only urban_water stations have an urban block, this one is ${s.kind}`,
      });
    if (typeof s.alerts?.window === 'number' && typeof s.interval === 'number' && s.alerts.window < s.interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'window'],
        message: 'the evaluation window is shorter than the reporting interval: most windows would hold no reading',
      });
    }
  }, evenWithIssues);

/** A custom discharge standard (decision 8: e.g. 准IV类), with limit keys normalised to canonical codes. */
export const catalogDischargeStandardSchema = customDischargeStandardSchema.transform((std, ctx) => {
  const limits: Record<string, (typeof std.limits)[string]> = {};
  const spelledAs = new Map<string, string>();
  for (const [name, limit] of Object.entries(std.limits)) {
    const found = resolveParameter(name);
    if (!found) {
      ctx.addIssue({ code: 'custom', path: ['limits', name], message: `unknown parameter "${name}"` });
      continue;
    }
    const earlier = spelledAs.get(found.code);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', name],
        message: `"${name}" and "${earlier}" are the same parameter (${found.code})`,
      });
      continue;
    }
    spelledAs.set(found.code, name);
    limits[found.code] = limit;
  }
  return { ...std, limits };
});

/** The whole file. Lists are parsed entry by entry (see validate.ts) so one bad entry does not hide the others' errors. */
export const catalogFileSchema = z
  .object({
    version: z.literal(1, { error: 'unsupported catalog version: this Qingliu reads version: 1' }),
    city: localizedNameSchema,
    /** Base URL of the dashboard, for links in notifications. */
    public_url: httpUrlSchema.optional(),
    units: z.array(unitSchema).min(1, { error: 'list at least one responsible unit' }),
    discharge_standards: z.record(idSchema, catalogDischargeStandardSchema).default({}),
    rivers: z.array(riverSchema).default([]),
    plants: z.array(plantSchema).default([]),
    stations: z.array(stationSchema).min(1, { error: 'list at least one station' }),
  })
  .strict();

// Entity types as parsed (mutable); the Catalog hands out deeply read-only versions of them (catalog.ts).
export type CatalogFile = z.output<typeof catalogFileSchema>;
export type LocalizedName = z.output<typeof localizedNameSchema>;
export type UnitData = z.output<typeof unitSchema>;
export type ContactData = z.output<typeof contactSchema>;
export type ChannelData = z.output<typeof channelSchema>;
export type RiverData = z.output<typeof riverSchema>;
export type PlantData = z.output<typeof plantSchema>;
export type StationData = z.output<typeof stationSchema>;
export type SectionData = z.output<typeof sectionSchema>;
export type UrbanWaterData = z.output<typeof urbanWaterSchema>;
export type AlertOverridesData = z.output<typeof alertOverridesSchema>;
export type Hj212Data = z.output<typeof hj212Schema>;
export type AlertThreshold = z.output<typeof thresholdSchema>;
export type CatalogDischargeStandard = z.output<typeof catalogDischargeStandardSchema>;

export function isBuiltinDischargeStandard(id: string): id is (typeof BUILTIN_DISCHARGE_STANDARDS)[number] {
  return (BUILTIN_DISCHARGE_STANDARDS as readonly string[]).includes(id);
}
