import { describe, expect, it } from 'vitest';
import { can, canActOnStation, canSeePlant, canSeeStation, filterVisibleStations, PERMISSIONS, visibleStationOr404 } from '../../src/api/auth/access-policy.js';
import type { Principal, Role } from '../../src/api/auth/principal.js';
import { ApiProblem } from '../../src/api/problem.js';
import { fixtureRoutes, STATIONS } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

const principal = (role: Role, plants: string[] = []): Principal => ({ keyId: role, name: role, role, plants });
const ADMIN = principal('admin');
const BUREAU = principal('bureau');
const OPERATOR = principal('operator', ['wwtp1']);
const VIEWER = principal('viewer');

// station kinds of the matrix: own plant, other plant, public non-plant, non-public non-plant
const OWN = { id: 'wwtp1-effluent', plant: 'wwtp1', public: false };
const OTHER = { id: 'wwtp2-effluent', plant: 'wwtp2', public: false };
const PUBLIC = { id: 'cj-outbound', public: true };
const PRIVATE = { id: 'xinzha', public: false };
const PUBLIC_PLANT = { id: 'wwtp2-outfall', plant: 'wwtp2', public: true };

describe('access policy: each role × each kind of station', () => {
  const matrix: Array<[string, Principal, boolean[]]> = [
    //                   own    other  public private public-plant(other)
    ['admin', ADMIN, [true, true, true, true, true]],
    ['bureau', BUREAU, [true, true, true, true, true]],
    ['operator', OPERATOR, [true, false, false, false, false]],
    ['viewer', VIEWER, [false, false, true, false, true]],
  ];
  it.each(matrix)('%s', (_name, p, expected) => {
    expect([OWN, OTHER, PUBLIC, PRIVATE, PUBLIC_PLANT].map((s) => canSeeStation(p, s))).toEqual(expected);
  });

  it('an operator with several plants sees each of them', () => {
    const multi = principal('operator', ['wwtp1', 'wwtp2']);
    expect(canSeeStation(multi, OWN) && canSeeStation(multi, OTHER)).toBe(true);
    expect(canSeePlant(multi, 'wwtp2')).toBe(true);
    expect(canSeePlant(OPERATOR, 'wwtp2')).toBe(false);
    expect(canSeePlant(VIEWER, 'wwtp1')).toBe(false);
    expect(canSeePlant(BUREAU, 'wwtp2')).toBe(true);
  });

  it('filters lists to the visible stations', () => {
    expect(filterVisibleStations(OPERATOR, STATIONS).map((s) => s.id)).toEqual(['wwtp1-effluent']);
    expect(filterVisibleStations(VIEWER, STATIONS).map((s) => s.id)).toEqual(['cj-outbound']);
    expect(filterVisibleStations(BUREAU, STATIONS)).toHaveLength(STATIONS.length);
  });

  it('permissions: bureau reads everything and acknowledges alerts; viewers only read; jobs run for admins', () => {
    expect(can(BUREAU, 'alerts:acknowledge')).toBe(true);
    expect(can(BUREAU, 'jobs:run')).toBe(false);
    expect(can(VIEWER, 'alerts:read')).toBe(false);
    expect(can(VIEWER, 'stations:read')).toBe(true);
    expect(can(ADMIN, 'keys:manage')).toBe(true);
    for (const roles of Object.values(PERMISSIONS)) expect(roles).toContain('admin');
  });

  it('operators act on their own plants\' alerts only', () => {
    expect(canActOnStation(OPERATOR, OWN, 'alerts:acknowledge')).toBe(true);
    expect(canActOnStation(OPERATOR, OTHER, 'alerts:acknowledge')).toBe(false);
    expect(canActOnStation(VIEWER, PUBLIC, 'alerts:acknowledge')).toBe(false);
    expect(canActOnStation(BUREAU, OTHER, 'alerts:acknowledge')).toBe(true);
  });

  it('visibleStationOr404 throws the same 404 for missing and unseen stations', () => {
    const find = (id: string) => [OWN, OTHER].find((s) => s.id === id);
    expect(visibleStationOr404(OPERATOR, 'wwtp1-effluent', find)).toBe(OWN);
    const unseen = (() => {
      try {
        visibleStationOr404(OPERATOR, 'wwtp2-effluent', find);
      } catch (e) {
        return e as ApiProblem;
      }
    })();
    const missing = (() => {
      try {
        visibleStationOr404(OPERATOR, 'nope', find);
      } catch (e) {
        return e as ApiProblem;
      }
    })();
    expect(unseen).toBeInstanceOf(ApiProblem);
    expect(unseen?.status).toBe(404);
    expect({ ...unseen, detail: null }).toEqual({ ...missing, detail: null });
  });
});

describe('access through the API: unseen stations are 404, indistinguishable from missing ones', () => {
  const t = createTestApp({ routes: [fixtureRoutes({ now: () => Date.parse('2024-06-15T04:00:00Z') })] });
  const series = (id: string) => `/api/v1/stations/${id}/series?from=2024-06-01&to=2024-06-02&params=nh3n`;
  const expected: Record<Role, Record<string, number>> = {
    admin: { 'wwtp1-effluent': 200, 'wwtp2-effluent': 200, 'cj-outbound': 200, xinzha: 200 },
    bureau: { 'wwtp1-effluent': 200, 'wwtp2-effluent': 200, 'cj-outbound': 200, xinzha: 200 },
    operator: { 'wwtp1-effluent': 200, 'wwtp2-effluent': 404, 'cj-outbound': 404, xinzha: 404 },
    viewer: { 'wwtp1-effluent': 404, 'wwtp2-effluent': 404, 'cj-outbound': 200, xinzha: 404 },
  };
  for (const [role, byStation] of Object.entries(expected) as Array<[Role, Record<string, number>]>) {
    it(`${role}`, async () => {
      for (const [id, status] of Object.entries(byStation)) {
        const res = await t.request(series(id), { as: role });
        expect([id, res.status]).toEqual([id, status]);
      }
    });
  }

  it('the 404 bodies for an unseen and a missing station differ only in the id', async () => {
    const unseen = (await (await t.request(series('wwtp2-effluent'), { as: 'operator' })).json()) as Record<string, unknown>;
    const missing = (await (await t.request(series('no-such-station'), { as: 'operator' })).json()) as Record<string, unknown>;
    const strip = (b: Record<string, unknown>) => ({ ...b, detail: String(b.detail).replace(/"[^"]+"/, '"ID"'), instance: null, requestId: null });
    expect(strip(unseen)).toEqual(strip(missing));
  });

  it('lists contain only what the key may see', async () => {
    const ids = async (role: Role) => ((await (await t.request('/api/v1/stations', { as: role })).json()) as { items: Array<{ id: string }> }).items.map((s) => s.id);
    expect(await ids('operator')).toEqual(['wwtp1-effluent']);
    expect(await ids('viewer')).toEqual(['cj-outbound']);
    expect(await ids('bureau')).toHaveLength(4);
  });

  it('/me reports role, plants and permissions', async () => {
    const me = (await (await t.request('/api/v1/me', { as: 'operator' })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ role: 'operator', plants: ['wwtp1'] });
    expect(me.permissions).toContain('alerts:acknowledge');
    expect(me.permissions).not.toContain('jobs:run');
  });
});
