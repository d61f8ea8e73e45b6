/**
 * The seams between the HJ 212 gateway (framing, codec, sessions, server: this folder) and the rest of Qingliu
 * (the catalog that registers loggers, the ingest pipeline that makes readings durable, the device-state record).
 * The gateway depends only on these types; the composition root (src/app.ts) plugs the real implementations in.
 */
import type { DataFlag } from '../../domain/flags.js';
import type { ParameterCode } from '../../domain/parameters.js';
import type { DeadLetter } from '../../domain/reading.js';

/** Which protocol a logger speaks (catalog `hj212.protocol`); the catalog wins over the Flag bits. */
export type Hj212Protocol = 'hj212-2017' | 'hj212-2025' | 'surface-water';

/**
 * The logger's data streams: 2011 real-time, 2051 minute, 2061 hourly, 2031 daily (HJ 212-2017 Table 5).
 * Aggregates carry `DataTime` = the start of their period.
 */
export type Hj212Stream = 'realtime' | 'minute' | 'hourly' | 'daily';

/** A registered logger, resolved from the catalog at start-up (secrets read from the named env variables). */
export interface Hj212Device {
  /** The logger's MN (any string; national stations use e.g. `A140100_2006`). */
  mn: string;
  stationId: string;
  protocol: Hj212Protocol;
  /** The access password PW, from `password_env`; undefined = PW not checked. Never logged. */
  password?: string;
  /** 16-byte SM4 key from `sm4_key_env` (encrypted HJ 212-2025 devices). Never logged. */
  sm4Key?: Buffer;
  /** Unit per HJ 212 code where this device departs from the code table (e.g. metals in mg/L). */
  units: Readonly<Record<string, string>>;
  /** Which stream is the station's record for trends, compliance and alerts (docs/adr on logger aggregates). */
  record: Hj212Stream;
}

export interface DeviceDirectory {
  byMn(mn: string): Hj212Device | undefined;
}

/** One pollutant of one data packet, in Qingliu's canonical unit. `value` is `-Rtd`, or `-Avg` for aggregates. */
export interface Hj212Value {
  parameter: ParameterCode;
  value: number;
  flag: DataFlag;
  min?: number;
  max?: number;
  /** `-Cou`: the cumulative amount over the period (e.g. discharge volume), when sent. */
  cou?: number;
}

/** The decoded content of one data upload (2011/2051/2061/2031), after reassembly and decryption. */
export interface Hj212Batch {
  stationId: string;
  mn: string;
  cn: string;
  stream: Hj212Stream;
  /** `DataTime` as epoch ms: the station's local time converted with the catalog's / TIMEZONE's zone. */
  ts: number;
  values: Hj212Value[];
  /** RF=1 back-fill, or an answer to Qingliu's own gap-fill request: stored as late data, never as live. */
  late: boolean;
  receivedAt: number;
}

/** Where decoded packets go: the same pipeline, spool and forwarder as MQTT. */
export interface Hj212Sink {
  /** Resolves once the batch is durable in the spool: only then may the gateway send 9014. Rejects otherwise. */
  accept(batch: Hj212Batch): Promise<void>;
  /** Resolves once the dead letter (reason + raw packet, hex when binary) is durable. */
  deadLetter(letter: DeadLetter): Promise<void>;
}

/** What the gateway reports about each logger, for the API's device state and for sensor health. */
export interface DeviceEvents {
  connected(mn: string, at: number, remote: string): void;
  disconnected(mn: string, at: number, reason: string): void;
  /** Any valid packet; `protocolSeen` is what the Flag bits said. */
  packet(mn: string, at: number, cn: string, protocolSeen: Hj212Protocol): void;
  heartbeat(mn: string, at: number): void;
  /**
   * Equipment status (2021/3020 `SB…-RS`, `i12001-Info`) and 2062 standard-sample checks, as decoded fields. The
   * upload is answered once a returned promise resolves (the record is durable); it rejects → not answered.
   */
  status(mn: string, at: number, cn: string, fields: Readonly<Record<string, string>>): void | Promise<void>;
  /** An hourly record (2061) with this DataTime is durable: gap fill starts after it, also after a restart. */
  hourlyRecord?(mn: string, ts: number): void;
  /**
   * A second connection presented an MN that another connection holds (docs/hj212.md §5): it `took_over` (the old
   * one was silent: half-open) or was `refused` (the old one is live). `remote` is the new connection's address.
   */
  duplicate?(mn: string, at: number, remote: string, outcome: DuplicateOutcome): void;
}

export type DuplicateOutcome = 'took_over' | 'refused';
