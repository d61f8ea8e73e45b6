/**
 * Required by issue 3: 10,000 random and malformed payloads (property-based, fast-check) through a real
 * mosquitto into the app, once per store adapter: the ingester never crashes, every invalid message is in the
 * dead-letter store with the right reason(s), and every valid reading is stored — no more, no less.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, missing, publishAll, readAll, until, writeCatalog } from './e2e.js';
import { NOW, SURFACE_PARAMETERS, tempDir } from './helpers.js';
import { buildMessage, messageSpecArb, type ModelMessage } from './payload-model.js';

const MESSAGES = 10_000;
const MAX_PAYLOAD = 4096;
/** The app's clock advances this much per message, so each message's dead letters share one receivedAt. */
const TICK = 10;

let broker: Mosquitto;
let influx: Influxd;
beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
});
afterAll(async () => {
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

describe.each(['sqlite', 'influx'] as const)('10,000 random payloads into the %s store', (kind) => {
  let app: App;
  let reader: ReadingStore;
  let clock = NOW;
  const dir = tempDir(`qingliu-e2e-fuzz-${kind}-`);

  beforeAll(async () => {
    const config = loadConfig({
      ROLES: 'ingest',
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: `e2e-fuzz-${kind}`,
      DATA_DIR: path.join(dir, 'data'),
      CATALOG: writeCatalog(dir, ['demo-01'], SURFACE_PARAMETERS),
      MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      ...(kind === 'influx' ? { INFLUX_URL: influx.url, INFLUX_BUCKET: 'fuzz' } : {}),
    });
    app = await createApp({ config, logger: silentLogger(), now: () => (clock += TICK) });
    await app.start();
    reader =
      kind === 'influx'
        ? createInfluxStore({ url: influx.url, bucket: 'fuzz', version: 'auto', logger: silentLogger() })
        : createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
    await reader.start();
  });
  afterAll(async () => {
    await app?.stop();
    await reader?.stop();
  });

  it('stores exactly the valid readings and a dead letter with the right reasons for every invalid message', async () => {
    await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
    const specs = fc.sample(messageSpecArb, { numRuns: MESSAGES, seed: 3838 });
    const messages: ModelMessage[] = specs.map((spec, slot) => buildMessage(spec, slot, NOW, MAX_PAYLOAD));
    await publishAll(broker.url, messages, { inFlight: 200 });

    const scrape = async () => (await app.http.request('/metrics')).text();
    const received = async () => {
      const text = await scrape();
      return [...text.matchAll(/^qingliu_ingest_messages_received_total\{format="[a-z]+"\} (\d+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    // An empty payload (a truncation to nothing) clears a retained message in MQTT: acknowledged, counted, not a
    // dead letter (docs/mqtt.md, "Retained messages").
    const empty = messages.filter((m) => m.payload.length === 0).length;
    const ignoredEmpty = async () =>
      Number(/^qingliu_ingest_ignored_total\{reason="empty_payload"\} (\d+)$/m.exec(await scrape())?.[1] ?? 0);
    await until(async () => (await received()) + (await ignoredEmpty()) === MESSAGES, 60_000, 'every message received');
    expect(await ignoredEmpty()).toBe(empty);
    await until(async () => metric(await scrape(), 'qingliu_spool_pending_bytes') === 0, 60_000, 'the spool to drain');

    // Readings: the union of what each message must yield; timestamps are unique per message.
    const expected: Reading[] = messages.flatMap((m) => m.readings);
    const stored = await readAll(reader, ['demo-01'], NOW - 1e10, NOW + 1e10);
    expect(missing(expected, stored)).toEqual([]);
    expect(stored).toHaveLength(expected.length);

    // Dead letters: grouped by receivedAt (one message each), matched to messages by topic and payload.
    const letters: DeadLetter[] = [];
    for (let from = NOW; from <= clock; from += 100 * TICK) {
      for (const stationId of ['demo-01', 'ghost-7', '_unknown']) {
        const page = await reader.deadLetters({ stationId, from, to: from + 100 * TICK, limit: 1000 });
        expect(page.length).toBeLessThan(1000);
        letters.push(...page);
      }
    }
    const groups = new Map<number, DeadLetter[]>();
    for (const l of letters) groups.set(l.receivedAt, [...(groups.get(l.receivedAt) ?? []), l]);
    const identity = (topic: string, payload: string) => `${topic}\u0000${payload}`;
    const storedByIdentity = new Map<string, Set<string>[]>();
    for (const group of groups.values()) {
      const id = identity(group[0]!.topic, group[0]!.payload);
      storedByIdentity.set(id, [...(storedByIdentity.get(id) ?? []), new Set(group.map((l) => l.reason))]);
    }
    const problems: string[] = [];
    let invalid = 0;
    for (const m of messages) {
      if (m.reasons?.size === 0 || m.payload.length === 0) continue;
      invalid++;
      const text = m.reasons?.has('payload_too_large')
        ? m.payload.subarray(0, 1024).toString('utf8')
        : m.payload.toString('utf8');
      const candidates = storedByIdentity.get(identity(m.topic, text)) ?? [];
      const found = candidates.findIndex((reasons) =>
        m.reasons ? [...m.reasons].every((r) => reasons.has(r)) && reasons.size === m.reasons.size : reasons.size > 0,
      );
      if (found < 0)
        problems.push(
          `${m.topic} ${text.slice(0, 80)}: expected ${m.reasons ? [...m.reasons].join(',') : 'any reason'}, stored ${candidates.map((c) => [...c].join(',')).join(' | ') || 'nothing'}`,
        );
      else candidates.splice(found, 1);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(invalid).toBeGreaterThan(5_000);
    expect(metric(await scrape(), 'qingliu_spool_quarantined_total')).toBe(0);
    expect(fs.existsSync(path.join(dir, 'data', 'spool', 'quarantine.log'))).toBe(false);
  }, 150_000);
});
