/**
 * Data marks (数据标记, issue 14): mark a station's readings over a range with a flag and a reason, approve or reject
 * an operator's mark, revoke one, and list them — per station and across stations (the bureau's pending page) —
 * as JSON or CSV (the audit record: who marked, who decided, when and why).
 *
 * Access (src/api/auth/access-policy.ts): an operator marks only its own plants' stations (any other station is a
 * 404, like every route), and its marks are pending until a bureau key approves them; bureau and admin marks take
 * effect at once; viewers read the marks of public stations. The actor recorded is the API key (id, name, role).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Catalog, Station } from '../../catalog/index.js';
import {
  MARK_FLAG_MEANING,
  MARK_FLAGS,
  MARK_STATE_MEANING,
  MARK_STATES,
  type DataMark,
  type DecisionKind,
  type MarkActor,
  type MarkDecision,
} from '../../domain/data-marks.js';
import { PARAMETER_CODES, type ParameterCode } from '../../domain/parameters.js';
import { MarkConflictError, MarkNotFoundError, type MarkFilter } from '../../marks/mark-store.js';
import type { MarkService } from '../../marks/mark-service.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../store/limits.js';
import {
  canActOnStation,
  canRevokeMark,
  filterVisibleStations,
  forbidden,
  visibleStationOr404,
} from '../auth/access-policy.js';
import { requirePermission } from '../auth/middleware.js';
import type { Principal } from '../auth/principal.js';
import { codesField, formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import { principalOf, type ApiApp, type ApiContext } from '../env.js';
import { text, type Lang } from '../i18n.js';
import { parameterLabel } from '../labels.js';
import { ApiProblem, problemResponses, PROBLEM_MEDIA_TYPE, ProblemSchema } from '../problem.js';
import { cursorField, encodeCursor, limitField } from '../query/pagination.js';
import { resolveParameterList } from '../query/parameter-list.js';
import { stationIdSchema } from '../query/station-id.js';
import { parseTimeInput, resolveTimeInput, timeInputField } from '../query/time-range.js';
import { enumList } from './alerts.js';
import { withNextLink } from './next-link.js';
import { stationRef } from './present.js';
import { knownQuery, tzField } from './query-fields.js';
import { LocalizedName, Time } from './schemas.js';

export interface MarkRouteDeps {
  /** The mark service, or a getter (undefined until started: 503). */
  service: MarkService | (() => MarkService | undefined);
  catalog: () => Pick<Catalog, 'stations' | 'station'>;
  now: () => number;
  /** Config TIMEZONE: local times without an offset, and the default `tz` of answers. */
  timeZone: string;
  /** Config API_MAX_RANGE_DAYS: the longest range one mark may cover. */
  maxRangeDays: number;
}

function markService(deps: Pick<MarkRouteDeps, 'service'>): MarkService {
  const service = typeof deps.service === 'function' ? deps.service() : deps.service;
  if (!service) {
    throw new ApiProblem({
      code: 'not-ready',
      detail: text('数据标记服务尚未启动，请稍后重试', 'The data-mark service is not running yet; try again shortly'),
      headers: { 'Retry-After': '5' },
    });
  }
  return service;
}

function markNotFound(id: number): ApiProblem {
  return new ApiProblem({
    code: 'mark-not-found',
    status: 404,
    title: text('数据标记不存在', 'Data mark not found'),
    detail: text(`数据标记 ${id} 不存在`, `There is no data mark ${id}`),
  });
}

function conflictProblem(err: MarkConflictError, kind: DecisionKind): ApiProblem {
  const verb = { approved: ['审核通过', 'approve'], rejected: ['驳回', 'reject'], revoked: ['撤销', 'revoke'] }[kind];
  const state = MARK_STATE_MEANING[err.state];
  return new ApiProblem({
    code: 'mark-state-conflict',
    status: 409,
    title: text('数据标记的状态不允许此操作', 'The data mark is not in a state that allows this'),
    detail: text(
      `数据标记 ${err.markId} 当前为“${state.zh}”，不能${verb[0]}` +
        (kind === 'revoked' ? '（只能撤销待审核或已生效的标记）' : '（只能审核待审核的标记）'),
      `Data mark ${err.markId} is ${state.en}: it cannot be ${kind === 'revoked' ? 'revoked' : `${verb[1]}d`} (${err.message})`,
    ),
    extensions: { state: err.state },
  });
}

const actorOf = (p: Principal): MarkActor => ({ keyId: p.keyId, name: p.name, role: p.role });

// ---- schemas -------------------------------------------------------------------------------------------------

const Actor = z.object({ key_id: z.string(), name: z.string(), role: z.string() }).openapi('MarkActor');
const Decision = z
  .object({
    kind: z.enum(['approved', 'rejected', 'revoked']),
    by: Actor,
    at: Time,
    note: z.string(),
    automatic: z.boolean().openapi({
      description: 'True when no person decided: a bureau/admin mark in effect at once, or MARKS_AUTO_APPROVE_OPERATOR',
    }),
  })
  .openapi('MarkDecision');

/** A station as a mark names it: the catalog's, or only its id once it has left the catalog (kind `unknown`). */
const MarkStation = z.object({ id: z.string(), name: LocalizedName, kind: z.string() }).openapi('MarkStation');

export const MarkSchema = z
  .object({
    id: z.number().int(),
    station: MarkStation,
    parameters: z.union([z.literal('all'), z.array(z.enum(PARAMETER_CODES))]),
    from: Time,
    to: Time,
    flag: z.enum(MARK_FLAGS),
    flag_name: z.object({ zh: z.string(), en: z.string() }),
    reason: z.string(),
    state: z.enum(MARK_STATES),
    marked_by: Actor,
    marked_at: Time,
    verdict: Decision.nullable().openapi({ description: 'The approval or the rejection' }),
    revocation: Decision.nullable(),
  })
  .openapi('DataMark');

const MarkPage = z
  .object({ tz: z.string(), items: z.array(MarkSchema), nextCursor: z.string().nullable() })
  .openapi('DataMarkPage');

const CreateMarkBody = z
  .strictObject({
    parameters: z
      .union([z.literal('all'), z.array(z.string().min(1).max(40)).min(1).max(64)])
      .openapi({ description: '`"all"`, or parameter codes / aliases ("nh3n", "NH3-N", "氨氮")', example: ['nh3n'] }),
    from: z.string().max(64).openapi({
      description: 'Start (inclusive): ISO 8601 (local time in TIMEZONE when no offset), or epoch ms',
      example: '2024-05-02T10:00:00+08:00',
    }),
    to: z.string().max(64).openapi({ description: 'End (exclusive)', example: '2024-05-02T14:00:00+08:00' }),
    flag: z.enum(MARK_FLAGS).openapi({
      description: 'M maintenance 维护, C calibration 校准, D fault 故障, F stopped 停运, N restore 恢复正常',
    }),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .openapi({ example: '更换氨氮分析仪电极 / NH3-N analyser electrode replaced' }),
  })
  .openapi('DataMarkCreate');

const noteBody = (required: boolean) =>
  z
    .strictObject({
      note: required
        ? z.string().trim().min(1).max(2000).openapi({ example: '无运维记录，不予认可' })
        : z.string().trim().max(2000).optional().openapi({ example: '已核实运维记录' }),
    })
    .openapi(required ? 'DataMarkNoteRequired' : 'DataMarkNote');

const stationParams = z.object({ id: stationIdSchema });
const markParams = z.object({
  id: stationIdSchema,
  markId: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'markId', in: 'path' }, example: 12 }),
});

function timeFilter(name: 'from' | 'to') {
  return timeInputField(
    {
      description: `Marks overlapping the range: ${name === 'from' ? 'ending after this time' : 'starting before this time'} (ISO 8601, epoch ms, now-7d)`,
      example: name === 'from' ? 'now-30d' : 'now',
    },
    { blankIsAbsent: true },
  );
}

const conflict = {
  409: {
    description: 'The mark is not in a state that allows this (approving a rejected mark, revoking a revoked one)',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
  },
};

// ---- presentation --------------------------------------------------------------------------------------------

function decisionJson(d: MarkDecision | null, fmt: (ts: number) => string) {
  return (
    d && {
      kind: d.kind,
      by: { key_id: d.by.keyId, name: d.by.name, role: d.by.role },
      at: fmt(d.at),
      note: d.note,
      automatic: d.automatic,
    }
  );
}

function markJson(mark: DataMark, station: Station | undefined, fmt: (ts: number) => string) {
  return {
    id: mark.id,
    station: station
      ? stationRef(station)
      : { id: mark.stationId, name: { zh: mark.stationId, en: mark.stationId }, kind: 'unknown' },
    parameters: mark.parameters === 'all' ? ('all' as const) : [...mark.parameters],
    from: fmt(mark.from),
    to: fmt(mark.to),
    flag: mark.flag,
    flag_name: MARK_FLAG_MEANING[mark.flag],
    reason: mark.reason,
    state: mark.state,
    marked_by: { key_id: mark.by.keyId, name: mark.by.name, role: mark.by.role },
    marked_at: fmt(mark.at),
    verdict: decisionJson(mark.verdict, fmt),
    revocation: decisionJson(mark.revocation, fmt),
  };
}

type MarkRow = ReturnType<typeof markJson>;

const who = (a: { name: string; key_id: string; role: string } | undefined) =>
  a ? `${a.name} (${a.key_id}, ${a.role})` : '';
const label = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/** The audit record as a table: one row per mark, the verdict and the revocation beside it. */
const MARK_COLUMNS: CsvColumn<MarkRow>[] = [
  { key: 'id', label: label('标记编号', 'Mark id') },
  {
    key: 'station',
    label: label('站点', 'Station'),
    value: (r, lang) => (lang === 'en' ? r.station.name.en : r.station.name.zh),
  },
  { key: 'station_id', label: label('站点代码', 'Station id'), value: (r) => r.station.id, code: true },
  {
    key: 'parameters',
    label: label('监测项目', 'Parameters'),
    value: (r, lang: Lang) =>
      r.parameters === 'all'
        ? lang === 'en'
          ? 'all'
          : '全部'
        : r.parameters.map((p) => parameterLabel(p, lang)).join(lang === 'en' ? '; ' : '；'),
  },
  { key: 'from', label: label('开始时间', 'From') },
  { key: 'to', label: label('结束时间', 'To') },
  {
    key: 'flag',
    label: label('标记', 'Flag'),
    value: (r, lang) => `${r.flag} ${lang === 'en' ? r.flag_name.en : r.flag_name.zh}`,
  },
  { key: 'flag_code', label: label('标记代码', 'Flag code'), value: (r) => r.flag, code: true },
  {
    key: 'state',
    label: label('状态', 'State'),
    value: (r, lang) => (lang === 'en' ? MARK_STATE_MEANING[r.state].en : MARK_STATE_MEANING[r.state].zh),
  },
  { key: 'reason', label: label('原因', 'Reason') },
  { key: 'marked_by', label: label('标记人', 'Marked by'), value: (r) => who(r.marked_by) },
  { key: 'marked_at', label: label('标记时间', 'Marked at') },
  {
    key: 'decided',
    label: label('审核结果', 'Decision'),
    value: (r, lang) => (r.verdict ? (lang === 'en' ? r.verdict.kind : MARK_STATE_MEANING[r.verdict.kind].zh) : ''),
  },
  { key: 'decided_by', label: label('审核人', 'Decided by'), value: (r) => who(r.verdict?.by) },
  { key: 'decided_at', label: label('审核时间', 'Decided at'), value: (r) => r.verdict?.at ?? '' },
  { key: 'decision_note', label: label('审核意见', 'Decision note'), value: (r) => r.verdict?.note ?? '' },
  { key: 'revoked_by', label: label('撤销人', 'Revoked by'), value: (r) => who(r.revocation?.by) },
  { key: 'revoked_at', label: label('撤销时间', 'Revoked at'), value: (r) => r.revocation?.at ?? '' },
  { key: 'revoke_note', label: label('撤销说明', 'Revocation note'), value: (r) => r.revocation?.note ?? '' },
];

// ---- routes --------------------------------------------------------------------------------------------------

export function register(app: ApiApp, deps: MarkRouteDeps): void {
  const maxSpan = deps.maxRangeDays * 86_400_000;
  const stationOf = (id: string) => deps.catalog().station(id);

  const listQuery = (cross: boolean) =>
    z.strictObject({
      ...(cross ? { station: stationIdSchema.optional().openapi({ description: 'Only this station' }) } : {}),
      state: enumList(MARK_STATES, 'Mark states'),
      flag: enumList(MARK_FLAGS, 'Mark flags'),
      parameter: z
        .string()
        .optional()
        .openapi({ description: 'Marks that apply to this parameter (listing it, or all)', example: 'nh3n' }),
      from: timeFilter('from'),
      to: timeFilter('to'),
      tz: tzField(deps.timeZone),
      limit: limitField({ default: 100, max: 1000 }),
      cursor: cursorField(z.object({ id: z.number().int().positive() })),
      format: formatField,
      codes: codesField,
    });
  type ListQuery = z.output<ReturnType<typeof listQuery>> & { station?: string };

  function filterOf(q: ListQuery, stationIds: readonly string[] | undefined): MarkFilter {
    const now = deps.now();
    let parameter: ParameterCode | undefined;
    if (q.parameter !== undefined) {
      const { codes, unknown } = resolveParameterList([q.parameter]);
      if (unknown.length > 0 || codes.length !== 1) {
        throw new ApiProblem({
          code: 'validation-failed',
          detail: text(
            `未知的监测项目 "${q.parameter.slice(0, 40)}"`,
            `unknown parameter "${q.parameter.slice(0, 40)}"`,
          ),
          errors: [
            {
              in: 'query',
              name: 'parameter',
              code: 'unknown_parameter',
              detail: text(
                `未知的监测项目；可用：${PARAMETER_CODES.join(', ')}`,
                `unknown parameter; known codes: ${PARAMETER_CODES.join(', ')}`,
              ),
            },
          ],
        });
      }
      parameter = codes[0];
    }
    return {
      ...(stationIds && { stationIds }),
      ...(q.state && { states: q.state }),
      ...(q.flag && { flags: q.flag }),
      ...(q.from !== undefined && { from: resolveTimeInput(q.from, { now, timeZone: q.tz }) }),
      ...(q.to !== undefined && { to: resolveTimeInput(q.to, { now, timeZone: q.tz }) }),
      ...(parameter && { parameter }),
      ...(q.cursor && { beforeId: q.cursor.id }),
      limit: q.limit + 1,
    };
  }

  async function answerList(c: ApiContext, q: ListQuery, stationIds: readonly string[] | undefined, filename: string) {
    const marks = await markService(deps).list(filterOf(q, stationIds));
    const page = marks.slice(0, q.limit);
    const nextCursor = marks.length > q.limit ? encodeCursor({ id: page[page.length - 1]!.id }) : null;
    const fmt = createTimeFormatter(q.tz, EARLIEST_TIME, LATEST_TIME);
    const rows = page.map((m) => markJson(m, stationOf(m.stationId), fmt));
    const res = respondTable(c, {
      rows,
      columns: MARK_COLUMNS,
      filename,
      json: () => ({ tz: q.tz, items: rows, nextCursor }),
    });
    return withNextLink(c, res, nextCursor);
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/marks',
      tags: ['marks'],
      summary: "A station's data marks with who marked, who approved and when (the audit record); JSON or CSV",
      middleware: [
        requirePermission('marks:read'),
        knownQuery(['state', 'flag', 'parameter', 'from', 'to', 'tz', 'limit', 'cursor', 'format', 'codes']),
      ] as const,
      request: { params: stationParams, query: listQuery(false) },
      responses: {
        200: { description: 'Marks, newest first', content: tableContent(MarkPage) },
        ...problemResponses(400, 401, 403, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const station = visibleStationOr404(principalOf(c), id, stationOf);
      return answerList(c, c.req.valid('query') as ListQuery, [station.id], `${station.id}-marks`);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/marks',
      tags: ['marks'],
      summary: "Data marks of every station the key sees (`state=pending`: the bureau's marks awaiting approval)",
      middleware: [
        requirePermission('marks:read'),
        knownQuery(['station', 'state', 'flag', 'parameter', 'from', 'to', 'tz', 'limit', 'cursor', 'format', 'codes']),
      ] as const,
      request: { query: listQuery(true) },
      responses: {
        200: { description: 'Marks, newest first', content: tableContent(MarkPage) },
        ...problemResponses(400, 401, 403, 404, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid('query') as ListQuery;
      const principal = principalOf(c);
      let stationIds: readonly string[] | undefined;
      if (q.station) stationIds = [visibleStationOr404(principal, q.station, stationOf).id];
      else if (principal.role !== 'admin' && principal.role !== 'bureau')
        stationIds = filterVisibleStations(principal, deps.catalog().stations).map((s) => s.id);
      return answerList(c, q, stationIds, 'marks');
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/stations/{id}/marks',
      tags: ['marks'],
      summary:
        'Mark readings with a flag and a reason: in effect at once for bureau/admin, pending approval for operators',
      middleware: [requirePermission('marks:create')] as const,
      request: {
        params: stationParams,
        query: z.strictObject({ tz: tzField(deps.timeZone) }),
        body: { required: true, content: { 'application/json': { schema: CreateMarkBody } } },
      },
      responses: {
        201: {
          description: 'The mark, with its id and state',
          content: { 'application/json': { schema: MarkSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 415, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const body = c.req.valid('json');
      const principal = principalOf(c);
      const station = visibleStationOr404(principal, id, stationOf);
      const input = validateMark(body, station, deps.now(), deps.timeZone, maxSpan);
      const mark = await markService(deps).create(input, actorOf(principal));
      c.get('log').info({ markId: mark.id, stationId: station.id, state: mark.state }, 'data mark by API key');
      const fmt = createTimeFormatter(tz, EARLIEST_TIME, LATEST_TIME);
      c.header('Location', `/api/v1/stations/${station.id}/marks/${mark.id}`);
      return c.json(markJson(mark, station, fmt), 201);
    },
  );

  const decisions = [
    {
      path: 'approve',
      kind: 'approved',
      permission: 'marks:approve',
      noteRequired: false,
      summary: 'Approve a pending mark (bureau/admin): it takes effect now',
    },
    {
      path: 'reject',
      kind: 'rejected',
      permission: 'marks:approve',
      noteRequired: true,
      summary: 'Reject a pending mark (bureau/admin), with a note saying why',
    },
    {
      path: 'revoke',
      kind: 'revoked',
      permission: 'marks:revoke',
      noteRequired: true,
      summary:
        'Revoke a mark, with a note: the bureau/admin any pending or approved mark, an operator its own pending ones',
    },
  ] as const;

  for (const d of decisions) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/stations/{id}/marks/{markId}/${d.path}`,
        tags: ['marks'],
        summary: d.summary,
        middleware: [requirePermission(d.permission)] as const,
        request: {
          params: markParams,
          query: z.strictObject({ tz: tzField(deps.timeZone) }),
          body: { required: d.noteRequired, content: { 'application/json': { schema: noteBody(d.noteRequired) } } },
        },
        responses: {
          200: { description: 'The mark after the decision', content: { 'application/json': { schema: MarkSchema } } },
          ...problemResponses(400, 401, 403, 404, 415, 429, 503),
          ...conflict,
        },
      }),
      async (c) => {
        const { id, markId } = c.req.valid('param');
        const { tz } = c.req.valid('query');
        const body = (c.req.valid('json') ?? {}) as { note?: string };
        const principal = principalOf(c);
        const station = visibleStationOr404(principal, id, stationOf);
        if (!canActOnStation(principal, station, d.permission)) throw forbidden(principal, d.permission);
        const service = markService(deps);
        const mark = await service.get(markId);
        if (!mark || mark.stationId !== station.id) throw markNotFound(markId);
        if (d.kind === 'revoked' && !canRevokeMark(principal, mark.state)) {
          throw new ApiProblem({
            code: 'forbidden',
            detail: text(
              `运营单位只能撤销待审核的标记；标记 ${markId} 已${MARK_STATE_MEANING[mark.state].zh}，请联系生态环境局`,
              `An operator may only withdraw a pending mark; mark ${markId} is ${mark.state}: ask the bureau`,
            ),
            extensions: { state: mark.state, role: principal.role },
          });
        }
        let after: DataMark;
        try {
          after = await service.decide(markId, d.kind, actorOf(principal), body.note ?? '');
        } catch (err) {
          if (err instanceof MarkConflictError) throw conflictProblem(err, d.kind);
          if (err instanceof MarkNotFoundError) throw markNotFound(markId);
          throw err;
        }
        c.get('log').info({ markId, kind: d.kind, stationId: station.id }, 'data mark decision by API key');
        return c.json(markJson(after, station, createTimeFormatter(tz, EARLIEST_TIME, LATEST_TIME)), 200);
      },
    );
  }
}

/**
 * Turns the body into a mark of this station, or a 400 naming each field at fault: unknown parameters, one the
 * station does not measure, unreadable or reversed times, a range longer than API_MAX_RANGE_DAYS.
 */
function validateMark(
  body: z.output<typeof CreateMarkBody>,
  station: Station,
  now: number,
  timeZone: string,
  maxSpan: number,
): {
  stationId: string;
  parameters: ParameterCode[] | 'all';
  from: number;
  to: number;
  flag: DataMark['flag'];
  reason: string;
} {
  const errors: { name: string; pointer: string; code: string; zh: string; en: string }[] = [];
  let parameters: ParameterCode[] | 'all' = 'all';
  if (body.parameters !== 'all') {
    const { codes, unknown } = resolveParameterList(body.parameters);
    const notMeasured = codes.filter((p) => !station.parameters.includes(p));
    if (unknown.length > 0) {
      const list = unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ');
      errors.push({
        name: 'parameters',
        pointer: '/parameters',
        code: 'unknown_parameter',
        zh: `未知的监测项目：${list}`,
        en: `unknown parameter(s): ${list}; known codes: ${PARAMETER_CODES.join(', ')}`,
      });
    } else if (notMeasured.length > 0) {
      const has = station.parameters.join(', ');
      errors.push({
        name: 'parameters',
        pointer: '/parameters',
        code: 'parameter_not_measured',
        zh: `站点 ${station.id} 不监测 ${notMeasured.join(', ')}；该站监测：${has}`,
        en: `station ${station.id} does not measure ${notMeasured.join(', ')}; it measures: ${has}`,
      });
    }
    parameters = codes;
  }
  const times: Partial<Record<'from' | 'to', number>> = {};
  for (const name of ['from', 'to'] as const) {
    const parsed = parseTimeInput(body[name]);
    if (!parsed.ok) {
      errors.push({ name, pointer: `/${name}`, code: 'invalid_format', zh: parsed.zh, en: parsed.en });
      continue;
    }
    const ts = resolveTimeInput(parsed.value, { now, timeZone });
    if (ts < EARLIEST_TIME || ts > LATEST_TIME) {
      errors.push({
        name,
        pointer: `/${name}`,
        code: 'out_of_range',
        zh: '时间须在 1900 年至 2200 年之间',
        en: 'must be between 1900 and 2200',
      });
      continue;
    }
    times[name] = ts;
  }
  if (times.from !== undefined && times.to !== undefined) {
    if (times.to <= times.from) {
      errors.push({
        name: 'to',
        pointer: '/to',
        code: 'range_reversed',
        zh: '结束时间必须晚于开始时间',
        en: 'must be later than from',
      });
    } else if (times.to - times.from > maxSpan) {
      const days = Math.round(maxSpan / 86_400_000);
      errors.push({
        name: 'to',
        pointer: '/to',
        code: 'range_too_long',
        zh: `一条标记最长 ${days} 天（API_MAX_RANGE_DAYS）`,
        en: `a mark covers at most ${days} days (API_MAX_RANGE_DAYS)`,
      });
    }
  }
  if (errors.length > 0) {
    throw new ApiProblem({
      code: 'validation-failed',
      detail: text(
        `请求体有 ${errors.length} 处错误：${errors.map((e) => `${e.name}：${e.zh}`).join('；')}`,
        `${errors.length} problem${errors.length > 1 ? 's' : ''} in the body: ${errors.map((e) => `${e.name}: ${e.en}`).join('; ')}`,
      ),
      errors: errors.map((e) => ({
        in: 'body',
        name: e.name,
        pointer: e.pointer,
        code: e.code,
        detail: text(e.zh, e.en),
      })),
    });
  }
  return { stationId: station.id, parameters, from: times.from!, to: times.to!, flag: body.flag, reason: body.reason };
}
