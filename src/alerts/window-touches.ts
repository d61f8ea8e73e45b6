/**
 * The seam between what changes data after the fact (late or back-filled readings, corrected flags, data marks)
 * and the re-judgment of alert windows that were already judged (issue 14). Whoever changes the effective data of
 * a station over a time range reports it here; the re-judgment makes every window rule's windows in that range due
 * again (up to its horizon), without rescanning history.
 */
export type TouchCause = 'late_data' | 'flag_correction' | 'mark';

export interface WindowTouch {
  stationId: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  cause: TouchCause;
  /** When the change happened (epoch ms), for the record of what was re-judged and why. */
  at: number;
}

export interface WindowTouches {
  /** Durable once resolved: a crash after it must not lose the touch. */
  touch(touches: readonly WindowTouch[]): Promise<void>;
}
