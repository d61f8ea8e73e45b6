/**
 * Who may see and do what — the one place that decides it. Routes ask here; they never test roles themselves.
 * Stations a principal may not see are answered exactly like stations that do not exist (404), so an operator or
 * a viewer cannot learn which stations exist (issue 4, "Access").
 */
import { text } from '../i18n.js';
import { ApiProblem } from '../problem.js';
import type { Principal, Role } from './principal.js';

/** What the policy needs of a catalog station (the catalog's `Station` satisfies it). */
export interface StationAccess {
  id: string;
  /** Plant id, for plant influent/effluent and outfall stations. */
  plant?: string | undefined;
  /** Visible to the open-data viewer role. */
  public: boolean;
}

/**
 * Actions beyond reading stations. bureau: "read everything, acknowledge alerts"; operators act on their own
 * plants' alerts only (check `canActOnStation` too); viewers read public station data and nothing else.
 */
export const PERMISSIONS = {
  'stations:read': ['admin', 'bureau', 'operator', 'viewer'],
  'evaluate': ['admin', 'bureau', 'operator', 'viewer'],
  'alerts:read': ['admin', 'bureau', 'operator'],
  'alerts:acknowledge': ['admin', 'bureau', 'operator'],
  'alerts:resolve': ['admin', 'bureau', 'operator'],
  'dead-letters:read': ['admin', 'bureau'],
  'jobs:read': ['admin', 'bureau'],
  'reports:issues': ['admin', 'bureau'],
  // Data marks (issue 14): operators mark their own plants' data (pending until the bureau approves), the bureau
  // approves or rejects; a viewer reads the marks of public stations.
  'marks:read': ['admin', 'bureau', 'operator', 'viewer'],
  'marks:create': ['admin', 'bureau', 'operator'],
  'marks:approve': ['admin', 'bureau'],
  'marks:revoke': ['admin', 'bureau', 'operator'],
  'jobs:run': ['admin'],
  'keys:manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(principal: Principal, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(principal.role);
}

export function canSeeStation(principal: Principal, station: StationAccess): boolean {
  switch (principal.role) {
    case 'admin':
    case 'bureau':
      return true;
    case 'operator':
      return station.plant !== undefined && principal.plants.includes(station.plant);
    case 'viewer':
      return station.public;
  }
}

/** Whether the principal may act (acknowledge, resolve) on this station's alerts: the permission and the station. */
export function canActOnStation(principal: Principal, station: StationAccess, permission: Permission): boolean {
  return can(principal, permission) && canSeeStation(principal, station);
}

/**
 * Whether the principal may revoke a mark in this state (after `canActOnStation(…, 'marks:revoke')`): the bureau
 * and admin revoke pending and approved marks; an operator may only withdraw a mark still pending — taking an
 * approved mark out of effect is the bureau's decision, as putting it in effect was.
 */
export function canRevokeMark(principal: Principal, state: string): boolean {
  if (!can(principal, 'marks:revoke')) return false;
  return principal.role === 'operator' ? state === 'pending' : true;
}

export function canSeePlant(principal: Principal, plantId: string): boolean {
  if (principal.role === 'admin' || principal.role === 'bureau') return true;
  return principal.role === 'operator' && principal.plants.includes(plantId);
}

/**
 * Which part of a water-quality report (issue 15) a principal gets: bureau and admin the whole report, an operator
 * its own plants only, a viewer the public sections.
 */
export type ReportScope = { kind: 'all' } | { kind: 'operator'; plants: readonly string[] } | { kind: 'public' };

export function reportScopeOf(principal: Principal): ReportScope {
  switch (principal.role) {
    case 'admin':
    case 'bureau':
      return { kind: 'all' };
    case 'operator':
      return { kind: 'operator', plants: principal.plants };
    case 'viewer':
      return { kind: 'public' };
  }
}

export function filterVisibleStations<S extends StationAccess>(principal: Principal, stations: readonly S[]): S[] {
  return stations.filter((s) => canSeeStation(principal, s));
}

/** The 404 for a station that does not exist or that this principal may not see: the same response for both. */
export function stationNotFound(id: string): ApiProblem {
  return new ApiProblem({
    code: 'station-not-found',
    detail: text(`站点 "${id}" 不存在`, `There is no station "${id}"`),
  });
}

/**
 * Looks a station up and applies the policy: returns it, or throws the 404 problem for missing and unseen alike.
 * `find` is typically `(id) => catalog.station(id)`.
 */
export function visibleStationOr404<S extends StationAccess>(principal: Principal, id: string, find: (id: string) => S | undefined): S {
  const station = find(id);
  if (!station || !canSeeStation(principal, station)) throw stationNotFound(id);
  return station;
}

/** The 403 for a permitted-looking request the role may not make; names the roles that may. */
export function forbidden(principal: Principal, permission: Permission): ApiProblem {
  const allowed = (PERMISSIONS[permission] as readonly Role[]).join(', ');
  return new ApiProblem({
    code: 'forbidden',
    detail: text(
      `此 API 密钥的角色（${principal.role}）无权执行 ${permission}；需要以下角色之一：${allowed}`,
      `This API key's role (${principal.role}) may not ${permission}; it requires one of: ${allowed}`,
    ),
    extensions: { permission, role: principal.role },
  });
}
