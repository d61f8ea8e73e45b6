/**
 * `GET /stations/{id}/logger`: the station's HJ 212 data logger (数采仪) — registration from the catalog and the
 * connection state the ingest role records (connected since, last packet and heartbeat, protocol seen, counts,
 * last status and 2062 check). `GET /stations/{id}/device-records`: its equipment status and standard-sample
 * check history, newest first. Same visibility as the other station routes (an operator sees only their plant).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Catalog } from '../../catalog/index.js';
import { connectionView } from '../../ingest/hj212/connection-view.js';
import type { DeviceStateStore } from '../../ingest/hj212/device-state.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { visibleStationOr404 } from '../auth/access-policy.js';
import { respondJson } from '../cache.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { limitField } from '../query/pagination.js';
import { stationIdParams } from '../query/station-id.js';
import { tzField } from './query-fields.js';
import { serviceCall } from './service-call.js';
import { Time } from './schemas.js';

export interface LoggerRouteDeps {
  catalog: () => Catalog;
  /** The device state the ingest role writes (DATA_DIR/devices.db), opened on first use. */
  devices: () => DeviceStateStore;
  now: () => number;
  timeZone: string;
}

const Protocol = z.enum(['hj212-2017', 'hj212-2025', 'surface-water']);
const NullableTime = Time.nullable();

const LoggerState = z
  .object({
    station: z.string(),
    logger: z
      .object({
        mn: z.string(),
        protocol: Protocol.openapi({ description: 'As registered in the catalog; it wins over the Flag bits' }),
        protocol_seen: Protocol.nullable().openapi({ description: "What the last packet's Flag bits said" }),
        protocol_mismatch: z.boolean(),
        record: z.enum(['realtime', 'minute', 'hourly', 'daily']).openapi({
          description: "The stream that is the station's record (docs/adr/0012-logger-aggregates.md)",
        }),
        connected: z.boolean(),
        connected_since: NullableTime,
        disconnected_at: NullableTime,
        disconnect_reason: z.string().nullable().openapi({
          description:
            'Why the last connection ended (peer, idle, error, superseded, shutdown, restart…); `lost`: recorded open, but nothing heard for longer than the idle timeout (15 min) — the ingest instance holding it stopped without recording the close; disconnected_at is then when it would have closed it',
        }),
        last_packet_at: NullableTime,
        last_packet_cn: z.string().nullable(),
        last_heartbeat_at: NullableTime,
        packets: z.number().int(),
        heartbeats: z.number().int(),
        status_records: z.number().int(),
        last_status_at: NullableTime,
        last_check_at: NullableTime,
        last_check_passed: z.boolean().nullable(),
        duplicate_connections: z.number().int().openapi({
          description:
            'Connections that presented this MN while another held it: a logger back after a network change (took over), or a second logger with the same MN (refused); docs/hj212.md §5',
        }),
        last_duplicate: z
          .object({ at: Time, remote: z.string(), outcome: z.enum(['took_over', 'refused']) })
          .nullable(),
      })
      .nullable()
      .openapi({ description: 'null when the station has no HJ 212 logger in the catalog' }),
  })
  .openapi('LoggerState');

const DeviceRecordSchema = z
  .object({
    at: Time,
    cn: z.string().openapi({ example: '2062' }),
    kind: z.enum(['status', 'check']),
    passed: z.boolean().nullable().openapi({ description: 'Standard-sample checks: false when any pollutant failed' }),
    failed: z.array(z.string()).openapi({ description: 'HJ 212 codes whose check failed' }),
    fields: z.record(z.string(), z.string()),
  })
  .openapi('DeviceRecord');

export function register(app: ApiApp, deps: LoggerRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/logger',
      tags: ['stations'],
      summary: "The station's HJ 212 data logger: registration and connection state",
      request: { params: stationIdParams, query: z.strictObject({ tz: tzField(deps.timeZone) }) },
      responses: {
        200: { description: 'The logger', content: { 'application/json': { schema: LoggerState } } },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz } = c.req.valid('query');
      const station = visibleStationOr404(principalOf(c), id, deps.catalog().station);
      const now = deps.now();
      if (!station.hj212) return respondJson(c, { station: station.id, logger: null }, { now }) as never;
      const state = await serviceCall(c, () => deps.devices().stateOfStation(station.id));
      // The catalog may have changed since the state was recorded: only a state of the same MN is this logger's.
      const s = state?.mn === station.hj212.mn ? state : undefined;
      // A connection recorded open by an instance that died is shown as lost once it has been silent too long.
      const seen = s && connectionView(s, now);
      const fmt = createTimeFormatter(tz, now - 30 * 86_400_000, now);
      const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : fmt(ms));
      return respondJson(
        c,
        {
          station: station.id,
          logger: {
            mn: station.hj212.mn,
            protocol: station.hj212.protocol,
            protocol_seen: s?.protocolSeen ?? null,
            protocol_mismatch: s?.protocolSeen != null && s.protocolSeen !== station.hj212.protocol,
            record: station.hj212.record,
            connected: seen?.connected ?? false,
            connected_since: time(s?.connectedSince),
            disconnected_at: time(seen?.disconnectedAt),
            disconnect_reason: seen?.disconnectReason ?? null,
            last_packet_at: time(s?.lastPacketAt),
            last_packet_cn: s?.lastPacketCn ?? null,
            last_heartbeat_at: time(s?.lastHeartbeatAt),
            packets: s?.packets ?? 0,
            heartbeats: s?.heartbeats ?? 0,
            status_records: s?.statusRecords ?? 0,
            last_status_at: time(s?.lastStatusAt),
            last_check_at: time(s?.lastCheckAt),
            last_check_passed: s?.lastCheckPassed ?? null,
            duplicate_connections: s?.duplicateConnections ?? 0,
            last_duplicate: s?.lastDuplicate ? { ...s.lastDuplicate, at: fmt(s.lastDuplicate.at) } : null,
          },
        },
        { now },
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/device-records',
      tags: ['stations'],
      summary: "The logger's equipment status (2021/3020) and standard-sample check (2062) history, newest first",
      request: {
        params: stationIdParams,
        query: z.strictObject({ tz: tzField(deps.timeZone), limit: limitField({ default: 100, max: 1000 }) }),
      },
      responses: {
        200: {
          description: 'The records',
          content: {
            'application/json': {
              schema: z.object({ station: z.string(), items: z.array(DeviceRecordSchema) }).openapi('DeviceRecords'),
            },
          },
        },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tz, limit } = c.req.valid('query');
      const station = visibleStationOr404(principalOf(c), id, deps.catalog().station);
      const now = deps.now();
      const records = station.hj212
        ? await serviceCall(c, () => deps.devices().records({ stationId: station.id, limit }))
        : [];
      const fmt = createTimeFormatter(tz, records.at(-1)?.at ?? now, now);
      const items = records.map((r) => ({
        at: fmt(r.at),
        cn: r.cn,
        kind: r.kind,
        passed: r.passed,
        failed: r.failed,
        fields: r.fields,
      }));
      return respondJson(c, { station: station.id, items }, { now }) as never;
    },
  );
}
