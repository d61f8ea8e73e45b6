/** Helpers of the end-to-end ingest tests: catalog files, a publisher, reading the store back, the child process. */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { managedProcess, type ManagedProcess } from '../harness/process.js';

export const REPO = path.resolve(import.meta.dirname, '../..');

/** A valid catalog file with river-section stations measuring `parameters`. */
export function writeCatalog(dir: string, stationIds: string[], parameters: readonly ParameterCode[]): string {
  const catalog = {
    version: 1,
    city: { zh: '测试市', en: 'Test City' },
    units: [{ id: 'city', name: { zh: '市生态环境局', en: 'City Bureau' }, level: 'city' }],
    rivers: [{ id: 'river-x', name: { zh: '测试河', en: 'Test River' }, length_km: 100_000, flow_speed_kmh: 2 }],
    stations: stationIds.map((id, i) => ({
      id,
      name: { zh: `站点${i}`, en: `Station ${i}` },
      kind: 'river_section',
      location: { lat: 30 + i / 10_000, lon: 120 },
      river: 'river-x',
      river_km: i * 2 + 1,
      section: { role: 'control', level: 'municipal', target_class: 'III' },
      jurisdiction: 'city',
      maintainer: 'city',
      parameters,
      interval: '4h',
    })),
  };
  const file = path.join(dir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(catalog));
  return file;
}

export interface Message {
  topic: string;
  payload: Buffer | string;
}

/**
 * Publishes with QoS 1, `inFlight` at a time, in order; resolves when the broker acknowledged all of them.
 * Survives broker restarts: MQTT.js resends unacknowledged QoS 1 messages after reconnecting.
 */
export async function publishAll(
  url: string,
  messages: Iterable<Message>,
  options: { inFlight?: number; perSecond?: number; onProgress?: (sent: number) => void | Promise<void> } = {},
): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `publisher-${process.pid}-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 100 });
  client.on('error', () => undefined);
  const inFlight = options.inFlight ?? 100;
  const pending = new Set<Promise<unknown>>();
  const started = Date.now();
  let sent = 0;
  try {
    for (const m of messages) {
      if (options.perSecond) {
        const due = started + (sent / options.perSecond) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      while (pending.size >= inFlight) await Promise.race(pending);
      const p = client.publishAsync(m.topic, m.payload, { qos: 1 }).finally(() => pending.delete(p));
      pending.add(p);
      sent++;
      await options.onProgress?.(sent);
    }
    await Promise.all(pending);
  } finally {
    await client.endAsync();
  }
}

/** Every reading of these stations in [from, to), through the store port (cursor pagination). */
export async function readAll(store: ReadingStore, stationIds: string[], from: number, to: number): Promise<Reading[]> {
  const out: Reading[] = [];
  for (const stationId of stationIds) {
    let after: Reading | undefined;
    for (;;) {
      const page = await store.raw({ stationId, from, to, limit: 10_000, after: after && { ts: after.ts, parameter: after.parameter } });
      out.push(...page);
      if (page.length < 10_000) break;
      after = page.at(-1);
    }
  }
  return out;
}

export const key = (r: Pick<Reading, 'stationId' | 'parameter' | 'ts'>) => `${r.stationId}|${r.parameter}|${r.ts}`;

/** Which expected readings are not in `stored` (or stored with another value or flag). */
export function missing(expected: Reading[], stored: Reading[]): Reading[] {
  const byKey = new Map(stored.map((r) => [key(r), r]));
  return expected.filter((r) => {
    const s = byKey.get(key(r));
    return !s || s.value !== r.value || s.flag !== r.flag;
  });
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of an unlabelled metric in Prometheus text, or undefined. */
export function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface IngesterProcess extends ManagedProcess {
  metrics(): Promise<string>;
}

/** The real `src/main.ts` in a child process (so a test can SIGKILL it), ready once /readyz answers 200. */
export function ingesterProcess(options: { env: Record<string, string>; port: number; logFile: string }): IngesterProcess {
  const base = `http://127.0.0.1:${options.port}`;
  const proc = managedProcess({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO, 'src/main.ts')],
    logFile: options.logFile,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ROLES: 'ingest', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(options.port), ...options.env },
    ready: async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          if ((await fetch(`${base}/readyz`)).status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error('the ingester did not become ready in 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  });
  return Object.assign(proc, {
    async metrics() {
      return (await fetch(`${base}/metrics`)).text();
    },
  });
}
