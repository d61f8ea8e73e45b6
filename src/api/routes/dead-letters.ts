/**
 * `GET /dead-letters?station=&from=&to=`: messages that were rejected at ingest, newest first, with the reason
 * and the raw payload — for whoever keeps the stations talking. Admin and bureau keys only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { deadLetterPage } from '../../services/dead-letters.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { requirePermission } from '../auth/middleware.js';
import { codesField, formatField, respondTable, tableContent } from '../csv.js';
import { rejectionLabel } from '../labels.js';
import type { ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { cursorField, encodeCursor, limitField, pageSchema } from '../query/pagination.js';
import { timeRangeQuery } from '../query/time-range.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../store/limits.js';
import { bilingualIssue } from '../validation.js';
import { maxSpanMs, type DataRouteDeps } from './data-route-deps.js';
import { knownQuery } from './query-fields.js';
import { Time } from './schemas.js';
import { withNextLink } from './next-link.js';
import { serviceCall } from './service-call.js';

const DeadLetter = z
  .object({
    received_at: Time,
    station: z.string().openapi({ description: 'Station id from the topic; `_unknown` when the topic names none' }),
    topic: z.string(),
    reason: z.string().openapi({ example: 'unknown_station' }),
    detail: z.string(),
    payload: z.string().openapi({ description: 'As received (UTF-8, truncated to 32 KiB)' }),
  })
  .openapi('DeadLetter');

/**
 * Not a catalog id: rejected topics name stations that do not exist, which is often why they were rejected. But it
 * is one MQTT topic level, so never a control character (a line break), `/`, `+` or `#`.
 */
const topicStationField = z
  .string()
  .min(1)
  .max(200)
  .superRefine((station, ctx) => {
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\u0000-\u001f\u007f/+#]/.test(station)) {
      bilingualIssue(ctx, {
        reason: 'invalid_format',
        zh: '站点编号是主题中的一级：不能含控制字符（如换行）、/、+ 或 #',
        en: 'a station id is one topic level: no control characters (such as a line break), /, + or #',
      });
    }
  })
  .optional()
  .openapi({ description: 'Station id as in the topic (one topic level)' });

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const query = timeRangeQuery(
    { now: deps.now, defaultTimeZone: deps.timeZone, maxSpanMs: maxSpanMs(deps) },
    {
      station: topicStationField,
      limit: limitField({ default: 100, max: 500 }),
      cursor: cursorField(
        z.object({ at: z.number().int().min(EARLIEST_TIME).max(LATEST_TIME), seen: z.number().int().min(0).max(1000) }),
      ),
      format: formatField,
      codes: codesField,
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/dead-letters',
      tags: ['operations'],
      summary: 'Rejected messages with their reasons, newest first (admin, bureau)',
      middleware: [
        requirePermission('dead-letters:read'),
        knownQuery(['from', 'to', 'tz', 'station', 'limit', 'cursor', 'format', 'codes']),
      ] as const,
      request: { query },
      responses: {
        200: {
          description: 'A page of dead letters',
          content: tableContent(pageSchema(DeadLetter).openapi('DeadLetterPage')),
        },
        ...problemResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await serviceCall(c, () =>
        deadLetterPage(deps, { stationId: q.station, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor }),
      );
      const nextCursor = page.next ? encodeCursor({ at: page.next.at, seen: page.next.seen }) : null;
      const fmt = createTimeFormatter(q.tz, q.from, q.to);
      const rows = page.items.map((l) => ({
        received_at: fmt(l.receivedAt),
        station: l.stationId,
        topic: l.topic,
        reason: l.reason,
        detail: l.detail,
        payload: l.payload,
      }));
      const res = respondTable(c, {
        rows,
        filename: 'dead-letters',
        columns: [
          { key: 'received_at', label: { 'zh-CN': '接收时间', en: 'Received' } },
          { key: 'station', label: { 'zh-CN': '站点', en: 'Station' } },
          { key: 'topic', label: { 'zh-CN': '主题', en: 'Topic' } },
          {
            key: 'reason',
            label: { 'zh-CN': '原因', en: 'Reason' },
            value: (r, lang) => rejectionLabel(r.reason, lang),
          },
          { key: 'reason_code', label: { 'zh-CN': '原因代码', en: 'Reason code' }, value: (r) => r.reason, code: true },
          { key: 'detail', label: { 'zh-CN': '说明', en: 'Detail' } },
          { key: 'payload', label: { 'zh-CN': '原始报文', en: 'Payload' } },
        ],
        json: () => ({ items: rows, nextCursor }),
        cache: { range: { to: q.to }, now: deps.now() },
      });
      return withNextLink(c, res, nextCursor);
    },
  );
}
