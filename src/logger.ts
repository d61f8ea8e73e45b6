import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  format: 'auto' | 'json' | 'pretty';
  /** Where the log goes; defaults to stdout. Tests pass a stream to inspect what was logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * JSON lines in production (one object per event, for log shippers); readable colourised lines at a terminal.
 * Components get `logger.child({ component: 'ingest' })`, never a logger of their own.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  if (options.destination) {
    return pino({ level: options.level }, options.destination as pino.DestinationStream);
  }
  if (pretty) {
    return pino({
      level: options.level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: options.level });
}

/** A logger that drops everything, for tests and for CLI commands whose output is their stdout. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
