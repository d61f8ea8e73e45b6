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
import { codesField, formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import type { Lang } from '../i18n.js';
import {
  classLabel,
  freshnessLabel,
  kindLabel,
  parameterHeader,
  parameterList,
  roleLabel,
  statusLabel,
} from '../labels.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { stationIdParams } from '../query/station-id.js';
import type { DataRouteDeps } from './data-route-deps.js';
import { catalogStationJson, statusJson, standardJson } from './present.js';
import { stationFilterFields, tzField } from './query-fields.js';
import { LimitBand, LocalizedName, Standard, StationRef, StationSummary } from './schemas.js';
import { serviceCall } from './service-call.js';

const WEEK = 7 * 86_400_000;

type Row = ReturnType<typeof statusJson> | ReturnType<typeof catalogStationJson>;

/** People's columns (labels in the request's language, units in the parameter headers) and, on request, the codes. */
function columns(catalog: Catalog, parameters: readonly string[]): CsvColumn<Row>[] {
  const named = (n: { zh: string; en: string } | undefined, lang: Lang) =>
    n ? (lang === 'en' ? n.en : n.zh) : undefined;
  return [
    { key: 'id', label: { 'zh-CN': '站点编号', en: 'Station id' }, code: true },
    { key: 'name', label: { 'zh-CN': '站点名称', en: 'Station' }, value: (r, lang) => named(r.name, lang) },
    { key: 'kind', label: { 'zh-CN': '类型', en: 'Kind' }, value: (r, lang) => kindLabel(r.kind, lang) },
    { key: 'kind_code', label: { 'zh-CN': '类型代码', en: 'Kind code' }, value: (r) => r.kind, code: true },
    { key: 'role', label: { 'zh-CN': '断面类型', en: 'Role' }, value: (r, lang) => roleLabel(r.section?.role, lang) },
    {
      key: 'role_code',
      label: { 'zh-CN': '断面类型代码', en: 'Role code' },
      value: (r) => r.section?.role,
      code: true,
    },
    {
      key: 'target_class',
      label: { 'zh-CN': '目标水质', en: 'Target class' },
      value: (r, lang) => classLabel(r.section?.target_class, lang),
    },
    {
      key: 'river',
      label: { 'zh-CN': '河流', en: 'River' },
      value: (r, lang) => named(r.river_name ?? undefined, lang),
    },
    { key: 'river_code', label: { 'zh-CN': '河流编号', en: 'River id' }, value: (r) => r.river, code: true },
    { key: 'river_km', label: { 'zh-CN': '河流里程（km）', en: 'River km' } },
    {
      key: 'plant',
      label: { 'zh-CN': '所属厂', en: 'Plant' },
      value: (r, lang) => (r.plant ? named(catalog.plant(r.plant)?.name, lang) : undefined),
    },
    { key: 'plant_code', label: { 'zh-CN': '所属厂编号', en: 'Plant id' }, value: (r) => r.plant, code: true },
    {
      key: 'jurisdiction',
      label: { 'zh-CN': '属地单位', en: 'Jurisdiction' },
      value: (r, lang) => named(catalog.unit(r.jurisdiction)?.name, lang),
    },
    {
      key: 'jurisdiction_code',
      label: { 'zh-CN': '属地单位编号', en: 'Jurisdiction id' },
      value: (r) => r.jurisdiction,
      code: true,
    },
    { key: 'lat', label: { 'zh-CN': '纬度', en: 'Latitude' }, value: (r) => r.location.lat },
    { key: 'lon', label: { 'zh-CN': '经度', en: 'Longitude' }, value: (r) => r.location.lon },
    {
      key: 'freshness',
      label: { 'zh-CN': '数据时效', en: 'Freshness' },
      value: (r, lang) => freshnessLabel(r.freshness.status, lang),
    },
    {
      key: 'last_reading_at',
      label: { 'zh-CN': '最新数据时间', en: 'Last reading' },
      value: (r) => r.freshness.last_reading_at,
    },
    {
      key: 'status',
      label: { 'zh-CN': '评价结果', en: 'Status' },
      value: (r, lang) => statusLabel(r.current?.status, lang),
    },
    {
      key: 'status_code',
      label: { 'zh-CN': '评价结果代码', en: 'Status code' },
      value: (r) => r.current?.status,
      code: true,
    },
    {
      key: 'class',
      label: { 'zh-CN': '现状水质', en: 'Class' },
      value: (r, lang) => classLabel(r.current?.class, lang),
    },
    {
      key: 'class_code',
      label: { 'zh-CN': '水质类别代码', en: 'Class code' },
      value: (r) => r.current?.class,
      code: true,
    },
    {
      key: 'primary_pollutants',
      label: { 'zh-CN': '主要污染指标', en: 'Primary pollutants' },
      value: (r, lang) => parameterList(r.current?.primary_pollutants, lang),
    },
    ...parameters.map((p) => ({
      key: p,
      label: { 'zh-CN': parameterHeader(p, 'zh-CN'), en: parameterHeader(p, 'en') },
      value: (r: Row) => r.latest[p]?.value,
    })),
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
  const listQuery = z.strictObject({
    ...stationFilterFields,
    tz: tzField(deps.timeZone),
    format: formatField,
    codes: codesField,
    latest: z.enum(['true', 'false']).optional().openapi({
      description:
        '`false`: the catalog alone, without latest readings, freshness or verdict — answers while the database does not',
    }),
  });
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
      const now = deps.now();
      const fmt = createTimeFormatter(q.tz, now - WEEK, now);
      const rivers = (id: string) => catalog.river(id);
      // latest=false answers from the catalog alone: the map and the list still draw while the database is down.
      const rows: Row[] =
        q.latest === 'false'
          ? stations.map((s) => catalogStationJson(s, rivers))
          : (await serviceCall(c, () => stationStatuses({ store: deps.store, catalog, now: deps.now }, stations))).map(
              (s) => statusJson(s, fmt, rivers),
            );
      const parameters = [...new Set(stations.flatMap((s) => s.parameters))];
      return respondTable(c, {
        rows,
        columns: columns(catalog, parameters),
        filename: 'stations',
        json: () => ({
          generated_at: fmt(now),
          tz: q.tz,
          latest: q.latest !== 'false',
          count: rows.length,
          items: rows,
        }),
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
        ...statusJson(status!, fmt, (rid) => catalog.river(rid)),
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
