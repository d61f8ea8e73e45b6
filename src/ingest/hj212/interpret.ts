/**
 * What a decoded packet means for the gateway, given the logger's catalog entry: a batch of readings to make
 * durable, a status report, a heartbeat, a time request, an answer to one of our requests, or a refusal. Pure:
 * the session does the I/O (sink, answers, events) for each outcome.
 */
import type { Zone } from '../../domain/time-window.js';
import {
  ANSWER_COMMANDS,
  DATA_COMMANDS,
  HEARTBEAT,
  KNOWN_COMMANDS,
  STATUS_COMMANDS,
  SYSTEM_CODES,
  TIME_REQUEST,
} from './commands.js';
import type { Hj212Batch, Hj212Device, Hj212Protocol } from './contracts.js';
import { parseCp, type CpGroups } from './cp.js';
import { readMeasurements } from './measurements.js';
import { flagVersion, type Hj212Packet } from './packet.js';
import type { Hj212Problem } from './reasons.js';

export type Interpretation =
  | { kind: 'reject'; problem: Hj212Problem }
  /** `batch` undefined when nothing in the packet could be kept (the problems say why). */
  | { kind: 'data'; batch: Hj212Batch | undefined; problems: Hj212Problem[] }
  | { kind: 'status'; fields: Record<string, string> }
  | { kind: 'heartbeat' }
  | { kind: 'time_request' }
  | { kind: 'answer' };

export interface InterpretContext {
  now: number;
  zone: Zone;
  maxFutureSkewMs: number;
  /** True when this packet answers Qingliu's own gap-fill request: its data is late. */
  requested?: (packet: Hj212Packet, ts: number) => boolean;
}

/** Refusals that depend only on the catalog entry (no CP parsing): unknown MN, wrong PW, unknown ST/CN. */
export function checkDevice(packet: Hj212Packet, device: Hj212Device | undefined): Hj212Problem | undefined {
  if (!device)
    return {
      reason: 'unknown_device',
      detail: `MN ${JSON.stringify(packet.mn.slice(0, 64))} is not registered in the catalog`,
    };
  // The password is never part of the detail (issue 13 §6: refused and logged without it).
  if (device.password !== undefined && packet.pw !== device.password)
    return {
      reason: 'wrong_password',
      detail: packet.pw === undefined ? 'PW is missing' : 'PW does not match the password configured for this MN',
    };
  if (!SYSTEM_CODES.has(packet.st) && !/^[A-Z]/.test(packet.st))
    return { reason: 'unknown_system', detail: `ST=${packet.st} is not a system code of HJ 212 (Table 5)` };
  return undefined;
}

export function interpret(packet: Hj212Packet, device: Hj212Device, ctx: InterpretContext): Interpretation {
  const cn = packet.cn;
  const stream = DATA_COMMANDS[cn];
  if (stream) {
    const read = readMeasurements(packet.cp, {
      stream,
      units: device.units,
      zone: ctx.zone,
      now: ctx.now,
      maxFutureSkewMs: ctx.maxFutureSkewMs,
    });
    if ('reason' in read) return { kind: 'reject', problem: read };
    if (read.ts === undefined || read.values.length === 0) {
      if (read.problems.length === 0)
        read.problems.push({ reason: 'malformed_cp', detail: `CN=${cn} carries no pollutant values` });
      return { kind: 'data', batch: undefined, problems: read.problems };
    }
    const late = packet.rf || (ctx.requested?.(packet, read.ts) ?? false);
    return {
      kind: 'data',
      batch: {
        stationId: device.stationId,
        mn: device.mn,
        cn,
        stream,
        ts: read.ts,
        values: read.values,
        late,
        receivedAt: ctx.now,
      },
      problems: read.problems,
    };
  }
  if (STATUS_COMMANDS.has(cn)) {
    const groups = parseCp(packet.cp);
    if ('reason' in groups) return { kind: 'reject', problem: groups };
    return { kind: 'status', fields: statusFields(groups) };
  }
  if (cn === HEARTBEAT) return { kind: 'heartbeat' };
  if (cn === TIME_REQUEST) return { kind: 'time_request' };
  if (ANSWER_COMMANDS.has(cn)) return { kind: 'answer' };
  if (KNOWN_COMMANDS.has(cn))
    return {
      kind: 'reject',
      problem: { reason: 'unsupported_command', detail: `CN=${cn} is not handled by Qingliu (kept and counted)` },
    };
  return {
    kind: 'reject',
    problem: { reason: 'unknown_command', detail: `CN=${cn} is not a command of HJ 212-2017 or HJ 212-2025` },
  };
}

/**
 * Status fields, flat: `SB1-RS=1`; items after a `PolId=` are prefixed with it (`w21003/i12001-Info=0`), since a
 * national station reports every instrument's status in one packet (hj212-2025.md §5).
 */
export function statusFields(groups: CpGroups): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const group of groups) {
    let prefix = '';
    for (const [name, value] of group) {
      if (name === 'PolId') {
        prefix = `${value}/`;
        continue;
      }
      fields[`${prefix}${name}`] = value;
    }
  }
  return fields;
}

/** The protocol the Flag bits claim; undefined when they say nothing (no Flag, or HJ/T 212-2005). */
export function protocolSeen(packet: Hj212Packet): Hj212Protocol | undefined {
  if (packet.st === '21' && packet.flag !== undefined && flagVersion(packet.flag) === 2) return 'surface-water';
  const version = flagVersion(packet.flag);
  return version === 1 ? 'hj212-2017' : version === 2 ? 'hj212-2025' : undefined;
}

/** True when the traffic disagrees with the catalog (a warning: the catalog wins, hj212-2025.md §3). */
export function protocolDisagrees(device: Hj212Device, seen: Hj212Protocol | undefined): boolean {
  if (seen === undefined) return false;
  if (device.protocol === 'surface-water') return seen === 'hj212-2017';
  if (device.protocol === 'hj212-2025') return seen === 'hj212-2017';
  return seen !== 'hj212-2017';
}

/** Flag of our answers and requests: the version bits of the device's protocol (catalog), bit 0 as asked. */
export function answerFlag(protocol: Hj212Protocol, wantAnswer = false): number {
  const version = protocol === 'hj212-2017' ? 1 : 2;
  return (version << 2) | (wantAnswer ? 1 : 0);
}
