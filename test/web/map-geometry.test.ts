import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/index.js';
import { fitProjection, inferConfluences, pointAtKm, polylinePoints, riverLines, type MapStation } from '../../src/web/app/map-geometry.js';

let catalog: Catalog;
let stations: MapStation[];
beforeAll(async () => {
  catalog = await loadCatalog('sensors/catalog.yaml');
  stations = catalog.stations.map((s) => ({
    id: s.id,
    lat: s.location.lat,
    lon: s.location.lon,
    river: s.river,
    riverKm: s.river_km,
    onCourse: s.kind === 'river_section' || s.kind === 'urban_water',
  }));
});

describe('the projection', () => {
  it('fits every station inside the padded drawing, north up, east right', () => {
    const proj = fitProjection(stations, { width: 900, maxHeight: 460, padding: 36 });
    expect(proj.height).toBeLessThanOrEqual(460);
    for (const s of stations) {
      const p = proj.project(s.lat, s.lon);
      expect(p.x).toBeGreaterThanOrEqual(35.9);
      expect(p.x).toBeLessThanOrEqual(864.1);
      expect(p.y).toBeGreaterThanOrEqual(35.9);
      expect(p.y).toBeLessThanOrEqual(proj.height - 35.9);
    }
    const west = proj.project(31.0823, 119.7206); // Huangnidu, the westernmost
    const east = proj.project(31.0603, 120.0118); // Longdukou, the easternmost
    const north = proj.project(31.1784, 119.8531); // Shitang, the northernmost
    expect(west.x).toBeLessThan(east.x);
    expect(north.y).toBeLessThan(west.y);
  });

  it('keeps distances true in both directions (cos(latitude) scaling)', () => {
    const proj = fitProjection([{ lat: 31, lon: 120 }, { lat: 31.1, lon: 120.1 }], { width: 1000, maxHeight: 1000, padding: 0 });
    const a = proj.project(31, 120);
    const b = proj.project(31.1, 120.1);
    expect(Math.abs(b.x - a.x) / Math.abs(b.y - a.y)).toBeCloseTo(Math.cos((31.05 * Math.PI) / 180), 2);
  });

  it('copes with one station', () => {
    const proj = fitProjection([{ lat: 31, lon: 120 }], { width: 300, maxHeight: 200, padding: 20 });
    expect(Number.isFinite(proj.project(31, 120).x)).toBe(true);
  });
});

describe('rivers as polylines through their stations by km', () => {
  it('finds where the Baisha joins the Yunxi from geometry alone, near the catalog’s km 44', () => {
    const proj = fitProjection(stations, { width: 900, maxHeight: 460, padding: 36 });
    const rivers = inferConfluences(stations, proj, 900 * 0.15);
    const baisha = rivers.find((r) => r.id === 'baisha')!;
    expect(baisha.tributaryOf).toBe('yunxi');
    expect(Math.abs(baisha.joinsAtKm! - catalog.river('baisha')!.joins_at_km!)).toBeLessThan(3);
    expect(rivers.find((r) => r.id === 'yunxi')?.tributaryOf).toBeUndefined();
    // Single-station creeks get no line and join nothing.
    expect(rivers.map((r) => r.id).sort()).toEqual(['baisha', 'yunxi']);
  });

  it('draws the Yunxi through its sections in km order, with a vertex at the confluence, and the Baisha ending there', () => {
    const proj = fitProjection(stations, { width: 900, maxHeight: 460, padding: 36 });
    const rivers = catalog.rivers.map((r) => ({ id: r.id, tributaryOf: r.tributary_of, joinsAtKm: r.joins_at_km }));
    const lines = riverLines(stations, rivers, proj);
    expect(lines.map((l) => l.riverId).sort()).toEqual(['baisha', 'yunxi']);
    const yunxi = lines.find((l) => l.riverId === 'yunxi')!;
    const sections = catalog.stationsOnRiver('yunxi').filter((s) => s.kind === 'river_section');
    expect(yunxi.points).toHaveLength(sections.length + 1);
    expect(yunxi.points[0]).toEqual(proj.project(sections[0]!.location.lat, sections[0]!.location.lon));
    const baisha = lines.find((l) => l.riverId === 'baisha')!;
    expect(baisha.tributary).toBe(true);
    expect(yunxi.points).toContainEqual(baisha.points[baisha.points.length - 1]);
    expect(polylinePoints(baisha.points)).toMatch(/^[\d.]+,[\d.]+( [\d.]+,[\d.]+)+$/);
  });

  it('interpolates along a course and clamps at its ends', () => {
    const course = [
      { x: 0, y: 0, km: 10 },
      { x: 100, y: 0, km: 20 },
      { x: 100, y: 50, km: 30 },
    ];
    expect(pointAtKm(course, 15)).toEqual({ x: 50, y: 0 });
    expect(pointAtKm(course, 25)).toEqual({ x: 100, y: 25 });
    expect(pointAtKm(course, 0)).toEqual({ x: 0, y: 0 });
    expect(pointAtKm(course, 99)).toEqual({ x: 100, y: 50 });
    expect(pointAtKm([], 5)).toBeUndefined();
  });
});
