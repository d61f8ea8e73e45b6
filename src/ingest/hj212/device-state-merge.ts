/**
 * How what one ingest instance saw of a logger is merged into the logger's recorded state, so that several
 * instances behind a TCP load balancer (issue 16) keep one correct state per logger: counters are added, not
 * overwritten; "last …" times only move forward (a late write of an instance that saw an older packet cannot take
 * them back); and the connection is that of the newest connection start — a disconnection reported by an instance
 * whose connection was already replaced (the logger reconnected through the other instance) changes nothing.
 * Pure: both stores apply it, SQLite and PostgreSQL, under their own row lock.
 */
import type { DuplicateOutcome, Hj212Protocol } from './contracts.js';
import { newDeviceState, type DeviceState } from './device-state.js';

/** The news of one connection of the logger, as the instance holding it last saw it. */
export interface ConnectionNews {
  /** When the connection started: identifies it, with the instance. */
  since: number;
  remote: string;
  /** Null while it is open. */
  closedAt: number | null;
  reason: string | null;
}

/** What one instance saw of a logger since it last wrote. */
export interface DeviceStateUpdate {
  mn: string;
  stationId: string;
  protocol: Hj212Protocol;
  /** The ingest instance that saw it (its MQTT client id): whose connection `connection` is. */
  instance: string;
  /** Counts since the previous update of this instance. */
  packets: number;
  heartbeats: number;
  statusRecords: number;
  lastPacket: { at: number; cn: string; protocolSeen: Hj212Protocol } | null;
  lastHeartbeatAt: number | null;
  lastStatusAt: number | null;
  lastCheck: { at: number; passed: boolean | null } | null;
  /** DataTime of the newest hourly record made durable (where gap fill starts). */
  lastHourlyRecordAt: number | null;
  /** Second connections of the same MN refused or taken over (session.ts), since the previous update. */
  duplicateConnections: number;
  lastDuplicate: { at: number; remote: string; outcome: DuplicateOutcome } | null;
  connection: ConnectionNews | null;
}

export function emptyUpdate(
  mn: string,
  stationId: string,
  protocol: Hj212Protocol,
  instance: string,
): DeviceStateUpdate {
  return {
    mn,
    stationId,
    protocol,
    instance,
    packets: 0,
    heartbeats: 0,
    statusRecords: 0,
    lastPacket: null,
    lastHeartbeatAt: null,
    lastStatusAt: null,
    lastCheck: null,
    lastHourlyRecordAt: null,
    duplicateConnections: 0,
    lastDuplicate: null,
    connection: null,
  };
}

export const later = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
function laterOf<T extends { at: number }>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.at >= a.at ? b : a;
}

/** Whether news of a connection replaces what is recorded: a newer connection, or later news of the same one. */
function connectionApplies(state: DeviceState, instance: string, news: ConnectionNews): boolean {
  if (state.connectedSince === null || news.since > state.connectedSince) return true;
  // A state recorded before instances were named (one instance, SQLite) is whichever instance reports on it.
  return news.since === state.connectedSince && (state.instance == null || state.instance === instance);
}

/** The recorded state after `update` (`stored` undefined: the logger's first). Never mutates its arguments. */
export function applyUpdate(stored: DeviceState | undefined, u: DeviceStateUpdate): DeviceState {
  const s: DeviceState = { ...(stored ?? newDeviceState(u.mn, u.stationId, u.protocol)) };
  // The catalog says which station and protocol (every instance loads the same catalog).
  s.stationId = u.stationId;
  s.protocol = u.protocol;
  s.packets += u.packets;
  s.heartbeats += u.heartbeats;
  s.statusRecords += u.statusRecords;
  if (u.lastPacket && (s.lastPacketAt === null || u.lastPacket.at >= s.lastPacketAt)) {
    s.lastPacketAt = u.lastPacket.at;
    s.lastPacketCn = u.lastPacket.cn;
    s.protocolSeen = u.lastPacket.protocolSeen;
  }
  s.lastHeartbeatAt = later(s.lastHeartbeatAt, u.lastHeartbeatAt);
  s.lastStatusAt = later(s.lastStatusAt, u.lastStatusAt);
  if (u.lastCheck && (s.lastCheckAt === null || u.lastCheck.at >= s.lastCheckAt)) {
    s.lastCheckAt = u.lastCheck.at;
    s.lastCheckPassed = u.lastCheck.passed;
  }
  s.lastHourlyRecordAt = later(s.lastHourlyRecordAt ?? null, u.lastHourlyRecordAt);
  if (u.duplicateConnections > 0) s.duplicateConnections = (s.duplicateConnections ?? 0) + u.duplicateConnections;
  s.lastDuplicate = laterOf(s.lastDuplicate ?? null, u.lastDuplicate);
  const c = u.connection;
  if (c && connectionApplies(s, u.instance, c)) {
    s.connected = c.closedAt === null;
    s.connectedSince = c.since;
    s.remote = c.remote;
    s.instance = u.instance;
    s.disconnectedAt = c.closedAt;
    s.disconnectReason = c.reason;
  }
  return s;
}

/** One update saying what `older` then `newer` (of the same instance and logger) say. */
export function combineUpdates(older: DeviceStateUpdate, newer: DeviceStateUpdate): DeviceStateUpdate {
  return {
    ...newer,
    packets: older.packets + newer.packets,
    heartbeats: older.heartbeats + newer.heartbeats,
    statusRecords: older.statusRecords + newer.statusRecords,
    lastPacket: laterOf(older.lastPacket, newer.lastPacket),
    lastHeartbeatAt: later(older.lastHeartbeatAt, newer.lastHeartbeatAt),
    lastStatusAt: later(older.lastStatusAt, newer.lastStatusAt),
    lastCheck: laterOf(older.lastCheck, newer.lastCheck),
    lastHourlyRecordAt: later(older.lastHourlyRecordAt, newer.lastHourlyRecordAt),
    duplicateConnections: older.duplicateConnections + newer.duplicateConnections,
    lastDuplicate: laterOf(older.lastDuplicate, newer.lastDuplicate),
    connection: newer.connection ?? older.connection,
  };
}
