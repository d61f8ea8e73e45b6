/**
 * The CP data area (HJ 212-2017 §6.3.3): `name=value` items; items of one group separated by `,`, groups by `;`.
 * Field names are case-sensitive. Pure.
 */
import type { Hj212Problem } from './reasons.js';

export type CpItem = readonly [name: string, value: string];
export type CpGroups = CpItem[][];

/** Groups of items; a problem when an item is not `name=value`. Empty groups (a trailing `;`) are skipped. */
export function parseCp(cp: string): CpGroups | Hj212Problem {
  const groups: CpGroups = [];
  if (cp === '') return groups;
  for (const groupText of cp.split(';')) {
    if (groupText === '') continue;
    const group: CpItem[] = [];
    for (const itemText of groupText.split(',')) {
      const eq = itemText.indexOf('=');
      if (eq <= 0) {
        const shown = itemText.length > 64 ? `${itemText.slice(0, 64)}…` : itemText;
        return { reason: 'malformed_cp', detail: `CP item ${JSON.stringify(shown)} is not name=value` };
      }
      group.push([itemText.slice(0, eq), itemText.slice(eq + 1)]);
    }
    groups.push(group);
  }
  return groups;
}

/** The first value of a field anywhere in the CP area. */
export function cpField(groups: CpGroups, name: string): string | undefined {
  for (const group of groups) for (const [k, v] of group) if (k === name) return v;
  return undefined;
}

/** The CP area back as text (for reassembled split packets and the encoder). */
export function formatCp(groups: CpGroups): string {
  return groups.map((group) => group.map(([k, v]) => `${k}=${v}`).join(',')).join(';');
}
