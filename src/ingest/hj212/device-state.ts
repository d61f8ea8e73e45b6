/**
 * Per-logger connection state and equipment records (issue 13 §5, §7): the gateway's DeviceEvents folded into a
 * state per MN, written to a DeviceStateStore that the API reads — perhaps in another process (ROLES). Packet
 * counters change at every packet, so states are written in batches (every `flushMs`); status and 2062 check
 * records are written as they come (they are rare and the record of what happened).
 */
import type { Logger } from '../../logger.js';
import type { DeviceDirectory, DeviceEvents, DuplicateOutcome, Hj212Protocol } from './contracts.js';
import { checkResults } from './device-marks.js';

export interface DeviceState {
  mn: string;
  stationId: string;
  /** What the catalog says; it wins over what the packets' Flag bits say. */
  protocol: Hj212Protocol;
  /** What the last packet's Flag bits said. */
  protocolSeen: Hj212Protocol | null;
  connected: boolean;
  /** Epoch ms of the current connection's start (or the last one's, when disconnected). */
  connectedSince: number | null;
  remote: string | null;
  disconnectedAt: number | null;
  disconnectReason: string | null;
  lastPacketAt: number | null;
  lastPacketCn: string | null;
  lastHeartbeatAt: number | null;
  /** Valid packets since the state was first recorded. */
  packets: number;
  heartbeats: number;
  statusRecords: number;
  lastStatusAt: number | null;
  /** The last 2062 standard-sample check: when, and whether every checked pollutant passed. */
  lastCheckAt: number | null;
  lastCheckPassed: boolean | null;
  /**
   * DataTime of the newest hourly record (2061) made durable: where gap fill starts after a reconnection, also
   * after a restart of the ingester (absent in states recorded before it existed).
   */
  lastHourlyRecordAt?: number | null;
  /**
   * Connections that presented this MN while another held it (docs/hj212.md §5: a logger back after a network
   * change, or a second logger with the same MN), and the last one's time and outcome (absent in older states).
   */
  duplicateConnections?: number;
  lastDuplicate?: { at: number; remote: string; outcome: DuplicateOutcome } | null;
}

/** An equipment status (2021/3020) or a 2062 standard-sample check, as the logger sent it. */
export interface DeviceRecord {
  mn: string;
  stationId: string;
  at: number;
  cn: string;
  kind: 'status' | 'check';
  /** For a check: false when any `-ResultType` is 0 (HJ 212-2025: 1 pass, 0 fail). null for status. */
  passed: boolean | null;
  /** Pollutant codes whose check failed. */
  failed: string[];
  fields: Record<string, string>;
}

/** The storage port: SQLite in DATA_DIR today (sqlite-device-state.ts), PostgreSQL later. */
export interface DeviceStateStore {
  saveStates(states: readonly DeviceState[]): Promise<void>;
  addRecord(record: DeviceRecord): Promise<void>;
  states(): Promise<DeviceState[]>;
  stateOfStation(stationId: string): Promise<DeviceState | undefined>;
  /** Newest first. */
  records(query: { stationId: string; from?: number; to?: number; limit?: number }): Promise<DeviceRecord[]>;
  /**
   * Every status and check record of these stations received in [from, to), oldest first (then in the order
   * recorded): what sensor health derives its device marks from (device-marks.ts). Callers bound the range.
   */
  recordsBetween(query: { stationIds: readonly string[]; from: number; to: number }): Promise<DeviceRecord[]>;
  close(): Promise<void>;
}

/** HJ 212-2025 standard-sample check (CN 2062): `w21003-ResultType=0` (or `w21003/ResultType=0` after PolId). */
export function checkOutcome(fields: Readonly<Record<string, string>>): { passed: boolean | null; failed: string[] } {
  const failed: string[] = [];
  let seen = false;
  for (const [code, { result }] of checkResults(fields)) {
    if (result === undefined) continue;
    seen = true;
    if (result === '0') failed.push(code);
  }
  return { passed: seen ? failed.length === 0 : null, failed };
}

export interface DeviceStateEventsOptions {
  store: DeviceStateStore;
  directory: DeviceDirectory;
  logger: Logger;
  flushMs?: number;
  /** Told once a status or check record is stored (sensor health reports the windows it changes). */
  recorded?: (record: DeviceRecord) => Promise<void>;
}

export interface DeviceStateEvents extends Required<DeviceEvents> {
  /** DataTime of the newest hourly record recorded for this MN, by this process or an earlier one. */
  lastHourlyRecord(mn: string): number | undefined;
  /** Writes the changed states now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer (the store stays open: its owner closes it). */
  stop(): Promise<void>;
}

export function newDeviceState(mn: string, stationId: string, protocol: Hj212Protocol): DeviceState {
  return {
    mn,
    stationId,
    protocol,
    protocolSeen: null,
    connected: false,
    connectedSince: null,
    remote: null,
    disconnectedAt: null,
    disconnectReason: null,
    lastPacketAt: null,
    lastPacketCn: null,
    lastHeartbeatAt: null,
    packets: 0,
    heartbeats: 0,
    statusRecords: 0,
    lastStatusAt: null,
    lastCheckAt: null,
    lastCheckPassed: null,
    lastHourlyRecordAt: null,
  };
}

/** Loads the recorded states (counters continue across restarts), then keeps them current. */
export async function createDeviceStateEvents(options: DeviceStateEventsOptions): Promise<DeviceStateEvents> {
  const { store, directory } = options;
  const log = options.logger.child({ component: 'hj212-devices' });
  const states = new Map<string, DeviceState>();
  for (const s of await store.states()) {
    // A connection recorded as open was cut by the previous process's end.
    states.set(s.mn, s.connected ? { ...s, connected: false, disconnectReason: 'restart' } : s);
  }
  const dirty = new Set<string>();

  function stateOf(mn: string): DeviceState | undefined {
    let state = states.get(mn);
    const device = directory.byMn(mn);
    if (!device) return state;
    if (!state || state.stationId !== device.stationId || state.protocol !== device.protocol) {
      state = {
        ...(state ?? newDeviceState(mn, device.stationId, device.protocol)),
        stationId: device.stationId,
        protocol: device.protocol,
      };
      states.set(mn, state);
    }
    dirty.add(mn);
    return state;
  }

  let flushing: Promise<void> = Promise.resolve();
  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      if (dirty.size === 0) return;
      const changed = [...dirty].flatMap((mn) => (states.has(mn) ? [{ ...states.get(mn)! }] : []));
      dirty.clear();
      try {
        await store.saveStates(changed);
      } catch (err) {
        for (const s of changed) dirty.add(s.mn);
        log.warn({ err }, 'could not record the loggers’ state; retrying');
      }
    });
    return flushing;
  }
  const timer = setInterval(() => void flush(), options.flushMs ?? 1000);
  timer.unref();

  async function record(
    mn: string,
    at: number,
    cn: string,
    fields: Readonly<Record<string, string>>,
    state: DeviceState,
  ): Promise<void> {
    const check = cn === '2062';
    const outcome = check ? checkOutcome(fields) : { passed: null, failed: [] };
    if (check) {
      state.lastCheckAt = at;
      state.lastCheckPassed = outcome.passed;
      if (outcome.passed === false)
        log.warn({ mn, station: state.stationId, failed: outcome.failed }, 'standard-sample check (2062) failed');
    } else {
      state.statusRecords++;
      state.lastStatusAt = at;
    }
    const rec: DeviceRecord = {
      mn,
      stationId: state.stationId,
      at,
      cn,
      kind: check ? 'check' : 'status',
      passed: outcome.passed,
      failed: outcome.failed,
      fields: { ...fields },
    };
    try {
      await store.addRecord(rec);
    } catch (err) {
      log.warn({ err, mn, cn }, 'could not record a device status; not answered, the logger resends');
      throw err;
    }
    try {
      await options.recorded?.(rec);
    } catch (err) {
      log.error({ err, mn, cn }, 'a device record was stored but what it changes could not be reported');
    }
  }

  return {
    connected(mn, at, remote) {
      const s = stateOf(mn);
      if (!s) return;
      Object.assign(s, { connected: true, connectedSince: at, remote, disconnectedAt: null, disconnectReason: null });
    },
    disconnected(mn, at, reason) {
      const s = stateOf(mn);
      if (!s) return;
      Object.assign(s, { connected: false, disconnectedAt: at, disconnectReason: reason });
    },
    packet(mn, at, cn, protocolSeen) {
      const s = stateOf(mn);
      if (!s) return;
      s.packets++;
      s.lastPacketAt = at;
      s.lastPacketCn = cn;
      s.protocolSeen = protocolSeen;
    },
    heartbeat(mn, at) {
      const s = stateOf(mn);
      if (!s) return;
      s.heartbeats++;
      s.lastHeartbeatAt = at;
    },
    async status(mn, at, cn, fields) {
      const s = stateOf(mn);
      if (s) await record(mn, at, cn, fields, s);
    },
    hourlyRecord(mn, ts) {
      const s = stateOf(mn);
      if (s && ts > (s.lastHourlyRecordAt ?? -Infinity)) s.lastHourlyRecordAt = ts;
    },
    duplicate(mn, at, remote, outcome) {
      const s = stateOf(mn);
      if (!s) return;
      s.duplicateConnections = (s.duplicateConnections ?? 0) + 1;
      s.lastDuplicate = { at, remote, outcome };
    },
    lastHourlyRecord: (mn) => states.get(mn)?.lastHourlyRecordAt ?? undefined,
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
