/** Placeholder replaced by the storage work: parsing and tz-aware alignment of time windows. */
export interface TimeWindow {
  /** How the window was written: '5m', '1h', '4h', '1d', '1mo'. */
  spec: string;
  unit: 'minute' | 'hour' | 'day' | 'month';
  size: number;
}
