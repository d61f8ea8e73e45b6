/**
 * All configuration comes from environment variables, parsed once at start-up.
 * This is the only module that reads `process.env`; every component receives its slice of `Config`.
 */
import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || URL.canParse(v), { message: 'must be a URL' })
    .refine((v) => v === undefined || protocols.includes(new URL(v).protocol), {
      message: `must use one of ${protocols.join(', ')}`,
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const bytes = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = z.object({
  PORT: port(8080),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `pretty` for humans at a terminal, `json` for log shippers; `auto` picks by whether stdout is a TTY. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATA_DIR: z.string().min(1).default('./data'),
  CATALOG: z.string().min(1).default('./sensors/catalog.yaml'),
  TIMEZONE: z.string().default('Asia/Shanghai').refine(isValidTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }),
  /** Language of user-facing text (notifications, reports): zh-CN by default. */
  LANG_UI: z.enum(['zh-CN', 'en']).default('zh-CN'),

  MQTT_URL: optionalUrl(['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:']),
  /** Port of the embedded broker, used only when MQTT_URL is unset. */
  MQTT_PORT: port(1883),
  MQTT_USERNAME: optionalString,
  MQTT_PASSWORD: optionalString,
  MQTT_CLIENT_ID: z.string().min(1).default('qingliu-ingest'),
  MQTT_SHARE_GROUP: optionalString,
  /** Messages larger than this go to the dead-letter store unread. */
  MAX_PAYLOAD_BYTES: bytes(256 * 1024),
  /** A reading stamped further than this into the future is rejected. */
  MAX_FUTURE_SKEW_SECONDS: z.coerce.number().int().nonnegative().default(300),

  INFLUX_URL: optionalUrl(['http:', 'https:']),
  INFLUX_TOKEN: optionalString,
  INFLUX_ORG: optionalString,
  INFLUX_BUCKET: z.string().min(1).default('qingliu'),
  /** Server generation; `auto` reads the version header of /ping. */
  INFLUX_VERSION: z.enum(['auto', '1', '2', '3']).default('auto'),

  /** Disk budget for the local spool that holds readings while the store is unreachable. */
  SPOOL_MAX_BYTES: bytes(1024 * 1024 * 1024),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable and what is wrong with it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const config = result.data;
  return { ...config, DATA_DIR: path.resolve(config.DATA_DIR), CATALOG: path.resolve(config.CATALOG) };
}

/** The store and broker the process uses: embedded ones unless a URL points elsewhere. */
export function isEmbeddedStore(config: Config): boolean {
  return config.INFLUX_URL === undefined;
}
export function isEmbeddedBroker(config: Config): boolean {
  return config.MQTT_URL === undefined;
}
