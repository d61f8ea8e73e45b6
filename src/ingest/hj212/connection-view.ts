/**
 * A logger's connection as the API shows it. The ingest instance holding a connection records its close; one that
 * died (kill -9, a lost machine) cannot, and its loggers would show "connected" until they came back. But a holder
 * closes every connection silent for IDLE_TIMEOUT_MS, so a connection recorded open with no sign of life for longer
 * than that is gone: shown as disconnected, reason `lost`, from when its holder would have closed it. Pure.
 */
import type { DeviceState } from './device-state.js';

/** Loggers send at least hourly and most send heartbeats every 30–300 s; 15 min of silence is a dead link. */
export const IDLE_TIMEOUT_MS = 15 * 60_000;
/** The state is written every 5 s (DEVICE_STATE_FLUSH_MS): a minute covers that and a clock step between machines. */
const SLACK_MS = 60_000;

export type ConnectionFacts = Pick<
  DeviceState,
  | 'connected'
  | 'connectedSince'
  | 'disconnectedAt'
  | 'disconnectReason'
  | 'lastPacketAt'
  | 'lastHeartbeatAt'
  | 'lastStatusAt'
  | 'lastCheckAt'
>;

export interface ConnectionView {
  connected: boolean;
  disconnectedAt: number | null;
  disconnectReason: string | null;
}

export function connectionView(s: ConnectionFacts, now: number, idleTimeoutMs = IDLE_TIMEOUT_MS): ConnectionView {
  const recorded = { connected: s.connected, disconnectedAt: s.disconnectedAt, disconnectReason: s.disconnectReason };
  if (!s.connected) return recorded;
  const lastSign = Math.max(
    s.connectedSince ?? -Infinity,
    s.lastPacketAt ?? -Infinity,
    s.lastHeartbeatAt ?? -Infinity,
    s.lastStatusAt ?? -Infinity,
    s.lastCheckAt ?? -Infinity,
  );
  if (!Number.isFinite(lastSign) || now - lastSign <= idleTimeoutMs + SLACK_MS) return recorded;
  return { connected: false, disconnectedAt: lastSign + idleTimeoutMs, disconnectReason: 'lost' };
}
