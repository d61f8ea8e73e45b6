/**
 * The data-mark store port (issue 14): an append-only record of marks and of the decisions about them. The SQLite
 * adapter (sqlite-mark-store.ts) is the embedded one; a PostgreSQL adapter implements the same port and the same
 * contract suite (test/marks/mark-store.contract.ts). Nothing is ever updated or deleted: an approval, a rejection
 * and a revocation are new records, and the database refuses UPDATE and DELETE.
 */
import type {
  DataMark,
  DecisionKind,
  EffectiveMark,
  MarkActor,
  MarkFlag,
  MarkState,
  NewMark,
} from '../domain/data-marks.js';
import type { ParameterCode } from '../domain/parameters.js';

export interface MarkFilter {
  /** Only these stations (undefined: every station). */
  stationIds?: readonly string[];
  states?: readonly MarkState[];
  flags?: readonly MarkFlag[];
  /** Marks overlapping [from, to) (epoch ms). */
  from?: number;
  to?: number;
  /** Marks that apply to this parameter (listing it, or `all`). */
  parameter?: ParameterCode;
  /** Marks with an id below this (the next page of a newest-first list). */
  beforeId?: number;
  /** Default 100, at most 1,000. */
  limit?: number;
}

export interface NewDecision {
  markId: number;
  kind: DecisionKind;
  by: MarkActor;
  at: number;
  note: string;
  automatic: boolean;
}

/** A decision the mark's state does not allow (two verdicts, a revocation of a rejected mark …). */
export class MarkConflictError extends Error {
  constructor(
    readonly markId: number,
    readonly state: MarkState,
    message: string,
  ) {
    super(message);
    this.name = 'MarkConflictError';
  }
}

export class MarkNotFoundError extends Error {
  constructor(readonly markId: number) {
    super(`there is no mark ${markId}`);
    this.name = 'MarkNotFoundError';
  }
}

export interface MarkStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Records a mark, and with `approval` its approval in the same transaction (a bureau mark takes effect at once,
   * and no reader ever sees it pending).
   */
  create(mark: NewMark, approval?: Omit<NewDecision, 'markId' | 'kind'>): Promise<DataMark>;
  /**
   * Records a decision. Rejects with MarkNotFoundError, or MarkConflictError when the mark's state does not allow
   * it (checked in the same transaction, and by the database's unique indexes against a concurrent decision).
   */
  decide(decision: NewDecision): Promise<DataMark>;
  get(id: number): Promise<DataMark | undefined>;
  /** Newest first (by id). */
  list(filter: MarkFilter): Promise<DataMark[]>;
  /** Marks in effect (approved, not revoked) overlapping [from, to) for these stations (all when undefined). */
  effective(q: { stationIds?: readonly string[]; from: number; to: number }): Promise<EffectiveMark[]>;
  close(): Promise<void>;
}
