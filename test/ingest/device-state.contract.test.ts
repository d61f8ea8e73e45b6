/**
 * One contract for the HJ 212 device-state store, run against both adapters: SQLite (DATA_DIR/devices.db) and
 * PostgreSQL (DATABASE_URL, the real server of the test harness) — through the gateway's events, as ingest writes
 * it, and with two ingest instances behind a TCP load balancer writing one logger's state.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceDirectory, Hj212Device } from '../../src/ingest/hj212/contracts.js';
import { emptyUpdate } from '../../src/ingest/hj212/device-state-merge.js';
import { createDeviceStateEvents, type DeviceStateStore } from '../../src/ingest/hj212/device-state.js';
import { createPgDeviceStateStore } from '../../src/ingest/hj212/pg-device-state.js';
import { createSqliteDeviceStateStore } from '../../src/ingest/hj212/sqlite-device-state.js';
import { silentLogger } from '../../src/logger.js';
import { storeBackends, type FreshStore } from '../harness/store-backends.js';

const MN = 'A140100_2006';
const device: Hj212Device = { mn: MN, stationId: 's1', protocol: 'surface-water', units: {}, record: 'hourly' };
const directory: DeviceDirectory = { byMn: (mn) => (mn === device.mn ? device : undefined) };

const backends = storeBackends<DeviceStateStore>('devices', {
  sqlite: createSqliteDeviceStateStore,
  postgres: createPgDeviceStateStore,
});

const events = (store: DeviceStateStore, instance: string, now = 0) =>
  createDeviceStateEvents({ store, directory, logger: silentLogger(), flushMs: 60_000, instance, now: () => now });

describe.each(backends)('HJ 212 device-state store contract: $name', (adapter) => {
  let db: FreshStore<DeviceStateStore>;
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());
  beforeEach(async () => {
    db = await adapter.fresh();
  });

  it('records connection, packets, heartbeats, status and checks; survives a restart as disconnected', async () => {
    const writer = await events(db.store, 'ingest-a');
    writer.connected(MN, 1000, '127.0.0.1:5000');
    writer.packet(MN, 1100, '2061', 'hj212-2025');
    writer.heartbeat(MN, 1200);
    await writer.status(MN, 1300, '3020', { 'w21003/i12001-Info': '0' });
    await writer.status(MN, 1400, '2062', { 'w21003-ResultType': '0' });
    writer.packet('UNKNOWN', 1500, '2011', 'hj212-2017');
    writer.hourlyRecord(MN, 3_600_000);
    writer.hourlyRecord(MN, 0); // an older hour (a gap-fill answer) does not move it back
    await writer.stop();

    // Another process (the API) reads the same database.
    const reader = db.other();
    expect(await reader.stateOfStation('s1')).toMatchObject({
      mn: MN,
      protocol: 'surface-water',
      protocolSeen: 'hj212-2025',
      connected: true,
      connectedSince: 1000,
      remote: '127.0.0.1:5000',
      instance: 'ingest-a',
      lastPacketAt: 1100,
      lastPacketCn: '2061',
      lastHeartbeatAt: 1200,
      packets: 1,
      heartbeats: 1,
      statusRecords: 1,
      lastStatusAt: 1300,
      lastCheckAt: 1400,
      lastCheckPassed: false,
      lastHourlyRecordAt: 3_600_000,
    });
    expect(await reader.stateOfStation('s2')).toBeUndefined();
    expect((await reader.states()).map((s) => s.mn)).toEqual([MN]);
    expect(await reader.records({ stationId: 's1' })).toEqual([
      {
        mn: MN,
        stationId: 's1',
        at: 1400,
        cn: '2062',
        kind: 'check',
        passed: false,
        failed: ['w21003'],
        fields: { 'w21003-ResultType': '0' },
      },
      {
        mn: MN,
        stationId: 's1',
        at: 1300,
        cn: '3020',
        kind: 'status',
        passed: null,
        failed: [],
        fields: { 'w21003/i12001-Info': '0' },
      },
    ]);
    expect(await reader.records({ stationId: 's1', from: 1350, limit: 1 })).toHaveLength(1);
    expect(await reader.records({ stationId: 's1', to: 1350 })).toMatchObject([{ at: 1300 }]);
    expect((await reader.recordsBetween({ stationIds: ['s1', 's2'], from: 1300, to: 1401 })).map((r) => r.cn)).toEqual([
      '3020',
      '2062',
    ]);
    expect(await reader.recordsBetween({ stationIds: ['s1'], from: 1301, to: 1400 })).toEqual([]);
    expect(await reader.recordsBetween({ stationIds: ['s2'], from: 0, to: 2000 })).toEqual([]);
    expect(await reader.recordsBetween({ stationIds: [], from: 0, to: 2000 })).toEqual([]);

    // A restart: counters continue, the connection the old process held is over.
    const again = await events(reader, 'ingest-a', 1800);
    expect(await again.lastHourlyRecord(MN)).toBe(3_600_000);
    again.packet(MN, 2000, '2061', 'surface-water');
    await again.stop();
    expect(await reader.stateOfStation('s1')).toMatchObject({
      connected: false,
      disconnectedAt: 1800,
      disconnectReason: 'restart',
      packets: 2,
      lastPacketAt: 2000,
    });
  });

  it('keeps one correct state when the logger’s connection moves to the other ingest instance', async () => {
    const a = await events(db.store, 'ingest-a');
    const b = await events(db.other(), 'ingest-b');
    a.connected(MN, 1000, '10.0.0.7:40001');
    a.packet(MN, 1100, '2011', 'hj212-2017');
    a.packet(MN, 1200, '2011', 'hj212-2017');
    a.hourlyRecord(MN, 3_600_000);
    await a.flush();
    // B loaded the states before A wrote: gap fill on B still starts after A's last hourly record.
    expect(await b.lastHourlyRecord(MN)).toBe(3_600_000);
    // The load balancer sends the logger's new connection to B; A has not noticed that its own is dead.
    b.connected(MN, 5000, '10.0.0.7:40002');
    b.packet(MN, 5100, '2061', 'hj212-2017');
    b.heartbeat(MN, 5200);
    await b.flush();
    // A's last in-flight packet and its late disconnection arrive after B's writes.
    a.packet(MN, 1300, '2011', 'hj212-2017');
    a.disconnected(MN, 6000, 'timeout');
    await a.flush();
    const state = await db.other().stateOfStation('s1');
    expect(state).toMatchObject({
      connected: true,
      connectedSince: 5000,
      remote: '10.0.0.7:40002',
      instance: 'ingest-b',
      disconnectedAt: null,
      lastPacketAt: 5100,
      lastPacketCn: '2061',
      lastHeartbeatAt: 5200,
      packets: 4,
      heartbeats: 1,
    });
    // A restarts: B's connection is not A's to end.
    await a.stop();
    const aAgain = await events(db.store, 'ingest-a', 7000);
    await aAgain.stop();
    expect(await db.store.stateOfStation('s1')).toMatchObject({ connected: true, instance: 'ingest-b' });
    // B closes the connection: now it is over.
    b.disconnected(MN, 8000, 'closed by the logger');
    await b.stop();
    expect(await db.store.stateOfStation('s1')).toMatchObject({
      connected: false,
      connectedSince: 5000,
      disconnectedAt: 8000,
      disconnectReason: 'closed by the logger',
      packets: 4,
    });
  });

  it('adds up the counts of two instances writing at once, and keeps the newest packet', async () => {
    const stores = [db.store, db.other()];
    const upd = (i: number) => ({
      ...emptyUpdate(MN, 's1', 'surface-water', `ingest-${i % 2}`),
      packets: 1,
      lastPacket: { at: 10_000 + i, cn: '2011', protocolSeen: 'hj212-2017' as const },
    });
    await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.apply([upd(i)])));
    expect(await db.store.stateOfStation('s1')).toMatchObject({ packets: 40, lastPacketAt: 10_039 });
    // A batch naming a new logger twice, from both at once: one row, every count.
    const other = { ...emptyUpdate('B2', 's2', 'surface-water', 'ingest-0'), heartbeats: 2, lastHeartbeatAt: 5 };
    await Promise.all(stores.map((s) => s.apply([other, { ...other, lastHeartbeatAt: 7 }])));
    expect(await db.store.stateOfStation('s2')).toMatchObject({ mn: 'B2', heartbeats: 8, lastHeartbeatAt: 7 });
  });

  it('keeps what it could not write, and writes it once when the store answers again', async () => {
    let failing = true;
    const flaky: DeviceStateStore = {
      ...db.store,
      apply: (updates) => (failing ? Promise.reject(new Error('the database is restarting')) : db.store.apply(updates)),
    };
    const writer = await events(flaky, 'ingest-a');
    writer.connected(MN, 1000, '127.0.0.1:5000');
    writer.packet(MN, 1100, '2011', 'hj212-2017');
    await writer.flush();
    writer.packet(MN, 1200, '2011', 'hj212-2017');
    await writer.flush();
    failing = false;
    writer.packet(MN, 1300, '2011', 'hj212-2017');
    await writer.flush();
    await writer.flush();
    expect(await db.store.stateOfStation('s1')).toMatchObject({ connected: true, packets: 3, lastPacketAt: 1300 });
  });
});
