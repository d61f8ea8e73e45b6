/** `GET /stations/{id}/logger` and `/device-records`: state from the real device-state file, station visibility. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/catalog/index.js';
import { register } from '../../src/api/routes/logger.js';
import { createDeviceStateEvents } from '../../src/ingest/hj212/device-state.js';
import { createCatalogDevices } from '../../src/ingest/hj212/catalog-devices.js';
import { createSqliteDeviceStateStore } from '../../src/ingest/hj212/sqlite-device-state.js';
import { silentLogger } from '../../src/logger.js';
import { tempDir } from '../ingest/helpers.js';
import { createTestApp } from './test-app.js';

const CATALOG = `version: 1
city: { zh: 测试市, en: Test City }
units:
  - { id: city, name: { zh: 市局, en: City }, level: city, channels: [{ type: mqtt }] }
  - { id: op1, name: { zh: 一厂公司, en: Op 1 }, level: operator, parent: city }
  - { id: op2, name: { zh: 二厂公司, en: Op 2 }, level: operator, parent: city }
plants:
  - { id: wwtp1, name: { zh: 一厂, en: Plant 1 }, type: wwtp, discharge_standard: gb18918-1a, operator_unit: op1 }
  - { id: wwtp2, name: { zh: 二厂, en: Plant 2 }, type: wwtp, discharge_standard: gb18918-1a, operator_unit: op2 }
stations:
  - id: wwtp1-effluent
    name: { zh: 一厂出水, en: Plant 1 effluent }
    kind: plant_effluent
    plant: wwtp1
    location: { lat: 30, lon: 120 }
    jurisdiction: city
    maintainer: city
    parameters: [cod, nh3n]
    interval: 1h
    hj212: { mn: MN-1, protocol: hj212-2017, record: hourly }
  - id: wwtp2-effluent
    name: { zh: 二厂出水, en: Plant 2 effluent }
    kind: plant_effluent
    plant: wwtp2
    location: { lat: 30, lon: 120 }
    jurisdiction: city
    maintainer: city
    parameters: [cod]
    interval: 1h
    hj212: { mn: MN-2, protocol: hj212-2025 }
  - id: river-1
    name: { zh: 河一, en: River 1 }
    kind: urban_water
    location: { lat: 30, lon: 120 }
    jurisdiction: city
    maintainer: city
    parameters: [do]
    interval: 4h
`;

const T = Date.parse('2024-06-15T04:00:00Z');

async function setup() {
  const catalog = parseCatalog(CATALOG, 'catalog.yaml');
  const file = path.join(tempDir(), 'devices.db');
  // What the ingest role records (another store on the same file, as another process would).
  const writer = createSqliteDeviceStateStore(file);
  const events = await createDeviceStateEvents({
    store: writer,
    directory: createCatalogDevices(catalog, {}),
    logger: silentLogger(),
  });
  events.connected('MN-1', T - 3_600_000, '10.0.0.5:40000');
  events.packet('MN-1', T - 60_000, '2061', 'hj212-2025');
  events.heartbeat('MN-1', T - 30_000);
  events.status('MN-1', T - 20_000, '2062', { 'w21003-ResultType': '0', 'w21003-SampleRd': '1.3' });
  await events.stop();
  await writer.close();
  const reader = createSqliteDeviceStateStore(file);
  const app = createTestApp({
    routes: [
      (a) => register(a, { catalog: () => catalog, devices: () => reader, now: () => T, timeZone: 'Asia/Shanghai' }),
    ],
  });
  return { app, reader };
}

describe('GET /api/v1/stations/{id}/logger', () => {
  it("answers the logger's registration and recorded state, times in tz", async () => {
    const { app, reader } = await setup();
    const res = await app.request('/api/v1/stations/wwtp1-effluent/logger', { as: 'bureau' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      station: 'wwtp1-effluent',
      logger: {
        mn: 'MN-1',
        protocol: 'hj212-2017',
        protocol_seen: 'hj212-2025',
        protocol_mismatch: true,
        record: 'hourly',
        connected: true,
        connected_since: '2024-06-15T11:00:00+08:00',
        disconnected_at: null,
        disconnect_reason: null,
        last_packet_at: '2024-06-15T11:59:00+08:00',
        last_packet_cn: '2061',
        last_heartbeat_at: '2024-06-15T11:59:30+08:00',
        packets: 1,
        heartbeats: 1,
        status_records: 0,
        last_status_at: null,
        last_check_at: '2024-06-15T11:59:40+08:00',
        last_check_passed: false,
        duplicate_connections: 0,
        last_duplicate: null,
      },
    });
    // A logger that has never connected; a station without one.
    const never = (await (await app.request('/api/v1/stations/wwtp2-effluent/logger')).json()) as {
      logger: Record<string, unknown>;
    };
    expect(never.logger).toMatchObject({ mn: 'MN-2', connected: false, packets: 0, last_packet_at: null });
    expect(await (await app.request('/api/v1/stations/river-1/logger')).json()).toEqual({
      station: 'river-1',
      logger: null,
    });
    await reader.close();
  });

  it('shows a connection recorded open as lost once it has been silent longer than the idle timeout', async () => {
    // The setup's connection is recorded open (its ingest instance stopped without closing it, as a kill -9 does);
    // its last sign of life is the check at T − 20 s.
    const { reader } = await setup();
    const later = (now: number) =>
      createTestApp({
        routes: [
          (a) =>
            register(a, {
              catalog: () => parseCatalog(CATALOG, 'catalog.yaml'),
              devices: () => reader,
              now: () => now,
              timeZone: 'Asia/Shanghai',
            }),
        ],
      });
    const at = async (now: number) =>
      (
        (await (await later(now).request('/api/v1/stations/wwtp1-effluent/logger', { as: 'bureau' })).json()) as {
          logger: Record<string, unknown>;
        }
      ).logger;
    // Within the idle timeout (and a minute's slack): still connected.
    expect(await at(T - 20_000 + 16 * 60_000 - 1)).toMatchObject({ connected: true, disconnect_reason: null });
    expect(await at(T + 20 * 60_000)).toMatchObject({
      connected: false,
      connected_since: '2024-06-15T11:00:00+08:00',
      // when its holder would have closed it: the last sign of life + 15 min
      disconnected_at: '2024-06-15T12:14:40+08:00',
      disconnect_reason: 'lost',
      last_packet_at: '2024-06-15T11:59:00+08:00',
    });
    await reader.close();
  });

  it("lets an operator see only their plant's logger, and 404s an unknown station", async () => {
    const { app, reader } = await setup();
    expect((await app.request('/api/v1/stations/wwtp1-effluent/logger', { as: 'operator' })).status).toBe(200);
    const other = await app.request('/api/v1/stations/wwtp2-effluent/logger', { as: 'operator' });
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect((await app.request('/api/v1/stations/nope/logger')).status).toBe(404);
    expect((await app.request('/api/v1/stations/wwtp1-effluent/logger', { as: null })).status).toBe(401);
    expect((await app.request('/api/v1/stations/wwtp1-effluent/device-records', { as: 'operator' })).status).toBe(200);
    expect((await app.request('/api/v1/stations/wwtp2-effluent/device-records', { as: 'operator' })).status).toBe(404);
    await reader.close();
  });
});

describe('GET /api/v1/stations/{id}/device-records', () => {
  it('lists status and 2062 check records, newest first; 400 for a bad limit', async () => {
    const { app, reader } = await setup();
    const res = await app.request('/api/v1/stations/wwtp1-effluent/device-records?tz=UTC');
    expect(await res.json()).toEqual({
      station: 'wwtp1-effluent',
      items: [
        {
          at: '2024-06-15T03:59:40+00:00',
          cn: '2062',
          kind: 'check',
          passed: false,
          failed: ['w21003'],
          fields: { 'w21003-ResultType': '0', 'w21003-SampleRd': '1.3' },
        },
      ],
    });
    expect((await app.request('/api/v1/stations/wwtp1-effluent/device-records?limit=0')).status).toBe(400);
    await reader.close();
  });

  it('is in the OpenAPI document', async () => {
    const { app, reader } = await setup();
    const doc = (await (await app.request('/openapi.json', { as: null })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/stations/{id}/logger', '/api/v1/stations/{id}/device-records']),
    );
    await reader.close();
  });
});
