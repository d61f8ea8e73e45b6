/**
 * Per-logger connection state and equipment records (issue 13 §5, §7): the gateway's DeviceEvents folded into a
 * state per MN, written to a DeviceStateStore that the API reads — perhaps in another process (ROLES). Packet
 * counters change at every packet, so what changed is written in batches (every `flushMs`), as updates the store
 * merges into the recorded state (device-state-merge.ts): several ingest instances behind a TCP load balancer
 * share one state per logger. Status and 2062 check records are written as they come (they are rare and the
 * record of what happened).
 */
import type { Logger } from '../../logger.js';
import type { DeviceDirectory, DeviceEvents, DuplicateOutcome, Hj212Protocol } from './contracts.js';
import { checkResults } from './device-marks.js';
import { applyUpdate, combineUpdates, emptyUpdate, later, type DeviceStateUpdate } from './device-state-merge.js';

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
  /** The ingest instance (its MQTT client id) holding that connection; absent in states recorded before. */
  instance?: string | null;
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

/** The most records one query returns. */
export const DEVICE_RECORDS_MAX = 1000;

/**
 * The storage port: SQLite in DATA_DIR (sqlite-device-state.ts), PostgreSQL with DATABASE_URL (pg-device-state.ts),
 * one contract (test/ingest/device-state.contract.test.ts).
 */
export interface DeviceStateStore {
  /** Merges each update into its logger's recorded state (applyUpdate), atomically per call. */
  apply(updates: readonly DeviceStateUpdate[]): Promise<void>;
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

/**
 * Five seconds: what the API shows of a connection (last packet, counts) is at most that old; loggers report every
 * 30–60 s, and a connection silent for 15 minutes is taken for dead (IDLE_TIMEOUT_MS).
 */
export const DEVICE_STATE_FLUSH_MS = 5_000;

export interface DeviceStateEventsOptions {
  store: DeviceStateStore;
  directory: DeviceDirectory;
  logger: Logger;
  /**
   * How often the changed states are written (default DEVICE_STATE_FLUSH_MS). Each logger's state is one row read,
   * merged and written, ~10 µs here: a burst of 2,000 loggers each sending several packets a second (the
   * benchmark) costs a row per logger per flush, so a longer period costs less; loggers reporting every 30–60 s
   * cost a row per packet whatever the period.
   */
  flushMs?: number;
  /** Told once a status or check record is stored (sensor health reports the windows it changes). */
  recorded?: (record: DeviceRecord) => Promise<void>;
  /** This ingest instance (its MQTT client id): whose connections its updates report. */
  instance?: string;
  /** When a connection recorded as this instance's was cut by its previous process's end (default: Date.now). */
  now?: () => number;
}

export interface DeviceStateEvents extends Required<DeviceEvents> {
  /**
   * DataTime of the newest hourly record recorded for this MN, by this process, an earlier one or another ingest
   * instance (read from the store, so gap fill after the logger moved between instances asks for the right hours).
   */
  lastHourlyRecord(mn: string): Promise<number | undefined>;
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
    instance: null,
  };
}

/**
 * Loads the recorded states (counters continue across restarts), then sends what it sees as updates. A connection
 * recorded as this instance's was cut by its previous process's end; another instance's connections are left alone.
 */
export async function createDeviceStateEvents(options: DeviceStateEventsOptions): Promise<DeviceStateEvents> {
  const { store, directory } = options;
  const instance = options.instance ?? 'local';
  const log = options.logger.child({ component: 'hj212-devices' });
  /**
   * The recorded states as loaded, with the updates noted since — not the packets and heartbeats, counted into
   * `pending` only (`unwritten`): this map is read for gap fill's last hourly record, which they do not change.
   */
  const states = new Map<string, DeviceState>();
  /** What it saw and has not written yet, per MN. */
  const pending = new Map<string, DeviceStateUpdate>();

  const note = (u: DeviceStateUpdate) => {
    const before = pending.get(u.mn);
    pending.set(u.mn, before ? combineUpdates(before, u) : u);
    states.set(u.mn, applyUpdate(states.get(u.mn), u));
  };

  const restartedAt = (options.now ?? Date.now)();
  // Without the recorded states (the database does not answer yet) the updates still merge correctly; only this
  // instance's connections cut by its restart stay shown as open until their loggers reconnect.
  const recorded = await store.states().catch((err: unknown) => {
    log.warn({ err }, 'could not read the loggers’ recorded state; recording what comes');
    return [];
  });
  for (const s of recorded) {
    states.set(s.mn, s);
    // A state without an instance was recorded before they were named, by the one instance there was.
    if (s.connected && (s.instance == null || s.instance === instance) && s.connectedSince !== null) {
      note({
        ...emptyUpdate(s.mn, s.stationId, s.protocol, instance),
        connection: { since: s.connectedSince, remote: s.remote ?? '', closedAt: restartedAt, reason: 'restart' },
      });
    }
  }

  /**
   * The logger's news not written yet, to count into in place: the hot path (every packet, every heartbeat) makes
   * no new objects. Safe, since a flush takes the pending updates out of the map before writing them. Packets and
   * heartbeats change nothing of `states` that this instance reads (gap fill's last hourly record).
   */
  function unwritten(mn: string): DeviceStateUpdate | undefined {
    let news = pending.get(mn);
    if (!news) {
      news = updateOf(mn);
      if (news) pending.set(mn, news);
    }
    return news;
  }

  /** An empty update of a catalog logger (undefined for an MN the catalog does not know). */
  function updateOf(mn: string): DeviceStateUpdate | undefined {
    const device = directory.byMn(mn);
    return device ? emptyUpdate(mn, device.stationId, device.protocol, instance) : undefined;
  }

  let flushing: Promise<void> = Promise.resolve();
  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      if (pending.size === 0) return;
      const changed = [...pending.values()];
      pending.clear();
      try {
        await store.apply(changed);
      } catch (err) {
        // Kept, and combined with what comes meanwhile: counts are never lost nor counted twice.
        for (const u of changed) {
          const meanwhile = pending.get(u.mn);
          pending.set(u.mn, meanwhile ? combineUpdates(u, meanwhile) : u);
        }
        log.warn({ err }, 'could not record the loggers’ state; retrying');
      }
    });
    return flushing;
  }
  const timer = setInterval(() => void flush(), options.flushMs ?? DEVICE_STATE_FLUSH_MS);
  timer.unref();

  async function record(
    mn: string,
    at: number,
    cn: string,
    fields: Readonly<Record<string, string>>,
    u: DeviceStateUpdate,
  ): Promise<void> {
    const check = cn === '2062';
    const outcome = check ? checkOutcome(fields) : { passed: null, failed: [] };
    if (check && outcome.passed === false)
      log.warn({ mn, station: u.stationId, failed: outcome.failed }, 'standard-sample check (2062) failed');
    const rec: DeviceRecord = {
      mn,
      stationId: u.stationId,
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
    // Counted once stored: a record the logger resends after a failure is counted once.
    note(check ? { ...u, lastCheck: { at, passed: outcome.passed } } : { ...u, statusRecords: 1, lastStatusAt: at });
    try {
      await options.recorded?.(rec);
    } catch (err) {
      log.error({ err, mn, cn }, 'a device record was stored but what it changes could not be reported');
    }
  }

  /** This instance's open connections: when each started (a disconnection names the connection it ends). */
  const open = new Map<string, { since: number; remote: string }>();

  return {
    connected(mn, at, remote) {
      const u = updateOf(mn);
      if (!u) return;
      open.set(mn, { since: at, remote });
      note({ ...u, connection: { since: at, remote, closedAt: null, reason: null } });
    },
    disconnected(mn, at, reason) {
      const u = updateOf(mn);
      const c = open.get(mn);
      if (!u || !c) return;
      open.delete(mn);
      note({ ...u, connection: { ...c, closedAt: at, reason } });
    },
    packet(mn, at, cn, protocolSeen) {
      const news = unwritten(mn);
      if (!news) return;
      news.packets += 1;
      if (!news.lastPacket || at >= news.lastPacket.at) news.lastPacket = { at, cn, protocolSeen };
    },
    heartbeat(mn, at) {
      const news = unwritten(mn);
      if (!news) return;
      news.heartbeats += 1;
      news.lastHeartbeatAt = later(news.lastHeartbeatAt, at);
    },
    async status(mn, at, cn, fields) {
      const u = updateOf(mn);
      if (u) await record(mn, at, cn, fields, u);
    },
    hourlyRecord(mn, ts) {
      const u = updateOf(mn);
      if (u) note({ ...u, lastHourlyRecordAt: ts });
    },
    async lastHourlyRecord(mn) {
      const mine = states.get(mn)?.lastHourlyRecordAt ?? undefined;
      const device = directory.byMn(mn);
      if (!device) return mine;
      // The logger may have reported through another ingest instance since this one loaded the states.
      const recorded = await store.stateOfStation(device.stationId).catch((err: unknown) => {
        log.warn(
          { err, mn },
          'could not read the logger’s recorded state; gap fill starts from what this instance saw',
        );
        return undefined;
      });
      const theirs = recorded?.mn === mn ? (recorded.lastHourlyRecordAt ?? undefined) : undefined;
      return mine === undefined ? theirs : theirs === undefined ? mine : Math.max(mine, theirs);
    },
    duplicate(mn, at, remote, outcome) {
      const u = updateOf(mn);
      if (u) note({ ...u, duplicateConnections: 1, lastDuplicate: { at, remote, outcome } });
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
