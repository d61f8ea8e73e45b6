/**
 * The JSON the dashboard reads, typed from the API's own zod schemas (src/api/routes/schemas.ts): the schemas are
 * the contract, so a change there that the dashboard does not follow is a compile error here. Type imports only —
 * nothing of zod reaches the bundle.
 */
import type { z } from 'zod';
import type * as S from '../../api/routes/schemas.js';

export type LocalizedNameJson = z.infer<typeof S.LocalizedName>;
export type StationInfoJson = z.infer<typeof S.StationInfo>;
export type StationSummaryJson = z.infer<typeof S.StationSummary>;
export type StandardJson = z.infer<typeof S.Standard>;
export type VerdictJson = z.infer<typeof S.Verdict>;
export type LimitBandJson = z.infer<typeof S.LimitBand>;
export type SeriesJson = z.infer<typeof S.Series>;
export type PointJson = z.infer<typeof S.Point>;
export type QualityWindowJson = z.infer<typeof S.QualityWindow>;
export type SummaryJson = z.infer<typeof S.Summary>;

/*
 * The response envelopes below are declared inside the route modules (not exported), so they are restated here
 * from the exported pieces; keep them in step with src/api/routes/{stations,series,quality,upstream,compliance}.ts.
 */

export interface StationListJson {
  generated_at: string;
  tz: string;
  count: number;
  items: StationSummaryJson[];
}

export interface UnitInfoJson {
  id: string;
  name: LocalizedNameJson;
  level: string;
  contacts?: { name: string; role?: string; phone?: string; email?: string }[];
}

export interface NeighbourJson {
  id: string;
  name: LocalizedNameJson;
  kind: string;
  distance_km: number;
  travel_hours: number;
}

export type StationDetailJson = StationSummaryJson & {
  standard: StandardJson;
  limits: Record<string, LimitBandJson>;
  units: { jurisdiction: UnitInfoJson | null; maintainer: UnitInfoJson | null; operator: UnitInfoJson | null };
  plant_info: {
    id: string;
    name: LocalizedNameJson;
    type: string;
    discharge_standard: string;
    built: string | null;
    design_capacity_m3_per_day: number | null;
  } | null;
  river_info: { id: string; name: LocalizedNameJson } | null;
  upstream: NeighbourJson[];
  downstream: NeighbourJson[];
};

export interface AggregatedSeriesJson {
  from: string;
  to: string;
  tz: string;
  window: string;
  requested_window: string;
  downsampled: boolean;
  max_points: number;
  include: 'valid' | 'all';
  series: SeriesJson[];
}

export interface RawReadingJson {
  ts: number;
  time: string;
  parameter: string;
  value: number;
  flag: string;
}

export interface RawSeriesJson {
  window: 'raw';
  items: RawReadingJson[];
  nextCursor: string | null;
}

export interface QualityJson {
  standard: StandardJson;
  from: string;
  to: string;
  window: string;
  min_valid_share: number;
  windows: QualityWindowJson[];
  period: QualityWindowJson | null;
  summary: SummaryJson;
}

export interface TracedJson {
  station: { id: string; name: LocalizedNameJson; kind: string; river: string | null; river_km: number | null };
  distance_km: number;
  travel_hours: number;
  rivers: string[];
  standard: StandardJson;
  limits: Record<string, LimitBandJson>;
  series: SeriesJson[];
}

export interface UpstreamJson {
  at: string;
  from: string;
  to: string;
  window: string;
  origin: TracedJson;
  upstream: TracedJson[];
}

export type ComplianceRowJson = SummaryJson & {
  station: { id: string; name: LocalizedNameJson; kind: string; role: string | null; river: string | null; plant: string | null; target_class: string | null };
  standard: StandardJson;
  min_valid_share: number;
  period_class: string | null;
  period_status: string | null;
  primary_pollutants: string[];
};

export interface ComplianceJson {
  from: string;
  to: string;
  window: string;
  count: number;
  items: ComplianceRowJson[];
  note: string;
}

/** A data mark (`GET /stations/{id}/marks`, `GET /marks`). */
export interface MarkJson {
  id: number;
  station: { id: string; name: { zh: string; en: string }; kind: string };
  parameters: 'all' | string[];
  from: string;
  to: string;
  flag: string;
  flag_name: { zh: string; en: string };
  reason: string;
  state: 'pending' | 'approved' | 'rejected' | 'revoked';
  marked_by: { key_id: string; name: string; role: string };
  marked_at: string;
  verdict: { kind: string; by: { key_id: string; name: string; role: string }; at: string; note: string } | null;
  revocation: { kind: string; by: { key_id: string; name: string; role: string }; at: string; note: string } | null;
}

export interface MarkPageJson {
  tz: string;
  items: MarkJson[];
  nextCursor: string | null;
}

/** `GET /stations/{id}/logger` (src/api/routes/logger.ts): the HJ 212 data logger and its connection state. */
export interface LoggerJson {
  mn: string;
  protocol: 'hj212-2017' | 'hj212-2025' | 'surface-water';
  protocol_seen: 'hj212-2017' | 'hj212-2025' | 'surface-water' | null;
  protocol_mismatch: boolean;
  record: 'realtime' | 'minute' | 'hourly' | 'daily';
  connected: boolean;
  connected_since: string | null;
  disconnected_at: string | null;
  disconnect_reason: string | null;
  last_packet_at: string | null;
  last_packet_cn: string | null;
  last_heartbeat_at: string | null;
  packets: number;
  heartbeats: number;
  status_records: number;
  last_status_at: string | null;
  last_check_at: string | null;
  last_check_passed: boolean | null;
}

export interface LoggerStateJson {
  station: string;
  logger: LoggerJson | null;
}

/** `GET /stations/{id}/device-records`: equipment status (2021/3020) and standard-sample checks (2062). */
export interface DeviceRecordJson {
  at: string;
  cn: string;
  kind: 'status' | 'check';
  passed: boolean | null;
  failed: string[];
  fields: Record<string, string>;
}

export interface DeviceRecordsJson {
  station: string;
  items: DeviceRecordJson[];
}
