/**
 * Typical values per kind of station: what a healthy station of each kind reads on an ordinary day, before
 * cycles, weather, incidents and instrument behaviour are added. Every concentration is in the parameter's
 * canonical unit (mg/L unless the registry says otherwise).
 */
import { classLimits, type WaterbodyType } from '../../src/domain/gb3838.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { StationKind } from './sim-catalog.js';

export type Values = Partial<Record<ParameterCode, number>>;

export type ProfileFamily = 'surface' | 'effluent' | 'influent' | 'industrial' | 'urban';

export function familyOf(kind: StationKind): ProfileFamily {
  switch (kind) {
    case 'plant_effluent':
      return 'effluent';
    case 'plant_influent':
      return 'influent';
    case 'industrial_outfall':
      return 'industrial';
    case 'urban_water':
      return 'urban';
    default:
      return 'surface';
  }
}

/**
 * Surface water: a river section of a slightly developed eastern-China basin (the "9+X" automatic-station set,
 * standards.md §2) for parameters GB 3838 does not class. Class-limited items are set from the section's
 * target class by `SURFACE_SHARE_OF_LIMIT` below, so a class II section reads cleaner than a class IV one.
 */
const SURFACE: Values = {
  ph: 7.7,
  conductivity: 420,
  turbidity: 22,
  ss: 25,
  transparency: 60,
  orp: 220,
  chla: 4,
  colour: 10,
  animal_oil: 0.05,
  tn: 1.6, // rivers: GB 3838 sets no river TN limit; eastern-China rivers commonly read 1–3 mg/L
  flow: 60_000, // L/s (60 m³/s)
};

/**
 * Share of the target class's GB 3838-2002 Table 1 limit (standards.md §1) a section reads on average.
 * Below 1 so that a section usually meets its target; weather and incidents take it over at times.
 */
const SURFACE_SHARE_OF_LIMIT: Values = {
  codmn: 0.62,
  cod: 0.62,
  bod5: 0.55,
  nh3n: 0.5,
  tp: 0.6,
  tn: 0.8, // lakes only
  fcoli: 0.35,
  // Metals, cyanide, phenol, petroleum, LAS, sulfide, fluoride: far below their limits in ordinary water.
  cu: 0.05,
  zn: 0.08,
  f: 0.4,
  se: 0.1,
  as: 0.08,
  hg: 0.2,
  cd: 0.05,
  cr6: 0.1,
  pb: 0.1,
  cn: 0.02,
  phenol: 0.25,
  oil: 0.4,
  las: 0.2,
  s2: 0.1,
};

/** Oxygen saturation share by target class: clean water is near saturation, class V water far below it. */
const SATURATION_BY_CLASS: Record<string, number> = { I: 0.98, II: 0.94, III: 0.86, IV: 0.7, V: 0.58 };

/**
 * Effluent of a GB 18918-2002 class 1A plant (limits, Table 1, standards.md §3: COD 50, BOD5 10, SS 10,
 * NH3-N 5 (8), TP 0.5 (built from 2006), TN 15, pH 6–9, fecal coliform 10³ 个/L, petroleum 1,
 * animal oil 1, LAS 0.5, colour 30). A well-run plant reads about half its limits; the values sit close to
 * the real plant data in test/fixtures/real/wwtp1_hourly_… (NH3-N ≈ 0.2, TP ≈ 0.2, TN ≈ 10).
 */
const EFFLUENT: Values = {
  cod: 22,
  bod5: 4.5,
  ss: 5,
  nh3n: 0.6,
  tp: 0.22,
  tn: 9,
  ph: 7.0,
  fcoli: 300,
  oil: 0.15,
  animal_oil: 0.2,
  las: 0.12,
  colour: 12,
  codmn: 6,
  do: 4.5,
  conductivity: 900,
  turbidity: 3,
  orp: 150,
  transparency: 150,
};

/**
 * Raw sewage of a Chinese municipal plant (dilute by international standards: combined sewers and
 * infiltration). The real plant in test/fixtures/real reads NH3-N 12–13, TP 1.6–2.6, TN 16–17 mg/L.
 */
const INFLUENT: Values = {
  cod: 260,
  bod5: 115,
  ss: 180,
  nh3n: 24,
  tp: 3.2,
  tn: 34,
  ph: 7.3,
  fcoli: 2e7,
  oil: 2.5,
  animal_oil: 8,
  las: 4,
  colour: 60,
  codmn: 55,
  do: 0.6,
  conductivity: 1100,
  turbidity: 120,
  orp: -120,
  transparency: 8,
};

/** A riverside industrial outfall under its permit: moderate organics, some metals and petroleum. */
const INDUSTRIAL: Values = {
  cod: 45,
  bod5: 10,
  ss: 15,
  nh3n: 2.5,
  tp: 0.3,
  tn: 10,
  ph: 7.4,
  oil: 0.4,
  animal_oil: 0.3,
  las: 0.3,
  cu: 0.1,
  zn: 0.3,
  cr6: 0.02,
  pb: 0.03,
  cd: 0.005,
  as: 0.01,
  hg: 0.0005,
  cn: 0.05,
  phenol: 0.05,
  s2: 0.2,
  f: 2,
  colour: 20,
  codmn: 12,
  do: 5,
  conductivity: 2500,
  turbidity: 8,
  orp: 180,
  flow: 25,
  fcoli: 500,
};

/**
 * Urban water under black-and-odorous remediation (黑臭水体整治): near the "light" (轻度) grade of the 2015
 * 城市黑臭水体整治工作指南 (standards.md §5: transparency 10–25 cm, DO 0.2–2.0 mg/L, ORP −200–50 mV,
 * NH3-N 8–15 mg/L), slightly on the better side; storms push it back into the black-odorous range.
 */
const URBAN: Values = {
  transparency: 28,
  orp: 40,
  nh3n: 6.5,
  tp: 0.6,
  tn: 9,
  codmn: 9,
  cod: 35,
  bod5: 8,
  turbidity: 35,
  ss: 40,
  conductivity: 650,
  ph: 7.3,
  chla: 30,
  fcoli: 60_000,
};

const TABLES: Record<ProfileFamily, Values> = {
  surface: SURFACE,
  effluent: EFFLUENT,
  influent: INFLUENT,
  industrial: INDUSTRIAL,
  urban: URBAN,
};

/** Design capacity when the catalog gives none: a mid-sized town plant. */
export const DEFAULT_PLANT_CAPACITY_M3_PER_DAY = 50_000;

function targetClass(section: string | undefined): string {
  return section && section in SATURATION_BY_CLASS ? section : 'III';
}

/** Oxygen saturation share a water body keeps on average. */
export function saturationShare(family: ProfileFamily, target: string | undefined): number {
  if (family === 'urban') return 0.3;
  return SATURATION_BY_CLASS[targetClass(target)]!;
}

/**
 * The typical value of `code` for a station of this family. Surface water takes its class-limited items from
 * the target class; anything a family does not list falls back to surface water, then to a tiny value.
 */
export function typicalValue(
  family: ProfileFamily,
  code: ParameterCode,
  section: { target?: string | undefined; waterbody: WaterbodyType },
): number {
  const own = family === 'surface' ? undefined : TABLES[family][code];
  if (own !== undefined) return own;
  const share = SURFACE_SHARE_OF_LIMIT[code];
  const limits = classLimits(code, section.waterbody);
  if (share !== undefined && limits) {
    const index = ['I', 'II', 'III', 'IV', 'V'].indexOf(targetClass(section.target));
    return share * limits[index]!;
  }
  return SURFACE[code] ?? 0.01;
}

/**
 * Standard-solution values an analyser reads during calibration (C): a span check near the middle of the
 * range the station normally measures. pH 6.86 is the phosphate buffer of the NIST/GB pH scale; 1413 µS/cm the
 * 0.01 mol/L KCl conductivity standard; turbidity uses a formazin dilution.
 */
const CALIBRATION: Record<ProfileFamily, Values> = {
  surface: { codmn: 4, cod: 20, nh3n: 1, tp: 0.2, tn: 2, ph: 6.86, conductivity: 1413, turbidity: 20 },
  urban: { codmn: 10, cod: 40, nh3n: 10, tp: 1, tn: 10, ph: 6.86, conductivity: 1413, turbidity: 40 },
  effluent: { cod: 50, codmn: 10, nh3n: 5, tp: 0.5, tn: 15, ph: 6.86, conductivity: 1413, turbidity: 10 },
  industrial: { cod: 100, codmn: 20, nh3n: 5, tp: 0.5, tn: 15, ph: 6.86, conductivity: 1413, turbidity: 10 },
  influent: { cod: 300, codmn: 60, nh3n: 25, tp: 5, tn: 40, ph: 6.86, conductivity: 1413, turbidity: 100 },
};

/** The standard-solution value for an analyser, or undefined for sensors that are not span-calibrated here. */
export function calibrationValue(family: ProfileFamily, code: ParameterCode): number | undefined {
  return CALIBRATION[family][code];
}
