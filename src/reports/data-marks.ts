/**
 * What a report says about data marks (数据标记) and re-judged windows in its data basis, behind a port that
 * issue 14 (late data, re-judgment, data marks with audit) implements. Until then no mark can exist and no window
 * is re-judged after its first judgement, so `noDataMarksYet` answers truthfully with empty lists and says why.
 */
export interface AppliedMark {
  station: string;
  from: number;
  to: number;
  /** The effective flag the approved mark gives its readings. */
  flag: string;
  reason: string;
}

export interface RejudgedWindow {
  station: string;
  from: number;
  to: number;
  reason: string;
}

export interface DataMarks {
  /** True once marks exist in this deployment (issue 14); the data basis then lists them. */
  readonly available: boolean;
  /** Approved marks overlapping [from, to) for these stations: they changed the readings the report used. */
  marksApplied(q: { stationIds: readonly string[]; from: number; to: number }): Promise<AppliedMark[]>;
  /** Windows in [from, to) re-judged after `since` (the last issue of the same report). */
  rejudgedSince(q: {
    stationIds: readonly string[];
    from: number;
    to: number;
    since: number;
  }): Promise<RejudgedWindow[]>;
}

/** Today's truth: data marks are not built yet (issue 14), so none was applied and nothing was re-judged. */
export const noDataMarksYet: DataMarks = {
  available: false,
  marksApplied: async () => [],
  rejudgedSince: async () => [],
};
