/**
 * Marking data and deciding about marks (issue 14): who may do what is the access policy's (the routes ask it);
 * this service decides when a mark takes effect — at once for bureau and admin marks, after a bureau approval for
 * operator marks (or at once with MARKS_AUTO_APPROVE_OPERATOR) — records it in the append-only store, and tells
 * the re-judgment (WindowTouches) about every range whose effective flags changed: a mark taking effect, or an
 * approved mark revoked. A pending or rejected mark changes nothing, so it touches nothing.
 */
import type { TouchCause, WindowTouches } from '../alerts/window-touches.js';
import type { DataMark, DecisionKind, MarkActor, NewMark } from '../domain/data-marks.js';
import type { Logger } from '../logger.js';
import type { MarkFilter, MarkStore } from './mark-store.js';

export interface MarkServiceDeps {
  store: MarkStore;
  touches: WindowTouches;
  now: () => number;
  /** MARKS_AUTO_APPROVE_OPERATOR: operator marks take effect without a bureau approval. */
  autoApproveOperator: boolean;
  logger: Logger;
}

/** Roles whose marks take effect at once (they are the ones who approve). */
const APPROVING_ROLES = ['admin', 'bureau'];

/** The actor recorded for an operator mark approved by configuration rather than by a person. */
export const AUTO_APPROVER: MarkActor = { keyId: 'system', name: 'MARKS_AUTO_APPROVE_OPERATOR', role: 'system' };

export interface MarkService {
  create(input: Omit<NewMark, 'at' | 'by'>, by: MarkActor): Promise<DataMark>;
  decide(markId: number, kind: DecisionKind, by: MarkActor, note: string): Promise<DataMark>;
  get(id: number): Promise<DataMark | undefined>;
  list(filter: MarkFilter): Promise<DataMark[]>;
}

export function createMarkService(deps: MarkServiceDeps): MarkService {
  const log = deps.logger.child({ component: 'marks' });
  const cause: TouchCause = 'mark';

  /** The readings of an effective change must be re-judged; the mark itself is already recorded. */
  async function touch(mark: DataMark, at: number): Promise<void> {
    try {
      await deps.touches.touch([{ stationId: mark.stationId, from: mark.from, to: mark.to, cause, at }]);
    } catch (err) {
      // The mark stands (it is recorded); the windows it changed are not yet due again. Said loudly.
      log.error(
        { err, markId: mark.id, stationId: mark.stationId },
        'data mark recorded, but its windows could not be marked for re-judgment',
      );
    }
  }

  return {
    async create(input, by) {
      const at = deps.now();
      const immediate = APPROVING_ROLES.includes(by.role);
      const auto = !immediate && deps.autoApproveOperator;
      const approval = immediate
        ? { by, at, note: '', automatic: true }
        : auto
          ? { by: AUTO_APPROVER, at, note: 'MARKS_AUTO_APPROVE_OPERATOR=true', automatic: true }
          : undefined;
      const mark = await deps.store.create({ ...input, by, at }, approval);
      log.info(
        { markId: mark.id, stationId: mark.stationId, flag: mark.flag, state: mark.state, by: by.keyId },
        'data mark recorded',
      );
      if (mark.state === 'approved') await touch(mark, at);
      return mark;
    },
    async decide(markId, kind, by, note) {
      const at = deps.now();
      const before = await deps.store.get(markId);
      const mark = await deps.store.decide({ markId, kind, by, at, note, automatic: false });
      log.info({ markId, kind, by: by.keyId }, 'data mark decision recorded');
      // Approval puts the mark in effect; revoking an approved mark takes it out. Nothing else changes readings.
      if (kind === 'approved' || (kind === 'revoked' && before?.state === 'approved')) await touch(mark, at);
      return mark;
    },
    get: (id) => deps.store.get(id),
    list: (filter) => deps.store.list(filter),
  };
}

/**
 * For a reading store that cannot record touched windows (a test's): marks are recorded and applied, and no
 * window is made due again.
 */
export const noRejudgmentYet: WindowTouches = { touch: async () => {} };
