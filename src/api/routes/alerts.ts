/**
 * The alerts API (issue 5): list with filters (JSON or CSV, cursor pages), one alert with its timeline and the
 * delivery state of its notifications, acknowledge, resolve, and a server-sent event stream of alert changes
 * (alert-stream.ts). Routes validate, ask the access policy, call the alert service and map its errors.
 *
 * Access (src/api/auth/access-policy.ts): viewers have no `alerts:read`; operators see and act on the alerts of
 * their own plants' stations only — any other alert is answered exactly like one that does not exist (404); admin
 * and bureau see all. The actor recorded on the timeline is the API key: "name (key id)".
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AlertService } from '../../alerts/alert-service.js';
import type { AlertFilter } from '../../alerts/alert-store.js';
import { TransitionError } from '../../alerts/lifecycle.js';
import { ALERT_STATES, SEVERITIES } from '../../alerts/types.js';
import {
  canActOnStation,
  canSeeStation,
  stationNotFound,
  type Permission,
  type StationAccess,
} from '../auth/access-policy.js';
import { requirePermission } from '../auth/middleware.js';
import type { Principal } from '../auth/principal.js';
import { codesField, formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import type { Lang } from '../i18n.js';
import { alertStateLabel, categoryLabel, classLabel, parameterLabel, parameterUnit, severityLabel } from '../labels.js';
import { principalOf, type ApiApp, type ApiContext } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem, problemResponses, PROBLEM_MEDIA_TYPE, ProblemSchema } from '../problem.js';
import { cursorField, encodeCursor, limitField, nextPageUrl, pageSchema } from '../query/pagination.js';
import { stationIdSchema } from '../query/station-id.js';
import { resolveTimeInput, timeInputField } from '../query/time-range.js';
import { bilingualIssue } from '../validation.js';
import { registerAlertStream } from './alert-stream.js';
import { tzField } from './query-fields.js';
import {
  AlertDetailSchema,
  AlertSchema,
  alertDetailJson,
  alertJson,
  presenterFor,
  type Presenter,
} from './alert-schemas.js';

/** A station as the alerts routes need it: the access policy's view plus a name. */
export type AlertRouteStation = StationAccess & { name: { zh: string; en: string } };

export type AlertRouteService = Pick<AlertService, 'list' | 'get' | 'acknowledge' | 'resolve' | 'subscribe'>;

export interface AlertRouteDeps {
  /**
   * The alert service, or a getter for it, so the routes can be registered before the alerts role is built
   * (e.g. in start(), after the catalog is loaded): undefined until then is answered with 503.
   */
  service: AlertRouteService | (() => AlertRouteService | undefined);
  /** The catalog in force (a getter: it may be reloaded). The full `Catalog` satisfies it. */
  catalog: () => {
    readonly stations: readonly AlertRouteStation[];
    station(id: string): AlertRouteStation | undefined;
  };
  now: () => number;
  /** Config TIMEZONE: the default `tz`. */
  timeZone: string;
  /** Keep-alive comment interval of the event stream (default 15 s). */
  heartbeatMs?: number;
  /** How often an open event stream checks that its key is still valid and unchanged (default 2 s). */
  recheckMs?: number;
  /** Event streams one API key may hold open at once on this instance (default 10; ALERT_STREAMS_PER_KEY). */
  maxStreamsPerKey?: number;
  /** Aborted at shutdown: every open event stream ends. */
  signal?: AbortSignal;
}

/** Where an alert's station is gone from the catalog: only those who see every station see its alerts. */
function accessOf(deps: AlertRouteDeps, stationId: string): StationAccess {
  return deps.catalog().station(stationId) ?? { id: stationId, public: false };
}

/** The alert service, or the 503 that says it is not running yet. */
export function alertService(deps: Pick<AlertRouteDeps, 'service'>): AlertRouteService {
  const service = typeof deps.service === 'function' ? deps.service() : deps.service;
  if (!service) {
    throw new ApiProblem({
      code: 'not-ready',
      detail: text('告警服务尚未启动，请稍后重试', 'The alert service is not running yet; try again shortly'),
      headers: { 'Retry-After': '5' },
    });
  }
  return service;
}

export function alertNotFound(id: number | string): ApiProblem {
  return new ApiProblem({
    code: 'alert-not-found',
    status: 404,
    title: text('告警不存在', 'Alert not found'),
    detail: text(`告警 ${id} 不存在`, `There is no alert ${id}`),
  });
}

function transitionProblem(err: TransitionError, id: number): ApiProblem {
  switch (err.code) {
    case 'not_found':
      return alertNotFound(id);
    case 'invalid_transition':
      return new ApiProblem({
        code: 'alert-state-conflict',
        status: 409,
        title: text('告警状态不允许此操作', 'The alert is not in a state that allows this'),
        detail: text(
          err.message.includes('acknowledged')
            ? `告警 ${id} 当前状态不能确认：只有未确认（open）的告警可以确认`
            : `告警 ${id} 已恢复（resolved），不能再次恢复`,
          `Alert ${id}: ${err.message}`,
        ),
      });
    case 'invalid_input':
      return new ApiProblem({
        code: 'bad-request',
        detail: text(`告警 ${id}：${err.message}`, `Alert ${id}: ${err.message}`),
      });
  }
}

function presenter(deps: AlertRouteDeps, c: ApiContext, tz: string): Presenter {
  return presenterFor(deps.catalog(), c.get('lang'), tz);
}

/** Comma-separated values of an enum (`state=open,acknowledged`). */
export function enumList<const T extends readonly string[]>(values: T, description: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number][] | undefined => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const items = [
        ...new Set(
          raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        ),
      ];
      const unknown = items.filter((s) => !values.includes(s));
      if (unknown.length > 0) {
        bilingualIssue(ctx, {
          reason: 'invalid_value',
          zh: `未知的值 ${unknown.map((u) => `"${u.slice(0, 40)}"`).join('、')}；可用：${values.join(', ')}`,
          en: `unknown value ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}; expected: ${values.join(', ')}`,
        });
        return z.NEVER;
      }
      return items as T[number][];
    })
    .openapi({ description: `${description}, comma-separated: ${values.join(', ')}`, example: values[0] });
}

function timeField(name: 'from' | 'to') {
  return timeInputField(
    {
      description:
        name === 'from'
          ? 'Alerts still active at or after this time (not resolved before it): ISO 8601, epoch ms or `now-7d`'
          : 'Alerts opened before this time: ISO 8601, epoch ms or `now`',
      example: name === 'from' ? 'now-7d' : 'now',
    },
    { blankIsAbsent: true },
  );
}

const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, example: 42, description: 'Alert id' }),
});

const conflict = {
  409: {
    description: 'The alert is not in a state that allows this (e.g. acknowledging a resolved alert)',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
  },
};

/** `氨氮 1.8 mg/L（限值 1）` / `ammonia nitrogen (NH3-N) 1.8 mg/L (limit 1)`, at display precision. */
function findingValues(items: ReturnType<typeof alertJson>['latest']['items'], lang: Lang): string {
  return items
    .map((i) => {
      const unit = i.unit ?? parameterUnit(i.parameter);
      const value = `${parameterLabel(i.parameter, lang)} ${i.value}${unit ? ` ${unit}` : ''}`;
      if (i.limit === undefined) return value;
      const op = i.direction === 'min' ? '≥' : '≤';
      return lang === 'en' ? `${value} (limit ${op}${i.limit})` : `${value}（限值${op}${i.limit}）`;
    })
    .join(lang === 'en' ? '; ' : '；');
}

const CSV_COLUMNS: CsvColumn<ReturnType<typeof alertJson>>[] = [
  { key: 'id', label: { 'zh-CN': '告警编号', en: 'Alert' } },
  { key: 'severity', label: { 'zh-CN': '级别', en: 'Severity' }, value: (r, lang) => severityLabel(r.severity, lang) },
  { key: 'state', label: { 'zh-CN': '状态', en: 'State' }, value: (r, lang) => alertStateLabel(r.state, lang) },
  { key: 'rule', label: { 'zh-CN': '规则代码', en: 'Rule' }, code: true },
  { key: 'title', label: { 'zh-CN': '告警名称', en: 'Title' } },
  { key: 'category', label: { 'zh-CN': '类别', en: 'Category' }, value: (r, lang) => categoryLabel(r.category, lang) },
  { key: 'station_id', label: { 'zh-CN': '站点编号', en: 'Station id' }, code: true },
  {
    key: 'station_name',
    label: { 'zh-CN': '站点名称', en: 'Station' },
    value: (r, lang) => (r.station_name ? (lang === 'en' ? r.station_name.en : r.station_name.zh) : r.station_id),
  },
  { key: 'window_start', label: { 'zh-CN': '时段开始', en: 'Window start' } },
  { key: 'window_end', label: { 'zh-CN': '时段结束', en: 'Window end' } },
  { key: 'detected_at', label: { 'zh-CN': '发现时间', en: 'Detected' } },
  { key: 'opened_at', label: { 'zh-CN': '发生时间', en: 'Opened' } },
  { key: 'updated_at', label: { 'zh-CN': '更新时间', en: 'Updated' } },
  { key: 'count', label: { 'zh-CN': '累计时段数', en: 'Windows' } },
  {
    key: 'class_reached',
    label: { 'zh-CN': '评价时段水质类别', en: 'Class in the window' },
    value: (r, lang) => classLabel(r.latest.class_reached, lang),
  },
  {
    key: 'target_class',
    label: { 'zh-CN': '目标水质', en: 'Target class' },
    value: (r, lang) => classLabel(r.latest.target_class, lang),
  },
  {
    key: 'primary_pollutants',
    label: { 'zh-CN': '主要污染指标（超标倍数）', en: 'Primary pollutants (exceedance multiple)' },
    value: (r, lang) =>
      r.latest.primary_pollutants
        ?.map((p) => `${parameterLabel(p.parameter, lang)}${p.exceedance !== null ? ` ${p.exceedance}` : ''}`)
        .join(lang === 'en' ? '; ' : '；'),
  },
  {
    key: 'values',
    label: { 'zh-CN': '监测值', en: 'Values' },
    value: (r, lang) => findingValues(r.latest.items, lang),
  },
  {
    key: 'values_codes',
    label: { 'zh-CN': '监测值（代码）', en: 'Values (codes)' },
    value: (r) =>
      r.latest.items.map((i) => `${i.parameter}=${i.value}${i.limit !== undefined ? `/${i.limit}` : ''}`).join(' '),
    code: true,
  },
  { key: 'escalation_level', label: { 'zh-CN': '上报级别', en: 'Escalation level' } },
  { key: 'acknowledged_by', label: { 'zh-CN': '确认人', en: 'Acknowledged by' } },
  { key: 'acknowledged_at', label: { 'zh-CN': '确认时间', en: 'Acknowledged' } },
  { key: 'acknowledge_note', label: { 'zh-CN': '确认说明', en: 'Note' } },
  { key: 'resolved_by', label: { 'zh-CN': '恢复人', en: 'Resolved by' } },
  { key: 'resolved_at', label: { 'zh-CN': '恢复时间', en: 'Resolved' } },
  { key: 'resolve_reason', label: { 'zh-CN': '恢复原因', en: 'Reason' } },
];

export function register(app: ApiApp, deps: AlertRouteDeps): void {
  const listQuery = z
    .strictObject({
      state: enumList(ALERT_STATES, 'Alert states'),
      severity: enumList(SEVERITIES, 'Severities'),
      station: stationIdSchema.optional(),
      from: timeField('from'),
      to: timeField('to'),
      tz: tzField(
        deps.timeZone,
        `Time zone of the times in the response and of local times in from/to (default ${deps.timeZone})`,
      ),
      limit: limitField({ default: 100, max: 500 }),
      cursor: cursorField(z.object({ windowEnd: z.number().int(), before: z.number().int().positive() })),
      format: formatField,
      codes: codesField,
    })
    .transform((q, ctx) => {
      const now = deps.now();
      const from = q.from ? resolveTimeInput(q.from, { now, timeZone: q.tz }) : undefined;
      const to = q.to ? resolveTimeInput(q.to, { now, timeZone: q.tz }) : undefined;
      if (from !== undefined && to !== undefined && to <= from) {
        bilingualIssue(ctx, {
          path: ['to'],
          reason: 'range_reversed',
          zh: '结束时间必须晚于开始时间',
          en: 'must be later than from',
        });
        return z.NEVER;
      }
      return { ...q, from, to };
    });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'Alerts, latest window first, filtered by state, severity, station and period (JSON or CSV)',
      description:
        "Operators get the alerts of their own plants' stations only. Sorted by the time the alert is about (`window_end`, newest first), not by when it was detected. `from`/`to` select alerts whose windows overlap the period.",
      middleware: [requirePermission('alerts:read')] as const,
      request: { query: listQuery },
      responses: {
        200: { description: 'A page of alerts', content: tableContent(pageSchema(AlertSchema).openapi('AlertPage')) },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const p = principalOf(c);
      const catalog = deps.catalog();
      const filter: AlertFilter = {
        ...(q.state ? { state: q.state } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.cursor ? { before: { windowEnd: q.cursor.windowEnd, id: q.cursor.before } } : {}),
        limit: q.limit + 1,
      };
      if (q.station !== undefined) {
        if (!canSeeStation(p, accessOf(deps, q.station))) throw stationNotFound(q.station);
        filter.stationId = q.station;
      }
      // A principal who sees every station (and so the alerts of stations since removed) needs no scope.
      const visible = catalog.stations.filter((s) => canSeeStation(p, s));
      const seesAll = visible.length === catalog.stations.length && canSeeStation(p, { id: '', public: false });
      if (!seesAll) filter.stationIds = visible.map((s) => s.id);
      const found = await alertService(deps).list(filter);
      const page = found.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor =
        found.length > q.limit && last ? encodeCursor({ windowEnd: last.windowEnd, before: last.id }) : null;
      const present = presenter(deps, c, q.tz);
      const rows = page.map((a) => alertJson(a, present));
      const res = respondTable(c, {
        rows,
        columns: CSV_COLUMNS,
        filename: 'alerts',
        json: () => ({ items: rows, nextCursor }),
      });
      // On the Response itself: respondTable builds a new one, which does not carry headers set with c.header().
      res.headers.set('Cache-Control', 'no-store');
      if (nextCursor !== null) res.headers.set('Link', `<${nextPageUrl(c, nextCursor)}>; rel="next"`);
      return res;
    },
  );

  // Registered before /alerts/{id}, which would otherwise take "stream" for an id.
  registerAlertStream(app, deps);

  const detailQuery = z.strictObject({ tz: tzField(deps.timeZone) });

  /** The alert if it exists and the principal may see it (else the same 404 as for a missing alert). */
  async function visibleAlert(c: ApiContext, id: number, permission?: Permission) {
    const p = principalOf(c);
    const detail = await alertService(deps).get(id);
    if (!detail) throw alertNotFound(id);
    const station = accessOf(deps, detail.alert.stationId);
    if (!canSeeStation(p, station)) throw alertNotFound(id);
    if (permission && !canActOnStation(p, station, permission)) throw alertNotFound(id);
    return detail;
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts/{id}',
      tags: ['alerts'],
      summary: 'One alert with its timeline and the delivery state of its notifications',
      middleware: [requirePermission('alerts:read')] as const,
      request: { params: idParams, query: detailQuery },
      responses: {
        200: { description: 'The alert', content: { 'application/json': { schema: AlertDetailSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const detail = await visibleAlert(c, id);
      c.header('Cache-Control', 'no-store');
      return c.json(alertDetailJson(detail, presenter(deps, c, tz)), 200);
    },
  );

  const actor = (p: Principal) => `${p.name} (${p.keyId})`;

  async function transition(
    c: ApiContext,
    id: number,
    tz: string,
    permission: Permission,
    act: (actor: string) => Promise<unknown>,
  ) {
    await visibleAlert(c, id, permission);
    try {
      await act(actor(principalOf(c)));
    } catch (err) {
      if (err instanceof TransitionError) throw transitionProblem(err, id);
      throw err;
    }
    c.get('log').info({ alertId: id, permission }, 'alert transition by API key');
    return alertDetailJson((await alertService(deps).get(id))!, presenter(deps, c, tz));
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts/{id}/ack',
      tags: ['alerts'],
      summary: 'Acknowledge an open alert (stops its escalation); records who and when, with an optional note',
      middleware: [requirePermission('alerts:acknowledge')] as const,
      request: {
        params: idParams,
        query: detailQuery,
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z
                .strictObject({
                  note: z.string().trim().max(2000).optional().openapi({ example: '已通知属地排查' }),
                })
                .openapi('AlertAcknowledge'),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'The alert after the acknowledgement',
          content: { 'application/json': { schema: AlertDetailSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 415, 429),
        ...conflict,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const body = c.req.valid('json') as { note?: string };
      const note = body.note === undefined || body.note === '' ? undefined : body.note;
      return c.json(
        await transition(c, id, tz, 'alerts:acknowledge', (who) => alertService(deps).acknowledge(id, who, note)),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts/{id}/resolve',
      tags: ['alerts'],
      summary: 'Resolve an open or acknowledged alert by hand; a reason is required',
      middleware: [requirePermission('alerts:resolve')] as const,
      request: {
        params: idParams,
        query: detailQuery,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .strictObject({
                  reason: z
                    .string()
                    .trim()
                    .min(1, { error: 'a reason is required to resolve an alert by hand' })
                    .max(2000)
                    .openapi({ example: '现场核查为仪器故障，数据已标记' }),
                })
                .openapi('AlertResolve'),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'The alert after it was resolved',
          content: { 'application/json': { schema: AlertDetailSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 415, 429),
        ...conflict,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const { reason } = c.req.valid('json');
      return c.json(
        await transition(c, id, tz, 'alerts:resolve', (who) => alertService(deps).resolve(id, who, reason)),
        200,
      );
    },
  );
}
