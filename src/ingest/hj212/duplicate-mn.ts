/**
 * One connection per logger (MN). A second connection presenting an MN that another connection holds is either the
 * same logger back after a NAT or mobile-network change — its old connection is half-open: nothing arrives on it
 * any more, and TCP may take many minutes to notice — or a second logger configured with the same MN, whose data
 * would interleave with the first's under one station. Only the old connection's recent traffic tells them apart:
 * a logger that reconnects has stopped sending on the old one (it resends what went unanswered on the new one).
 */
import type { DuplicateOutcome } from './contracts.js';

/**
 * `refused` when the old connection delivered a valid packet of the MN within `aliveMs` (it is demonstrably
 * alive: the newcomer is the duplicate), else `took_over` (the old one is taken as half-open and closed).
 */
export function duplicateOutcome(oldLastPacketAt: number, now: number, aliveMs: number): DuplicateOutcome {
  return now - oldLastPacketAt < aliveMs ? 'refused' : 'took_over';
}
