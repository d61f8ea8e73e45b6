/** Device state from the gateway's events, in the real SQLite file the API reads. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceDirectory, Hj212Device } from '../../src/ingest/hj212/contracts.js';
import { checkOutcome, createDeviceStateEvents } from '../../src/ingest/hj212/device-state.js';
import { createSqliteDeviceStateStore } from '../../src/ingest/hj212/sqlite-device-state.js';
import { silentLogger } from '../../src/logger.js';
import { tempDir } from './helpers.js';

const device: Hj212Device = {
  mn: 'A140100_2006',
  stationId: 's1',
  protocol: 'surface-water',
  units: {},
  record: 'hourly',
};
const directory: DeviceDirectory = { byMn: (mn) => (mn === device.mn ? device : undefined) };

describe('2062 standard-sample checks', () => {
  it('pass when every -ResultType is 1, fail naming the pollutants with 0, say nothing without one', () => {
    expect(
      checkOutcome({ 'w21003-SampleRd': '1.02', 'w21003-StandardValue': '1.00', 'w21003-ResultType': '1' }),
    ).toEqual({ passed: true, failed: [] });
    expect(checkOutcome({ 'w21003-ResultType': '1', 'w21011/ResultType': '0' })).toEqual({
      passed: false,
      failed: ['w21011'],
    });
    expect(checkOutcome({ 'SB1-RS': '1' })).toEqual({ passed: null, failed: [] });
  });
});

describe('device state', () => {
  it('records connection, packets, heartbeats, status and checks; survives a restart as disconnected', async () => {
    const file = path.join(tempDir(), 'devices.db');
    const store = createSqliteDeviceStateStore(file);
    const events = await createDeviceStateEvents({ store, directory, logger: silentLogger(), flushMs: 60_000 });
    events.connected('A140100_2006', 1000, '127.0.0.1:5000');
    events.packet('A140100_2006', 1100, '2061', 'hj212-2025');
    events.heartbeat('A140100_2006', 1200);
    events.status('A140100_2006', 1300, '3020', { 'w21003/i12001-Info': '0' });
    events.status('A140100_2006', 1400, '2062', { 'w21003-ResultType': '0' });
    events.packet('UNKNOWN', 1500, '2011', 'hj212-2017');
    events.hourlyRecord('A140100_2006', 3_600_000);
    events.hourlyRecord('A140100_2006', 0); // an older hour (a gap-fill answer) does not move it back
    await events.stop();
    await store.close();

    // Another process (the API) opens the same file.
    const reader = createSqliteDeviceStateStore(file);
    expect(await reader.stateOfStation('s1')).toMatchObject({
      mn: 'A140100_2006',
      protocol: 'surface-water',
      protocolSeen: 'hj212-2025',
      connected: true,
      connectedSince: 1000,
      remote: '127.0.0.1:5000',
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
    expect((await reader.states()).map((s) => s.mn)).toEqual(['A140100_2006']);
    expect(await reader.records({ stationId: 's1' })).toEqual([
      {
        mn: 'A140100_2006',
        stationId: 's1',
        at: 1400,
        cn: '2062',
        kind: 'check',
        passed: false,
        failed: ['w21003'],
        fields: { 'w21003-ResultType': '0' },
      },
      {
        mn: 'A140100_2006',
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
    expect((await reader.recordsBetween({ stationIds: ['s1', 's2'], from: 1300, to: 1401 })).map((r) => r.cn)).toEqual([
      '3020',
      '2062',
    ]);
    expect(await reader.recordsBetween({ stationIds: ['s1'], from: 1301, to: 1400 })).toEqual([]);
    expect(await reader.recordsBetween({ stationIds: ['s2'], from: 0, to: 2000 })).toEqual([]);

    // A restart: counters continue, the connection the old process held is over.
    const again = await createDeviceStateEvents({ store: reader, directory, logger: silentLogger() });
    expect(again.lastHourlyRecord('A140100_2006')).toBe(3_600_000);
    again.packet('A140100_2006', 2000, '2061', 'surface-water');
    await again.stop();
    expect(await reader.stateOfStation('s1')).toMatchObject({
      connected: false,
      disconnectReason: 'restart',
      packets: 2,
    });
    await reader.close();
  });
});
