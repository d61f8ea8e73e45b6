/**
 * `GET /stations`: the catalog with each station's latest readings, freshness and current verdict, filtered by
 * kind, role, level, river, jurisdiction and plant (the map and the overview table in one call).
 * `GET /stations/{id}`: one station with its standard, limit bands, responsible units and neighbours.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Catalog, Station } from '../../catalog/index.js';
import { limitBands } from '../../services/station-standard.js';
import { stationStatuses } from '../../services/station-status.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { canSeeStation, filterVisibleStations, visibleStationOr404 } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import { respondJson } from '../cache.js';
import { formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { stationIdParams } from '../query/station-id.js';
import type { DataRouteDeps } from './data-route-deps.js';
import { statusJson, standardJson } from './present.js';
import { stationFilterFields, tzField } from './query-fields.js';
import { LimitBand, LocalizedName, Standard, StationRef, StationSummary } from './schemas.js';
import { serviceCall } from './service-call.js';

const WEEK = 7 * 86_400_000;

type Row = ReturnType<typeof statusJson>;

function columns(parameters: readonly string[]): CsvColumn<Row>[] {
  return [
    { key: 'id', label: { 'zh-CN': '站点编号', en: 'Station id' } },
    { key: 'name', label: { 'zh-CN': '站点名称', en: 'Station' }, value: (r) => r.name.zh },
    { key: 'name_en', label: { 'zh-CN': '英文名称', en: 'Name (English)' }, value: (r) => r.name.en },
    { key: 'kind', label: { 'zh-CN': '类型', en: 'Kind' } },
    { key: 'role', label: { 'zh-CN': '断面类型', en: 'Role' }, value: (r) => r.section?.role },
    { key: 'target_class', label: { 'zh-CN': '目标类别', en: 'Target class' }, value: (r) => r.section?.target_class },
    { key: 'river', label: { 'zh-CN': '河流', en: 'River' } },
    { key: 'river_km', label: { 'zh-CN': '河流里程(km)', en: 'River km' } },
    { key: 'plant', label: { 'zh-CN': '所属厂', en: 'Plant' } },
    { key: 'jurisdiction', label: { 'zh-CN': '属地单位', en: 'Jurisdiction' } },
    { key: 'lat', label: { 'zh-CN': '纬度', en: 'Latitude' }, value: (r) => r.location.lat },
    { key: 'lon', label: { 'zh-CN': '经度', en: 'Longitude' }, value: (r) => r.location.lon },
    { key: 'freshness', label: { 'zh-CN': '数据状态', en: 'Freshness' }, value: (r) => r.freshness.status },
    {
      key: 'last_reading_at',
      label: { 'zh-CN': '最新数据时间', en: 'Last reading' },
      value: (r) => r.freshness.last_reading_at,
    },
    { key: 'status', label: { 'zh-CN': '评价结果', en: 'Status' }, value: (r) => r.current?.status },
    { key: 'class', label: { 'zh-CN': '水质类别', en: 'Class' }, value: (r) => r.current?.class },
    { key: 'compliant', label: { 'zh-CN': '是否达标', en: 'Compliant' }, value: (r) => r.current?.compliant },
    {
      key: 'primary_pollutants',
      label: { 'zh-CN': '主要污染指标', en: 'Primary pollutants' },
      value: (r) => r.current?.primary_pollutants?.join(' '),
    },
    ...parameters.map((p) => ({ key: p, value: (r: Row) => r.latest[p]?.value })),
  ];
}

const UnitInfo = z
  .object({
    id: z.string(),
    name: LocalizedName,
    level: z.string(),
    contacts: z
      .array(
        z.object({
          name: z.string(),
          role: z.string().optional(),
          phone: z.string().optional(),
          email: z.string().optional(),
        }),
      )
      .optional()
      .openapi({ description: 'Not shown to viewer keys' }),
  })
  .openapi('UnitInfo');

const Neighbour = StationRef.extend({ distance_km: z.number(), travel_hours: z.number() }).openapi('Neighbour');

const StationDetail = StationSummary.extend({
  standard: Standard,
  limits: z
    .record(z.string(), LimitBand)
    .openapi({ description: 'Per parameter: the limits to draw behind its trend line' }),
  units: z.object({
    jurisdiction: UnitInfo.nullable(),
    maintainer: UnitInfo.nullable(),
    operator: UnitInfo.nullable(),
  }),
  plant_info: z
    .object({
      id: z.string(),
      name: LocalizedName,
      type: z.string(),
      discharge_standard: z.string(),
      built: z.string().nullable(),
      design_capacity_m3_per_day: z.number().nullable(),
    })
    .nullable(),
  river_info: z.object({ id: z.string(), name: LocalizedName }).nullable(),
  upstream: z.array(Neighbour).openapi({ description: 'Visible stations whose water reaches this one, nearest first' }),
  downstream: z.array(Neighbour),
}).openapi('StationDetail');

function unitInfo(catalog: Catalog, id: string | undefined, withContacts: boolean) {
  const unit = id === undefined ? undefined : catalog.unit(id);
  if (!unit) return null;
  return {
    id: unit.id,
    name: { zh: unit.name.zh, en: unit.name.en },
    level: unit.level,
    ...(withContacts ? { contacts: unit.contacts.map((c) => ({ ...c })) } : {}),
  };
}

function neighbours(links: readonly { station: Station; distance_km: number; travel_hours: number }[], p: Principal) {
  return links
    .filter((l) => canSeeStation(p, l.station))
    .map((l) => ({
      id: l.station.id,
      name: { ...l.station.name },
      kind: l.station.kind,
      distance_km: l.distance_km,
      travel_hours: l.travel_hours,
    }));
}

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const listQuery = z.strictObject({ ...stationFilterFields, tz: tzField(deps.timeZone), format: formatField });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations',
      tags: ['stations'],
      summary: 'Stations with latest readings, freshness and current class or compliance',
      request: { query: listQuery },
      responses: {
        200: {
          description: 'The stations this key may see, in catalog order',
          content: tableContent(
            z.object({
              generated_at: z.string(),
              tz: z.string(),
              count: z.number().int(),
              items: z.array(StationSummary),
            }),
          ),
        },
        ...problemResponses(400, 401, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const catalog = deps.catalog();
      const found = catalog.findStations({
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.role ? { role: q.role } : {}),
        ...(q.level ? { level: q.level } : {}),
        ...(q.river ? { river: q.river } : {}),
        ...(q.jurisdiction ? { jurisdiction: q.jurisdiction } : {}),
        ...(q.plant ? { plants: [q.plant] } : {}),
      });
      const stations = filterVisibleStations(principalOf(c), found);
      const statuses = await serviceCall(c, () =>
        stationStatuses({ store: deps.store, catalog, now: deps.now }, stations),
      );
      const now = deps.now();
      const fmt = createTimeFormatter(q.tz, now - WEEK, now);
      const rows = statuses.map((s) => statusJson(s, fmt));
      const parameters = [...new Set(stations.flatMap((s) => s.parameters))];
      return respondTable(c, {
        rows,
        columns: columns(parameters),
        filename: 'stations',
        json: () => ({ generated_at: fmt(now), tz: q.tz, count: rows.length, items: rows }),
        cache: { now },
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}',
      tags: ['stations'],
      summary: 'One station: standard, target, limit bands, responsible units, latest readings',
      request: { params: stationIdParams, query: z.strictObject({ tz: tzField(deps.timeZone) }) },
      responses: {
        200: { description: 'The station', content: { 'application/json': { schema: StationDetail } } },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const p = principalOf(c);
      const catalog = deps.catalog();
      const station = visibleStationOr404(p, id, catalog.station);
      const [status] = await serviceCall(c, () =>
        stationStatuses({ store: deps.store, catalog, now: deps.now }, [station]),
      );
      const now = deps.now();
      const fmt = createTimeFormatter(tz, now - WEEK, now);
      const plant = station.plant === undefined ? undefined : catalog.plant(station.plant);
      const river = station.river === undefined ? undefined : catalog.river(station.river);
      const withContacts = p.role !== 'viewer';
      const body = {
        ...statusJson(status!, fmt),
        standard: standardJson(status!.standard),
        limits: limitBands(status!.standard, station.parameters),
        units: {
          jurisdiction: unitInfo(catalog, station.jurisdiction, withContacts),
          maintainer: unitInfo(catalog, station.maintainer, withContacts),
          operator: unitInfo(catalog, plant?.operator_unit, withContacts),
        },
        plant_info: plant
          ? {
              id: plant.id,
              name: { ...plant.name },
              type: plant.type,
              discharge_standard: plant.discharge_standard,
              built: plant.built ?? null,
              design_capacity_m3_per_day: plant.design_capacity_m3_per_day ?? null,
            }
          : null,
        river_info: river ? { id: river.id, name: { ...river.name } } : null,
        upstream: neighbours(catalog.upstreamOf(station.id), p),
        downstream: neighbours(catalog.downstreamOf(station.id), p),
      };
      // respondJson adds the ETag and 304 that c.json lacks; its plain Response is what the typed route returns.
      return respondJson(c, body, { now }) as never;
    },
  );
}
