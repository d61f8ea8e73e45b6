import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { ParameterCode } from '../../src/domain/parameters.js';
import { createMessageDecoder, type DecodedMessage } from '../../src/ingest/message-decoder.js';
import { stationDirectory } from '../../src/ingest/station-directory.js';
import type { Logger } from '../../src/logger.js';

/** The automatic surface-water station set ("9+X"). */
export const SURFACE_PARAMETERS: ParameterCode[] = [
  'temp',
  'ph',
  'do',
  'conductivity',
  'turbidity',
  'codmn',
  'nh3n',
  'tp',
  'tn',
];
export const PLANT_PARAMETERS: ParameterCode[] = ['cod', 'nh3n', 'tp', 'tn', 'ph', 'flow', 'temp'];

export const STATIONS = stationDirectory([
  { id: 'demo-01', parameters: SURFACE_PARAMETERS },
  { id: 'plant-01', parameters: PLANT_PARAMETERS },
]);

/** The clock of the decoder tests: 2026-11-28T12:00:00+08:00. */
export const NOW = Date.parse('2026-11-28T12:00:00+08:00');

export function decoder(options: { maxPayloadBytes?: number; maxFutureSkewSeconds?: number } = {}) {
  return createMessageDecoder({
    stations: STATIONS,
    maxPayloadBytes: options.maxPayloadBytes ?? 256 * 1024,
    maxFutureSkewSeconds: options.maxFutureSkewSeconds ?? 300,
  });
}

export function decode(topic: string, payload: unknown, now = NOW): DecodedMessage {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return decoder().decode(topic, Buffer.from(text), now);
}

export function reasons(decoded: DecodedMessage): string[] {
  return decoded.deadLetters.map((d) => d.reason);
}

/** Every directory tempDir made in this test process: one exit listener removes them all. */
const tempDirs = new Set<string>();

function removeTempDirs(): void {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh temp directory, removed when the test process exits. One 'exit' listener serves every directory
 * (a listener per directory tripped MaxListenersExceededWarning in files that make more than ten).
 */
export function tempDir(prefix = 'qingliu-ingest-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (tempDirs.size === 0) process.once('exit', removeTempDirs);
  tempDirs.add(dir);
  return dir;
}

/** A logger that keeps its lines in memory, for asserting what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
