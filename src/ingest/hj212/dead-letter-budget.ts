/**
 * Keeps one misconfigured logger from filling the dead-letter store: a logger with a wrong password (or an MN that
 * is not registered) resends every 30 s for as long as nobody fixes it — 2,880 identical letters a day, burying
 * every other one. Every refused packet is still counted (`qingliu_hj212_rejected_total{reason}`); of the letters
 * of one device and reason, only the first `perPeriod` of each period are kept, then one summary that says how many
 * more came and holds the last of them. Pure: the caller writes what it is told to.
 */

export interface DeadLetterBudgetOptions {
  /** Letters kept per device and reason in each period. */
  perPeriod: number;
  periodMs: number;
  /** Devices × reasons followed at once (each holds its last packet); beyond it they share one budget per reason. */
  maxKeys?: number;
}

/** What was not kept in one device's period for one reason. */
export interface Suppressed<T> {
  device: string;
  reason: string;
  count: number;
  /** When the first and the last of them arrived. */
  from: number;
  to: number;
  /** The last of them (e.g. its dead letter, to be kept with the summary). */
  last: T;
}

interface Window<T> {
  device: string;
  reason: string;
  start: number;
  kept: number;
  suppressed?: Suppressed<T>;
}

/** The device key shared by every device and reason that did not fit into `maxKeys`. */
export const OVERFLOW_DEVICE = '(many devices)';

export class DeadLetterBudget<T> {
  private readonly windows = new Map<string, Window<T>>();
  private readonly maxKeys: number;

  constructor(private readonly options: DeadLetterBudgetOptions) {
    this.maxKeys = options.maxKeys ?? 1000;
  }

  /**
   * Whether to keep this letter; `summary`: what the device's previous period of this reason suppressed, to be
   * written now (a new period begins with this letter).
   */
  admit(device: string, reason: string, now: number, item: T): { keep: boolean; summary?: Suppressed<T> } {
    let key = `${device}\u0000${reason}`;
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) {
      device = OVERFLOW_DEVICE;
      key = `${device}\u0000${reason}`;
    }
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.options.periodMs) {
      this.windows.set(key, { device, reason, start: now, kept: 1 });
      return w?.suppressed ? { keep: true, summary: w.suppressed } : { keep: true };
    }
    if (w.kept < this.options.perPeriod) {
      w.kept++;
      return { keep: true };
    }
    if (w.suppressed) {
      w.suppressed.count++;
      w.suppressed.to = now;
      w.suppressed.last = item;
    } else w.suppressed = { device: w.device, reason, count: 1, from: now, to: now, last: item };
    return { keep: false };
  }

  /** Ends the periods that are over: the summaries of those that suppressed anything, to be written. */
  expire(now: number): Suppressed<T>[] {
    const out: Suppressed<T>[] = [];
    for (const [key, w] of this.windows) {
      if (now - w.start < this.options.periodMs) continue;
      this.windows.delete(key);
      if (w.suppressed) out.push(w.suppressed);
    }
    return out;
  }
}
