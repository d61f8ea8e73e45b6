/** The pure merge of what ingest instances saw of a logger into its recorded state (device-state-merge.ts). */
import { describe, expect, it } from 'vitest';
import {
  applyUpdate,
  combineUpdates,
  emptyUpdate,
  type ConnectionNews,
  type DeviceStateUpdate,
} from '../../src/ingest/hj212/device-state-merge.js';

const up = (instance: string, over: Partial<DeviceStateUpdate> = {}): DeviceStateUpdate => ({
  ...emptyUpdate('MN1', 's1', 'surface-water', instance),
  ...over,
});
const open = (since: number, remote = `r${since}`): ConnectionNews => ({ since, remote, closedAt: null, reason: null });
const closed = (since: number, at: number, reason = 'timeout'): ConnectionNews => ({
  since,
  remote: `r${since}`,
  closedAt: at,
  reason,
});

describe('device state merge', () => {
  it('creates the state from a first update, with the catalog’s station and protocol', () => {
    const s = applyUpdate(
      undefined,
      up('a', { packets: 2, lastPacket: { at: 5, cn: '2011', protocolSeen: 'hj212-2017' } }),
    );
    expect(s).toMatchObject({ mn: 'MN1', stationId: 's1', protocol: 'surface-water', packets: 2, lastPacketAt: 5 });
    expect(applyUpdate(s, { ...up('a'), stationId: 's9', protocol: 'hj212-2025' })).toMatchObject({
      stationId: 's9',
      protocol: 'hj212-2025',
      packets: 2,
    });
  });

  it('adds counts, and never moves a "last" time back (nor the CN or check outcome that go with it)', () => {
    let s = applyUpdate(
      undefined,
      up('b', {
        packets: 1,
        heartbeats: 1,
        statusRecords: 1,
        lastPacket: { at: 100, cn: '2061', protocolSeen: 'hj212-2025' },
        lastHeartbeatAt: 100,
        lastStatusAt: 100,
        lastCheck: { at: 100, passed: false },
      }),
    );
    s = applyUpdate(
      s,
      up('a', {
        packets: 3,
        heartbeats: 2,
        statusRecords: 1,
        lastPacket: { at: 50, cn: '2011', protocolSeen: 'hj212-2017' },
        lastHeartbeatAt: 60,
        lastStatusAt: 70,
        lastCheck: { at: 80, passed: true },
      }),
    );
    expect(s).toMatchObject({
      packets: 4,
      heartbeats: 3,
      statusRecords: 2,
      lastPacketAt: 100,
      lastPacketCn: '2061',
      protocolSeen: 'hj212-2025',
      lastHeartbeatAt: 100,
      lastStatusAt: 100,
      lastCheckAt: 100,
      lastCheckPassed: false,
    });
  });

  it('takes the newest connection; later news of the same connection; nothing of a replaced one', () => {
    const a1 = applyUpdate(undefined, up('a', { connection: open(10) }));
    expect(a1).toMatchObject({ connected: true, connectedSince: 10, instance: 'a', remote: 'r10' });
    // The logger reconnects through B.
    const b2 = applyUpdate(a1, up('b', { connection: open(20) }));
    expect(b2).toMatchObject({ connected: true, connectedSince: 20, instance: 'b' });
    // A notices late that its connection is dead: B's stays.
    expect(applyUpdate(b2, up('a', { connection: closed(10, 30) }))).toEqual(b2);
    // Same start, another instance: not the same connection.
    expect(applyUpdate(b2, up('a', { connection: closed(20, 30) }))).toEqual(b2);
    // B closes it: over.
    expect(applyUpdate(b2, up('b', { connection: closed(20, 40, 'closed') }))).toMatchObject({
      connected: false,
      connectedSince: 20,
      disconnectedAt: 40,
      disconnectReason: 'closed',
    });
    // A connection that opened and closed before B's write arrives after it: newer than what is recorded, so it holds.
    expect(applyUpdate(b2, up('a', { connection: closed(25, 27) }))).toMatchObject({
      connected: false,
      connectedSince: 25,
      instance: 'a',
    });
    // A reconnection after a close clears the close.
    const again = applyUpdate(
      applyUpdate(b2, up('b', { connection: closed(20, 40) })),
      up('a', { connection: open(50) }),
    );
    expect(again).toMatchObject({ connected: true, connectedSince: 50, disconnectedAt: null, disconnectReason: null });
    // A state recorded before instances were named (no `instance`) is the one reporting on it.
    const { instance: _, ...legacy } = a1;
    expect(applyUpdate(legacy, up('ingest-7', { connection: closed(10, 15, 'restart') }))).toMatchObject({
      connected: false,
    });
  });

  it('combines two updates of one instance into one that says both', () => {
    const first = up('a', {
      packets: 2,
      lastPacket: { at: 10, cn: '2011', protocolSeen: 'hj212-2017' },
      lastCheck: { at: 12, passed: true },
      connection: open(5),
    });
    const second = up('a', { packets: 1, heartbeats: 1, lastHeartbeatAt: 20, connection: closed(5, 30) });
    const both = combineUpdates(first, second);
    expect(both).toMatchObject({
      packets: 3,
      heartbeats: 1,
      lastPacket: { at: 10 },
      lastHeartbeatAt: 20,
      lastCheck: { at: 12, passed: true },
      connection: closed(5, 30),
    });
    expect(applyUpdate(undefined, both)).toEqual(applyUpdate(applyUpdate(undefined, first), second));
    expect(combineUpdates(second, up('a')).connection).toEqual(second.connection);
  });
});
