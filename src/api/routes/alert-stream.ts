/**
 * `GET /api/v1/alerts/stream`: server-sent events of alert changes (opened, updated, severity_raised,
 * acknowledged, escalated, resolved), each `data` being `{ type, at, alert }` with the alert as `GET /alerts/{id}`
 * shows it. Only alerts the key may see are sent. Authenticated like every API call, with the bearer header —
 * `EventSource` cannot send one, so clients read the stream with `fetch` and a body reader (docs/alerts.md).
 *
 * The stream starts with a `ready` event, then sends a comment line (`: keep-alive`) every `heartbeatMs` so
 * proxies do not close an idle connection. Events are not replayed: after a reconnect a client re-reads
 * `GET /alerts`. A client that stops reading is disconnected once MAX_QUEUED events wait for it.
 *
 * A stream outlives the request that checked its key, so it checks again every `recheckMs` (the key store
 * re-reads the keys file when it changed): once the key is revoked, expires, or its role or plants change, the
 * stream sends a last `closed` event with the reason and ends — the client reconnects and gets the answer its
 * key now deserves (401, or a stream filtered by the new role). One key may hold `maxStreamsPerKey` streams at
 * once; more are refused with 429 (each holds a socket and a subscription).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AlertEvent } from '../../alerts/alert-service.js';
import { SEVERITIES } from '../../alerts/types.js';
import { canSeeStation, stationNotFound } from '../auth/access-policy.js';
import type { AuthResult } from '../auth/key-store.js';
import type { Principal } from '../auth/principal.js';
import { requirePermission } from '../auth/middleware.js';
import { principalOf, type ApiApp } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem, problemResponses } from '../problem.js';
import { stationIdSchema } from '../query/station-id.js';
import { formatInZone, isValidTimeZone } from '../query/zoned-time.js';
import { alertService, type AlertRouteDeps } from './alerts.js';
import { alertJson, AlertSchema, presenterFor } from './alert-schemas.js';

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_RECHECK_MS = 2_000;
export const DEFAULT_STREAMS_PER_KEY = 10;
const MAX_QUEUED = 1_000;

/** Why a stream ended on the server's side (the `closed` event's `reason`). */
export type StreamEndReason = 'revoked' | 'expired' | 'unknown' | 'access_changed';

/** Whether the key behind a stream still grants what it granted when the stream opened. */
async function keyStillValid(
  reauthenticate: (() => Promise<AuthResult>) | undefined,
  opened: Principal,
): Promise<StreamEndReason | undefined> {
  if (!reauthenticate) return undefined;
  const now = await reauthenticate();
  if (!now.ok) return now.reason;
  const p = now.principal;
  const same =
    p.role === opened.role &&
    p.plants.length === opened.plants.length &&
    p.plants.every((id, i) => id === opened.plants[i]);
  return same ? undefined : 'access_changed';
}

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
  const recheckMs = deps.recheckMs ?? DEFAULT_RECHECK_MS;
  const maxPerKey = deps.maxStreamsPerKey ?? DEFAULT_STREAMS_PER_KEY;
  /** Open streams per key id, on this instance. */
  const openStreams = new Map<string, number>();
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
        'Events: `ready` first; then one event per change, named by its type (`opened`, `updated`, `severity_raised`, `acknowledged`, `escalated`, `resolved`) with `data: {type, at, alert}` (AlertEvent); `: keep-alive` comments in between. When the key is revoked, expires or its role or plants change, a last `closed` event (`data: {reason}`) ends the stream within seconds. A key may hold a limited number of streams at once (429 beyond).',
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
      const reauthenticate = c.get('reauthenticate');
      const open = openStreams.get(p.keyId) ?? 0;
      if (open >= maxPerKey) {
        throw new ApiProblem({
          code: 'rate-limited',
          detail: text(
            `此 API 密钥已打开 ${open} 个告警事件流（上限 ${maxPerKey} 个）；请先关闭不用的页面或连接`,
            `This API key already holds ${open} alert streams open (at most ${maxPerKey}); close one first`,
          ),
          headers: { 'Retry-After': '30' },
          extensions: { openStreams: open, maxStreamsPerKey: maxPerKey },
        });
      }
      openStreams.set(p.keyId, open + 1);
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
        let recheck = false;
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
        const recheckTimer = setInterval(() => {
          recheck = true;
          poke();
        }, recheckMs);
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
            if (queue.length === 0 && !beat && !recheck) await new Promise<void>((resolve) => (wake = resolve));
            if (recheck) {
              recheck = false;
              const ended = await keyStillValid(reauthenticate, p);
              if (ended) {
                log.info({ reason: ended }, 'alert stream closed: its key no longer grants it');
                await stream.writeSSE({ event: 'closed', data: JSON.stringify({ reason: ended }) });
                break;
              }
            }
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
          clearInterval(recheckTimer);
          const left = (openStreams.get(p.keyId) ?? 1) - 1;
          if (left > 0) openStreams.set(p.keyId, left);
          else openStreams.delete(p.keyId);
          unsubscribe();
          deps.signal?.removeEventListener('abort', onShutdown);
        }
      });
    },
  );
}
