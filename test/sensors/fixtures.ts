/**
 * A small basin for the simulator tests, as a literal (the simulator reads a narrow slice of the catalog):
 *
 *   main river (80 km, 2 km/h):  inbound km 10 → control km 35 → plant p1 outfall km 40 → outbound km 60
 *   tributary  (20 km, 1 km/h, joins main at km 30):  trib-section km 5
 *   plus a lake-type section, an industrial outfall, and an urban water body on its own creek.
 */
import path from 'node:path';
import type { SimCatalog } from '../../sensors/simulator/index.js';

const surface9 = ['temp', 'ph', 'do', 'conductivity', 'turbidity', 'codmn', 'nh3n', 'tp', 'tn'];

export const testCatalog: SimCatalog = {
  rivers: [
    { id: 'main', length_km: 80, flow_speed_kmh: 2 },
    { id: 'trib', length_km: 20, flow_speed_kmh: 1, tributary_of: 'main', joins_at_km: 30 },
    { id: 'creek', length_km: 2, flow_speed_kmh: 0.3 },
  ],
  plants: [
    { id: 'p1', type: 'wwtp', design_capacity_m3_per_day: 100_000, river: 'main', river_km: 40 },
    { id: 'dye', type: 'industrial', design_capacity_m3_per_day: 5_000, river: 'main', river_km: 45 },
  ],
  stations: [
    {
      id: 'inbound',
      kind: 'river_section',
      river: 'main',
      river_km: 10,
      parameters: surface9,
      interval: '4h',
      section: { role: 'inbound', target_class: 'II' },
    },
    {
      id: 'control',
      kind: 'river_section',
      river: 'main',
      river_km: 35,
      parameters: surface9,
      interval: '4h',
      section: { role: 'control', target_class: 'III' },
    },
    {
      id: 'trib-section',
      kind: 'river_section',
      river: 'trib',
      river_km: 5,
      parameters: surface9,
      interval: '4h',
      section: { role: 'control', target_class: 'III' },
    },
    {
      id: 'p1-influent',
      kind: 'plant_influent',
      plant: 'p1',
      parameters: ['cod', 'nh3n', 'tp', 'tn', 'ph', 'flow'],
      interval: '1h',
    },
    {
      id: 'p1-effluent',
      kind: 'plant_effluent',
      plant: 'p1',
      parameters: ['cod', 'nh3n', 'tp', 'tn', 'ph', 'flow', 'temp'],
      interval: '1h',
    },
    {
      id: 'dye-outfall',
      kind: 'industrial_outfall',
      plant: 'dye',
      parameters: ['cod', 'nh3n', 'tp', 'ph', 'flow', 'oil'],
      interval: '1h',
    },
    {
      id: 'wetland',
      kind: 'river_section',
      river: 'main',
      river_km: 50,
      parameters: [...surface9, 'chla', 'transparency'],
      interval: '4h',
      section: { role: 'control', target_class: 'IV', waterbody: 'lake' },
    },
    {
      id: 'outbound',
      kind: 'river_section',
      river: 'main',
      river_km: 60,
      parameters: surface9,
      interval: '4h',
      section: { role: 'outbound', target_class: 'III' },
    },
    {
      id: 'creek',
      kind: 'urban_water',
      river: 'creek',
      river_km: 1,
      parameters: ['transparency', 'do', 'orp', 'nh3n'],
      interval: '1h',
    },
  ],
};

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** 2026-07-15 00:00 Beijing time: midsummer, when the daily cycles are strongest. */
export const JULY_15 = Date.parse('2026-07-15T00:00:00+08:00');

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
