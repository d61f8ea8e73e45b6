import { chmodSync } from 'node:fs';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { createScrubber } from './secrets.js';

export type { Logger };

export interface LoggerOptions {
  /** The lowest level logged anywhere (LOG_LEVEL); the file gets everything from it. */
  level: LevelWithSilent;
  format: 'auto' | 'json' | 'pretty';
  /** What reaches the console (LOG_CONSOLE_LEVEL); default `level`. */
  consoleLevel?: LevelWithSilent;
  /** A file that also gets every line, as JSON (LOG_FILE). Created 0600: logs name stations and addresses. */
  file?: string;
  /** Strings never written: masked as *** in every line (configSecrets). */
  secrets?: readonly (string | undefined)[];
  /** Where the log goes instead of the console (and the file); tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

const LEVEL_ORDER: Record<LevelWithSilent, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * JSON lines in production (one object per event, for log shippers); readable colourised lines at a terminal.
 * With a log file, the console can get less than the file (the demo's console shows warnings and errors, the file
 * everything). Components get `logger.child({ component: 'ingest' })`, never a logger of their own.
 */
export function createLogger(options: LoggerOptions): Logger {
  return createLoggers(options).logger;
}

export interface Loggers {
  /** Console and file. */
  logger: Logger;
  /** The log file alone (undefined without one): for what the console already says in its own words. */
  fileOnly: Logger | undefined;
}

export function createLoggers(options: LoggerOptions): Loggers {
  const hooks = { streamWrite: createScrubber(options.secrets ?? []) };
  if (options.destination) {
    return {
      logger: pino({ level: options.level, hooks }, options.destination as pino.DestinationStream),
      fileOnly: undefined,
    };
  }
  const consoleLevel = options.consoleLevel ?? options.level;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const consoleStream = pretty
    ? pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
    : pino.destination({ dest: 1, sync: true });
  const level = minLevel(options.level, consoleLevel);
  if (!options.file) return { logger: pino({ level, hooks }, consoleStream), fileOnly: undefined };

  const file = pino.destination({ dest: options.file, mkdir: true, sync: true, mode: 0o600 });
  // An existing file keeps its mode on open: tighten it too.
  chmodSync(options.file, 0o600);
  const streams: pino.StreamEntry[] = [{ level: asLevel(options.level), stream: file }];
  if (consoleLevel !== 'silent') streams.push({ level: asLevel(consoleLevel), stream: consoleStream });
  return {
    logger: pino({ level, hooks }, pino.multistream(streams)),
    fileOnly: pino({ level: options.level, hooks }, file),
  };
}

/** The more verbose of two levels: the logger must produce what either destination wants. */
function minLevel(a: LevelWithSilent, b: LevelWithSilent): LevelWithSilent {
  return LEVEL_ORDER[a] <= LEVEL_ORDER[b] ? a : b;
}

function asLevel(level: LevelWithSilent): pino.Level {
  return level === 'silent' ? 'fatal' : level;
}

/** A logger that drops everything, for tests and for CLI commands whose output is their stdout. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
