/**
 * Reassembly of split packets (Flag bit 1, PNUM/PNO: HJ 212-2017 Table 3; mandatory above 1,024 characters in
 * HJ 212-2025, hj212-2025.md §2 row 15). Pure: the session calls `expire(now)` from its own timer, so tests need no
 * clock. Parts are grouped by MN, CN and PNUM (each part has its own QN, HJ 212-2017 C.49/C.50); their CP areas are
 * joined in PNO order. Limits on parts, bytes and groups keep a misbehaving logger from holding memory.
 */
import type { Hj212Packet } from './packet.js';
import { FLAG_SPLIT } from './packet.js';

export interface Part {
  packet: Hj212Packet;
  raw: Buffer;
  receivedAt: number;
}

export interface Reassembled {
  /** The whole: the first part's header, PNUM/PNO dropped, the CP areas joined. */
  packet: Hj212Packet;
  /** Every part, in PNO order (each is answered with its own QN). */
  parts: Part[];
}

export interface ReassemblerOptions {
  /** A group not complete this long after its first part is given up (a dead letter `split_incomplete`). */
  maxAgeMs: number;
  maxParts?: number;
  maxGroups?: number;
  maxBytes?: number;
}

export interface Reassembler {
  /** A part in; the whole once every PNO 1…PNUM is there. */
  add(part: Part): Reassembled | undefined;
  /** Groups older than `maxAgeMs` (or evicted by the limits), removed. */
  expire(now: number): Part[][];
  readonly pending: number;
}

interface Group {
  pnum: number;
  first: number;
  bytes: number;
  parts: Map<number, Part>;
}

export function createReassembler(options: ReassemblerOptions): Reassembler {
  const maxParts = options.maxParts ?? 64;
  const maxGroups = options.maxGroups ?? 8;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const groups = new Map<string, Group>();
  const evicted: Part[][] = [];

  return {
    add(part) {
      const { packet } = part;
      const pnum = packet.pnum ?? 1;
      const pno = packet.pno ?? 1;
      const key = `${packet.mn}\u0000${packet.cn}\u0000${pnum}`;
      let group = groups.get(key);
      if (!group) {
        if (groups.size >= maxGroups) {
          const [oldestKey, oldest] = groups.entries().next().value as [string, Group];
          groups.delete(oldestKey);
          evicted.push([...oldest.parts.values()]);
        }
        group = { pnum, first: part.receivedAt, bytes: 0, parts: new Map() };
        groups.set(key, group);
      }
      const previous = group.parts.get(pno);
      group.bytes += part.raw.length - (previous?.raw.length ?? 0);
      group.parts.set(pno, part); // a resent part replaces the earlier copy
      if (pnum > maxParts || group.bytes > maxBytes) {
        groups.delete(key);
        evicted.push([...group.parts.values()]);
        return undefined;
      }
      if (group.parts.size < pnum) return undefined;
      groups.delete(key);
      const parts = [...group.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
      const head = parts[0]!.packet;
      const cp = parts
        .map((p) => p.packet.cp.replace(/;+$/, ''))
        .filter((text) => text !== '')
        .join(';');
      return {
        packet: {
          ...head,
          flag: head.flag === undefined ? undefined : head.flag & ~FLAG_SPLIT,
          pnum: undefined,
          pno: undefined,
          rf: parts.some((p) => p.packet.rf),
          cp,
        },
        parts,
      };
    },

    expire(now) {
      const out = evicted.splice(0);
      for (const [key, group] of groups) {
        if (now - group.first < options.maxAgeMs) continue;
        groups.delete(key);
        out.push([...group.parts.values()].sort((a, b) => (a.packet.pno ?? 0) - (b.packet.pno ?? 0)));
      }
      return out;
    },

    get pending() {
      return groups.size;
    },
  };
}
