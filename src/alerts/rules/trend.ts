/** Least-squares line through (t, v) points, for the trend early warning. Pure arithmetic. */

export interface Point {
  t: number;
  v: number;
}

export interface LineFit {
  /** Value per millisecond. */
  slope: number;
  /** Value of the line at t = origin. */
  intercept: number;
  origin: number;
  /** Coefficient of determination; 1 for a perfect fit, 0 when the line explains nothing (or all v are equal). */
  r2: number;
  at(t: number): number;
  /** When the line reaches `value` (may be in the past), or null for a flat line. */
  reaches(value: number): number | null;
}

/** Fits v = a + b·t; returns null with fewer than two distinct times. Times are shifted to the first point for precision. */
export function fitLine(points: readonly Point[]): LineFit | null {
  if (points.length < 2) return null;
  const origin = points[0]!.t;
  const n = points.length;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.t - origin;
    sy += p.v;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.t - origin - mx;
    const dy = p.v - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return {
    slope,
    intercept,
    origin,
    r2,
    at: (t) => intercept + slope * (t - origin),
    reaches: (value) => (slope === 0 ? null : origin + (value - intercept) / slope),
  };
}
