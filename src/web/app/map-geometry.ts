/**
 * The basin map's geometry, without tiles (air-gapped bureaus): station coordinates projected onto the drawing,
 * and each river drawn as a polyline through its stations ordered by river km; a tributary ends where it joins
 * its main river (interpolated along the main river's stations by km). Pure: no DOM, unit-tested in Node.
 */
export interface MapStation {
  id: string;
  lat: number;
  lon: number;
  river?: string | undefined;
  riverKm?: number | undefined;
  /** Only stations in the water course shape the river lines (an effluent station sits beside it). */
  onCourse: boolean;
}

export interface MapRiver {
  id: string;
  tributaryOf?: string | undefined;
  joinsAtKm?: number | undefined;
}

export interface Point {
  x: number;
  y: number;
}

export interface Projection {
  project(lat: number, lon: number): Point;
  width: number;
  height: number;
}

/**
 * Equirectangular projection scaled by cos(latitude): exact enough over a city's few tens of kilometres.
 * The drawing keeps the map's aspect ratio inside `width` × `maxHeight` with `padding` on every side.
 */
export function fitProjection(
  points: readonly { lat: number; lon: number }[],
  size: { width: number; maxHeight: number; padding: number },
): Projection {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const minLon = Math.min(...lons);
  const maxLon = Math.max(...lons);
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  // A single point (or a line) still gets a sensible extent.
  const spanX = Math.max((maxLon - minLon) * kx, 1e-3);
  const spanY = Math.max(maxLat - minLat, 1e-3);
  const innerW = size.width - 2 * size.padding;
  const scale = Math.min(innerW / spanX, (size.maxHeight - 2 * size.padding) / spanY);
  const height = Math.ceil(spanY * scale + 2 * size.padding);
  const offsetX = size.padding + (innerW - spanX * scale) / 2;
  return {
    width: size.width,
    height,
    project: (lat, lon) => ({
      x: round(offsetX + (lon - minLon) * kx * scale),
      y: round(size.padding + (maxLat - lat) * scale),
    }),
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

interface KmPoint extends Point {
  km: number;
}

/** The point at `km` along a course of points sorted by km (clamped to its ends). */
export function pointAtKm(course: readonly KmPoint[], km: number): Point | undefined {
  if (course.length === 0) return undefined;
  const first = course[0]!;
  const last = course[course.length - 1]!;
  if (km <= first.km) return { x: first.x, y: first.y };
  if (km >= last.km) return { x: last.x, y: last.y };
  for (let i = 1; i < course.length; i++) {
    const a = course[i - 1]!;
    const b = course[i]!;
    if (km <= b.km) {
      const t = b.km === a.km ? 0 : (km - a.km) / (b.km - a.km);
      return { x: round(a.x + (b.x - a.x) * t), y: round(a.y + (b.y - a.y) * t) };
    }
  }
  return { x: last.x, y: last.y };
}

export interface RiverLine {
  riverId: string;
  points: Point[];
  tributary: boolean;
}

/** One polyline per river with at least two points (its stations, plus the confluence for a tributary). */
export function riverLines(stations: readonly MapStation[], rivers: readonly MapRiver[], projection: Projection): RiverLine[] {
  const courses = new Map<string, KmPoint[]>();
  for (const s of stations) {
    if (!s.onCourse || s.river === undefined || s.riverKm === undefined) continue;
    const list = courses.get(s.river) ?? [];
    list.push({ ...projection.project(s.lat, s.lon), km: s.riverKm });
    courses.set(s.river, list);
  }
  for (const list of courses.values()) list.sort((a, b) => a.km - b.km);

  // Confluences: the tributary's last point, and a vertex on the main river so the lines meet.
  const confluences = new Map<string, KmPoint>();
  for (const r of rivers) {
    if (r.tributaryOf === undefined || r.joinsAtKm === undefined) continue;
    const main = courses.get(r.tributaryOf);
    const at = main ? pointAtKm(main, r.joinsAtKm) : undefined;
    if (at) confluences.set(r.id, { ...at, km: r.joinsAtKm });
  }

  const lines: RiverLine[] = [];
  const byId = new Map(rivers.map((r) => [r.id, r]));
  for (const [riverId, course] of courses) {
    const points: KmPoint[] = [...course];
    const confluence = confluences.get(riverId);
    if (confluence) points.push({ ...confluence, km: Number.POSITIVE_INFINITY });
    for (const r of rivers) {
      const c = confluences.get(r.id);
      if (r.tributaryOf === riverId && c) points.push(c);
    }
    points.sort((a, b) => a.km - b.km);
    if (points.length < 2) continue;
    lines.push({ riverId, points: points.map(({ x, y }) => ({ x, y })), tributary: byId.get(riverId)?.tributaryOf !== undefined });
  }
  return lines;
}

/** The nearest point to `p` on the segment a–b. */
function nearestOnSegment(p: Point, a: Point, b: Point): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return { x: round(a.x + dx * t), y: round(a.y + dy * t) };
}

/**
 * Confluences the API does not state: a river of at least two stations whose mouth (its highest-km station) lies
 * within `maxDistance` of a longer river's line is drawn as joining it at the nearest point. Rivers with one
 * station (urban creeks) are never joined: a line would suggest a course nobody measured.
 */
export function inferConfluences(
  stations: readonly MapStation[],
  projection: Projection,
  maxDistance: number,
): MapRiver[] {
  const courses = new Map<string, KmPoint[]>();
  for (const s of stations) {
    if (!s.onCourse || s.river === undefined || s.riverKm === undefined) continue;
    const list = courses.get(s.river) ?? [];
    list.push({ ...projection.project(s.lat, s.lon), km: s.riverKm });
    courses.set(s.river, list);
  }
  for (const list of courses.values()) list.sort((a, b) => a.km - b.km);
  const rivers: MapRiver[] = [];
  for (const [id, course] of courses) {
    if (course.length < 2) continue;
    const mouth = course[course.length - 1]!;
    let best: { river: string; km: number; d: number } | undefined;
    for (const [other, line] of courses) {
      if (other === id || line.length <= course.length) continue;
      for (let i = 1; i < line.length; i++) {
        const a = line[i - 1]!;
        const b = line[i]!;
        const q = nearestOnSegment(mouth, a, b);
        const d = Math.hypot(q.x - mouth.x, q.y - mouth.y);
        const segLen = Math.hypot(b.x - a.x, b.y - a.y);
        const t = segLen === 0 ? 0 : Math.hypot(q.x - a.x, q.y - a.y) / segLen;
        if (d <= maxDistance && (!best || d < best.d)) best = { river: other, km: a.km + (b.km - a.km) * t, d };
      }
    }
    rivers.push(best ? { id, tributaryOf: best.river, joinsAtKm: Math.round(best.km * 10) / 10 } : { id });
  }
  return rivers;
}

/** SVG `points` attribute of a polyline. */
export function polylinePoints(points: readonly Point[]): string {
  return points.map((p) => `${p.x},${p.y}`).join(' ');
}
