/** A logger's connection as the API shows it (src/ingest/hj212/connection-view.ts): every case, pure. */
import { describe, expect, it } from 'vitest';
import { connectionView, IDLE_TIMEOUT_MS, type ConnectionFacts } from '../../../src/ingest/hj212/connection-view.js';

const T = Date.UTC(2026, 11, 6, 12);
const MIN = 60_000;
const open: ConnectionFacts = {
  connected: true,
  connectedSince: T - 60 * MIN,
  disconnectedAt: null,
  disconnectReason: null,
  lastPacketAt: T - 2 * MIN,
  lastHeartbeatAt: null,
  lastStatusAt: null,
  lastCheckAt: null,
};

describe('connectionView', () => {
  it('shows a closed connection as recorded', () => {
    const closed = { ...open, connected: false, disconnectedAt: T - MIN, disconnectReason: 'peer' };
    expect(connectionView(closed, T + 10 * 60 * MIN)).toEqual({
      connected: false,
      disconnectedAt: T - MIN,
      disconnectReason: 'peer',
    });
  });

  it('keeps an open connection open while any sign of life is within the idle timeout and a minute', () => {
    const limit = T - 2 * MIN + IDLE_TIMEOUT_MS + MIN;
    expect(connectionView(open, limit).connected).toBe(true);
    expect(connectionView(open, limit + 1)).toEqual({
      connected: false,
      disconnectedAt: T - 2 * MIN + IDLE_TIMEOUT_MS,
      disconnectReason: 'lost',
    });
    // A later heartbeat, status record, check or a new connection each count as a sign of life.
    for (const sign of ['lastHeartbeatAt', 'lastStatusAt', 'lastCheckAt', 'connectedSince'] as const)
      expect(connectionView({ ...open, [sign]: T }, limit + 1).connected, sign).toBe(true);
  });

  it('measures a connection that never sent a packet from its start', () => {
    const silent = { ...open, lastPacketAt: null, connectedSince: T };
    expect(connectionView(silent, T + IDLE_TIMEOUT_MS + MIN).connected).toBe(true);
    expect(connectionView(silent, T + IDLE_TIMEOUT_MS + MIN + 1).disconnectReason).toBe('lost');
  });

  it('leaves a state without any time as recorded', () => {
    const bare = { ...open, connectedSince: null, lastPacketAt: null };
    expect(connectionView(bare, T).connected).toBe(true);
  });
});
