/**
 * All configuration comes from environment variables, parsed once at start-up.
 * This is the only module that reads `process.env`; every component receives its slice of `Config`.
 */
import path from 'node:path';
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { isValidTimeZone } from './domain/time-window.js';
import { DurationError, parseDuration } from './domain/duration.js';
import { parseWindow, TimeWindowError } from './domain/time-window.js';
import { urlSecrets } from './secrets.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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

/** The components one process can run; see `hasRole` and docs/alerts.md ("Several instances"). */
export const INSTANCE_ROLES = ['ingest', 'api', 'alerts'] as const;
export type InstanceRole = (typeof INSTANCE_ROLES)[number];

const rolesSchema = z
  .string()
  .default(INSTANCE_ROLES.join(','))
  .transform((v, ctx): InstanceRole[] => {
    const names = [
      ...new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
    ];
    const unknown = names.filter((n) => !(INSTANCE_ROLES as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of ${INSTANCE_ROLES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
      });
      return z.NEVER;
    }
    return names as InstanceRole[];
  });

/** A duration written `10m`, `4h`, `7d`, parsed to milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return parseDuration(v);
      } catch (err) {
        if (!(err instanceof DurationError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    });

/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), read in TIMEZONE. Seconds are not
 * accepted: the scheduler's `tick(now)` works on whole minutes.
 */
const cron = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.trim().replace(/\s+/g, ' '))
    .refine((v) => v.split(' ').length === 5 && isValidCron(v), {
      message: 'must be a cron expression with five fields (minute hour day month weekday), e.g. "30 8 * * *"',
    });

const optionalList = z
  .string()
  .optional()
  .transform((v) => {
    const items = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return items.length > 0 ? items : undefined;
  });

export const configSchema = z.object({
  PORT: port(8080),
  HOST: z.string().default('127.0.0.1'),
  /**
   * Demo mode (docs: README "Quick start"): the sensor simulator publishes for every station of the catalog and,
   * without ADMIN_API_KEY, an admin key is generated and printed. `auto` is on only when neither MQTT_URL nor
   * INFLUX_URL is set (`npm start` on embedded defaults); `on` also with an external broker or store; `off` never.
   */
  DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Simulated history the demo publishes on a first start (later starts fill only the gap). */
  DEMO_HISTORY: duration('30d'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `pretty` for humans at a terminal, `json` for log shippers; `auto` picks by whether stdout is a TTY. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /**
   * A file that gets the whole log as JSON lines, at LOG_LEVEL. Unset: DATA_DIR/qingliu.log in demo mode, none
   * otherwise; `off`: none.
   */
  LOG_FILE: optionalString,
  /** Level of what reaches the console (stdout). Unset: `warn` in demo mode (the rest is in LOG_FILE), else LOG_LEVEL. */
  LOG_CONSOLE_LEVEL: z
    .enum(LOG_LEVELS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().min(1).default('./data'),
  CATALOG: z.string().min(1).default('./sensors/catalog.yaml'),
  TIMEZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine(isValidTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }),
  /** Language of user-facing text (notifications, reports): zh-CN by default. */
  LANG_UI: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** What this process runs: any of ingest, api, alerts (comma-separated). Exactly one instance may run alerts. */
  ROLES: rolesSchema,

  MQTT_URL: optionalUrl(['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:']),
  /** Port of the embedded broker, used only when MQTT_URL is unset. */
  MQTT_PORT: port(1883),
  MQTT_USERNAME: optionalString,
  MQTT_PASSWORD: optionalString,
  /** The ingester's persistent session; unset: a random id kept in DATA_DIR (src/ingest/client-id.ts). */
  MQTT_CLIENT_ID: optionalString,
  MQTT_SHARE_GROUP: optionalString,
  /**
   * The HJ 212 gateway's TCP port (docs/hj212.md): unset = off, except in demo mode (9212, `hj212Port`).
   * `0` takes any free port (tests).
   */
  HJ212_PORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  /** Address the HJ 212 gateway listens on; loggers come from outside: `0.0.0.0` in production. */
  HJ212_HOST: z.string().min(1).default('127.0.0.1'),
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
  /**
   * Hourly rollups (docs/adr/0006): `on` keeps them current in ingest processes and answers long aggregates from
   * them; `off` neither maintains nor reads them (every aggregate from the raw readings).
   */
  INFLUX_ROLLUPS: z.enum(['on', 'off']).default('on'),
  /** Seconds between two rollup passes of an ingest process. */
  INFLUX_ROLLUP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /**
   * `on`: an ingest process builds and posts its reading batches to InfluxDB on a worker thread, a second core
   * beside the one that answers devices (docs/adr/0018); `off`: on its main thread.
   */
  INFLUX_WRITE_THREAD: z.enum(['on', 'off']).default('on'),

  /** Dead letters older than this are deleted (daily, by the alerts instance); `0d` keeps them forever. */
  DEAD_LETTER_RETENTION: duration('90d'),
  /** Disk budget for the local spool that holds readings while the store is unreachable. */
  SPOOL_MAX_BYTES: bytes(1024 * 1024 * 1024),
  /**
   * How often the spool is fsync'ed (ms). Acknowledged messages are safe from a process crash at once, from a
   * power loss only once synced; 0 syncs before every acknowledgement (strict, slower). docs/adr/0003.
   */
  SPOOL_FSYNC_MS: z.coerce.number().int().nonnegative().default(1000),
  /** Spool segment file size; drained segments are deleted whole. */
  SPOOL_SEGMENT_BYTES: bytes(64 * 1024 * 1024),

  /**
   * The control state shared by several instances in PostgreSQL — alerts, job runs, API keys, rate limits, the
   * alerts leader's lease, data marks, the HJ 212 loggers' state and the report archive (docs/deploy.md lists what
   * stays per instance) — postgres://user:password@host:5432/qingliu. Unset: all SQLite (docs/adr/0015).
   */
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  /**
   * The alerts leader's lease (docs/adr/0016): renewed every third of it; a standby takes over at most this long
   * (plus a third) after the leader died. Only with DATABASE_URL.
   */
  LEADER_LEASE: duration('15s').refine((ms) => ms >= 300 && ms <= 60_000, {
    message: 'must be between 300ms and 60s (the standby takes over within 4/3 of it), e.g. 15s',
  }),

  /** Bootstraps one admin API key (for automation); held only as a hash in memory, never written. docs/adr/0004. */
  ADMIN_API_KEY: optionalString.refine((v) => v === undefined || v.length >= 24, {
    message: 'must be at least 24 characters (generate one with `openssl rand -base64 32`)',
  }),
  /** The hashed API keys managed by `qingliu keys`; default DATA_DIR/api-keys.json (see `apiKeysFile`). */
  API_KEYS_FILE: optionalString,
  /** Sustained requests per minute per API key; 0 disables rate limiting. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().nonnegative().default(600),
  /** Requests a key may make at once after a quiet spell (token bucket size). */
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(60),
  /** Alert event streams one API key may hold open at once, per API instance. */
  ALERT_STREAMS_PER_KEY: z.coerce.number().int().positive().default(10),
  /** Longest time range one API request may ask for (days). */
  API_MAX_RANGE_DAYS: z.coerce.number().int().positive().default(366),

  /**
   * Data marks (issue 14): `true` puts an operator's marks in effect at once (recorded as approved by
   * MARKS_AUTO_APPROVE_OPERATOR); `false`, the default, keeps them pending until a bureau key approves them.
   */
  MARKS_AUTO_APPROVE_OPERATOR: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),

  /** Default alert channel: every notification is also POSTed here as signed JSON (docs/alerts.md). */
  ALERT_WEBHOOK_URL: optionalUrl(['http:', 'https:']),
  /** HMAC-SHA256 key for the X-Qingliu-Signature header of the default alert webhook. */
  ALERT_WEBHOOK_SECRET: optionalString,
  /** SMTP relay for e-mail alert channels: smtp://user:pass@host:587 or smtps://…:465. */
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  /** Sender of alert e-mails. */
  SMTP_FROM: z.string().min(1).default('Qingliu 清流 <alerts@localhost>'),

  /** A window is judged this long after it closes, so readings that arrive late are in it. */
  ALERT_EVAL_DELAY: duration('10m'),
  /** After downtime, windows older than this are not caught up (a warning names how many were skipped). */
  ALERT_CATCHUP_MAX: duration('7d'),
  /**
   * Windows whose data changed after they were judged (late readings, marks) are judged again when they ended
   * within this long; older changes are recorded and reported, not re-judged (ADR 0013).
   */
  ALERT_REJUDGE_HORIZON: duration('7d'),
  /** Window of the instant rules (early warning, offline, sensor health): evaluated once per window. */
  ALERT_INSTANT_WINDOW: z
    .string()
    .default('15m')
    .refine(
      (v) => {
        try {
          const w = parseWindow(v);
          return w.unit === 'minute' || w.unit === 'hour';
        } catch (err) {
          if (err instanceof TimeWindowError) return false;
          throw err;
        }
      },
      { message: 'must be a window of minutes or hours dividing a day, e.g. 5m, 15m, 1h' },
    ),
  /** Schedules (cron, in TIMEZONE) of the alert jobs; see docs/alerts.md ("Jobs"). */
  JOB_WINDOWS_CRON: cron('*/5 * * * *'),
  JOB_INSTANT_CRON: cron('*/5 * * * *'),
  JOB_ESCALATION_CRON: cron('* * * * *'),
  JOB_OUTBOX_CRON: cron('* * * * *'),
  /** The daily compliance digest to the bureau (default 08:30 local time). */
  DIGEST_CRON: cron('30 8 * * *'),
  /** Language of the digest; default LANG_UI (a channel's `lang` still wins). */
  DIGEST_LANG: z
    .enum(['zh-CN', 'en'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Unit ids that get the digest; default every city-level unit of the catalog. */
  DIGEST_UNITS: optionalList,
  /** The monthly report (issue 15): day 1 at 07:30 local time by default; docs/reports.md. */
  REPORT_CRON: cron('30 7 1 * *'),
  /** Language of the issued report's files and messages; default LANG_UI (a channel's `lang` wins for messages). */
  REPORT_LANG: z
    .enum(['zh-CN', 'en'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Unit ids that get the monthly report; default every city-level unit (operator units get their plants' part). */
  REPORT_UNITS: optionalList,
  /** A CJK font file for PDF reports; default the first of Debian's fonts-wqy-microhei / fonts-noto-cjk found. */
  REPORT_FONT: optionalString,
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
  const dataDir = path.resolve(config.DATA_DIR);
  return {
    ...config,
    DATA_DIR: dataDir,
    CATALOG: path.resolve(config.CATALOG),
    API_KEYS_FILE: path.resolve(config.API_KEYS_FILE ?? path.join(dataDir, 'api-keys.json')),
    ...(config.LOG_FILE !== undefined && config.LOG_FILE !== 'off' && { LOG_FILE: path.resolve(config.LOG_FILE) }),
  };
}

/** The API keys file: API_KEYS_FILE, or DATA_DIR/api-keys.json (loadConfig already fills it in). */
export function apiKeysFile(config: Pick<Config, 'API_KEYS_FILE' | 'DATA_DIR'>): string {
  return config.API_KEYS_FILE ?? path.join(config.DATA_DIR, 'api-keys.json');
}

/** Whether this process runs a component (ROLES). The composition root asks before building each one. */
export function hasRole(config: Pick<Config, 'ROLES'>, role: InstanceRole): boolean {
  return config.ROLES.includes(role);
}

/** The store and broker the process uses: embedded ones unless a URL points elsewhere. */
export function isEmbeddedStore(config: Config): boolean {
  return config.INFLUX_URL === undefined;
}
export function isEmbeddedBroker(config: Config): boolean {
  return config.MQTT_URL === undefined;
}

/** The HJ 212 gateway's port: HJ212_PORT, else 9212 in demo mode, else off (undefined). */
export function hj212Port(config: Pick<Config, 'HJ212_PORT' | 'DEMO' | 'MQTT_URL' | 'INFLUX_URL'>): number | undefined {
  return config.HJ212_PORT ?? (isDemo(config) ? 9212 : undefined);
}

/**
 * The environment the catalog's HJ 212 secrets are read from (`password_env`, `sm4_key_env`): see envSecret.
 * Read once at start-up by the gateway.
 */
export function catalogSecretsEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/** Demo mode (DEMO): `auto` means on only for the embedded broker and store together. */
export function isDemo(config: Pick<Config, 'DEMO' | 'MQTT_URL' | 'INFLUX_URL'>): boolean {
  if (config.DEMO === 'auto') return config.MQTT_URL === undefined && config.INFLUX_URL === undefined;
  return config.DEMO === 'on';
}

/** Where the log is written besides the console (LOG_FILE): DATA_DIR/qingliu.log in demo mode unless set. */
export function logFile(config: Config): string | undefined {
  if (config.LOG_FILE === 'off') return undefined;
  if (config.LOG_FILE !== undefined) return config.LOG_FILE;
  return isDemo(config) ? path.join(config.DATA_DIR, 'qingliu.log') : undefined;
}

/** The level of what reaches the console (LOG_CONSOLE_LEVEL): `warn` in demo mode, where a log file has the rest. */
export function consoleLogLevel(config: Config): Config['LOG_LEVEL'] {
  if (config.LOG_CONSOLE_LEVEL !== undefined) return config.LOG_CONSOLE_LEVEL;
  return isDemo(config) && logFile(config) !== undefined ? 'warn' : config.LOG_LEVEL;
}

/** Every secret in the configuration, in the forms a log line could show it (the logger masks them all). */
export function configSecrets(config: Config): string[] {
  const token = config.INFLUX_TOKEN;
  return [
    ...urlSecrets(config.MQTT_URL),
    ...urlSecrets(config.INFLUX_URL),
    ...urlSecrets(config.SMTP_URL),
    ...urlSecrets(config.ALERT_WEBHOOK_URL),
    ...urlSecrets(config.DATABASE_URL),
    ...[config.MQTT_PASSWORD, config.ADMIN_API_KEY, config.ALERT_WEBHOOK_SECRET].filter((s) => s !== undefined),
    // 1.x takes INFLUX_TOKEN as `user:password` and sends it base64-encoded.
    ...(token ? [token, token.slice(token.indexOf(':') + 1), Buffer.from(token).toString('base64')] : []),
  ];
}

/**
 * Reads one secret named in the catalog (`secret_env`, `url_env`: webhook keys and token-bearing robot URLs)
 * at the moment it is needed, so the catalog never holds secrets and this module stays the only reader of
 * process.env.
 */
export function envSecret(name: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
