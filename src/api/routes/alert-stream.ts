/**
 * `GET /api/v1/alerts/stream`: server-sent events of alert changes (opened, updated, severity_raised,
 * acknowledged, escalated, resolved), each `data` being `{ type, at, alert }` with the alert as `GET /alerts/{id}`
 * shows it. Only alerts the key may see are sent. Authenticated like every API call, with the bearer header —
 * `EventSource` cannot send one, so clients read the stream with `fetch` and a body reader (docs/alerts.md).
 *
 * The stream starts with a `ready` event, then sends a comment line (`: keep-alive`) every `heartbeatMs` so
 * proxies do not close an idle connection. Events are not replayed: after a reconnect a client re-reads
 * `GET /alerts`. A client that stops reading is disconnected once MAX_QUEUED events wait for it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AlertEvent } from '../../alerts/alert-service.js';
import { SEVERITIES } from '../../alerts/types.js';
import { canSeeStation, stationNotFound } from '../auth/access-policy.js';
import { requirePermission } from '../auth/middleware.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { stationIdSchema } from '../query/station-id.js';
import { formatInZone, isValidTimeZone } from '../query/zoned-time.js';
import { alertService, type AlertRouteDeps } from './alerts.js';
import { alertJson, AlertSchema, presenterFor } from './alert-schemas.js';

const DEFAULT_HEARTBEAT_MS = 15_000;
const MAX_QUEUED = 1_000;

export const ALERT_EVENT_TYPES = [
  'opened',
  'updated',
  'severity_raised',
  'acknowledged',
  'escalated',
  'resolved',
] as const;

export const AlertEventSchema = z
  .object({
    type: z.enum(ALERT_EVENT_TYPES),
    at: z.string().openapi({ description: 'When it happened (ISO 8601, offset of `tz`)' }),
    alert: AlertSchema,
  })
  .openapi('AlertEvent');

export function registerAlertStream(app: ApiApp, deps: AlertRouteDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const query = z.strictObject({
    station: stationIdSchema.optional().openapi({ description: "Only this station's alerts" }),
    severity: z.enum(SEVERITIES).optional().openapi({ description: 'Only alerts of at least this severity' }),
    tz: z
      .string()
      .default(deps.timeZone)
      .refine(isValidTimeZone, { error: 'expected an IANA time zone, e.g. Asia/Shanghai' })
      .openapi({ description: `Time zone of the times in the events (default ${deps.timeZone})` }),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts/stream',
      tags: ['alerts'],
      summary: 'Server-sent events of alert changes the key may see (read with fetch: it needs the bearer header)',
      description:
        'Events: `ready` first; then one event per change, named by its type (`opened`, `updated`, `severity_raised`, `acknowledged`, `escalated`, `resolved`) with `data: {type, at, alert}` (AlertEvent); `: keep-alive` comments in between.',
      middleware: [requirePermission('alerts:read')] as const,
      request: { query },
      responses: {
        200: {
          description: 'An endless text/event-stream; each event `data` is an AlertEvent',
          content: { 'text/event-stream': { schema: AlertEventSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    (c) => {
      const q = c.req.valid('query');
      const p = principalOf(c);
      const service = alertService(deps);
      const catalog = deps.catalog();
      if (
        q.station !== undefined &&
        !canSeeStation(p, catalog.station(q.station) ?? { id: q.station, public: false })
      ) {
        throw stationNotFound(q.station);
      }
      const minRank = q.severity ? SEVERITIES.indexOf(q.severity) : 0;
      const present = presenterFor(catalog, c.get('lang'), q.tz);
      const log = c.get('log');
      const wanted = (e: AlertEvent) =>
        (q.station === undefined || e.alert.stationId === q.station) &&
        SEVERITIES.indexOf(e.alert.severity) >= minRank &&
        canSeeStation(p, deps.catalog().station(e.alert.stationId) ?? { id: e.alert.stationId, public: false });

      c.header('Cache-Control', 'no-store');
      // Tells nginx not to buffer the stream (it would hold events back until its buffer fills).
      c.header('X-Accel-Buffering', 'no');
      return streamSSE(c, async (stream) => {
        const queue: AlertEvent[] = [];
        let beat = false;
        let wake: (() => void) | undefined;
        const poke = () => {
          const w = wake;
          wake = undefined;
          w?.();
        };
        const unsubscribe = service.subscribe((e) => {
          if (!wanted(e)) return;
          if (queue.length >= MAX_QUEUED) {
            log.warn({ queued: queue.length }, 'alert stream client does not read; disconnecting it');
            stream.abort();
          } else queue.push(e);
          poke();
        });
        const timer = setInterval(() => {
          beat = true;
          poke();
        }, heartbeatMs);
        const onShutdown = () => stream.abort();
        deps.signal?.addEventListener('abort', onShutdown);
        stream.onAbort(() => poke());
        try {
          if (deps.signal?.aborted) return;
          await stream.writeSSE({
            event: 'ready',
            retry: 5_000,
            data: JSON.stringify({ at: formatInZone(deps.now(), q.tz) }),
          });
          while (!stream.aborted) {
            if (queue.length === 0 && !beat) await new Promise<void>((resolve) => (wake = resolve));
            while (queue.length > 0 && !stream.aborted) {
              const e = queue.shift()!;
              await stream.writeSSE({
                event: e.type,
                data: JSON.stringify({
                  type: e.type,
                  at: formatInZone(e.at, q.tz),
                  alert: alertJson(e.alert, present),
                }),
              });
            }
            if (beat && !stream.aborted) {
              beat = false;
              await stream.write(': keep-alive\n\n');
            }
          }
        } finally {
          clearInterval(timer);
          unsubscribe();
          deps.signal?.removeEventListener('abort', onShutdown);
        }
      });
    },
  );
}
