/**
 * The parameter registry: every quantity Qingliu knows, with its canonical code, names, unit,
 * HJ 212-2017 pollutant code(s), possible and usual ranges, and display precision.
 *
 * HJ 212 codes: HJ 212-2017 Table B.1 (after HJ 525-2009); w01003 turbidity, w01004 transparency and
 * w01016 chlorophyll-a are not in Table B.1 but are used by national surface-water automatic stations
 * (see shared/reference/standards.md §4.6). Display precision follows the 2020 national evaluation
 * decimals (环办监测函〔2020〕82号 as implemented by SW-stat, standards.md §2).
 *
 * Ranges (docs/standards.md §"Parameter ranges" has the table with the real-data figures behind it):
 * - `possible`: what no water sample can hold, from physics — negative amounts, pH outside 0–14, more oxygen than
 *   pure O2 can dissolve. Outside it a reading is refused (dead letter `implausible_value`; an input error in
 *   `evaluate`). Every reading the national automatic-station system published as normal lies inside.
 * - `usual`: what monitoring networks see — every normal reading of the real national and plant files
 *   (test/fixtures/real, scripts/real-data-ranges.ts) and the analyser ranges of the HJ standards, with margin.
 *   Outside it a reading is stored and counted, and sensor health raises `sensor_out_of_range` for a maintainer
 *   to look at. No usual range where neither real data nor a standard gives one (set the installed analyser's
 *   range in the catalog, `alerts.health.ranges`).
 */
import { convertUnit, normaliseUnit, UnitError, type UnitGroup } from './units.js';

// prettier-ignore
export const PARAMETER_CODES = [
  'temp', 'ph', 'do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'tn', 'cu', 'zn', 'f', 'se', 'as', 'hg', 'cd', 'cr6',
  'pb', 'cn', 'phenol', 'oil', 'las', 's2', 'fcoli', 'turbidity', 'conductivity', 'ss', 'transparency', 'orp',
  'flow', 'chla', 'colour', 'animal_oil',
] as const;

export type ParameterCode = (typeof PARAMETER_CODES)[number];

export interface ValueRange {
  min: number;
  max: number;
}

export interface Parameter {
  code: ParameterCode;
  nameZh: string;
  nameEn: string;
  /** Canonical unit, in which values are stored and compared with limits ('' for pH). */
  unit: string;
  unitGroup: UnitGroup;
  /** HJ 212-2017 pollutant codes; the first is the one Qingliu emits, all are accepted. */
  hj212: string[];
  /** Outside this range no water sample can be: a sensor fault or a unit mistake, refused. */
  possible: ValueRange;
  /** Outside this range a value is possible but unusual: kept, and flagged by sensor health. */
  usual: ValueRange | undefined;
  /** Decimal places for display and for the optional 2020 evaluation rounding. */
  decimals: number;
  /** Other spellings used in reports and by loggers (matched case-insensitively, ignoring - _ spaces). */
  aliases: string[];
}

const mgL = { unit: 'mg/L', unitGroup: 'concentration' } as const;

/**
 * The most of anything a litre of an aqueous sample can hold: about its own mass, 1 kg = 10⁶ mg (the most
 * soluble salts stay below: ZnCl₂, 4.3 kg per litre of water, gives ~0.8 kg of zinc per litre of solution).
 * Oxygen demands are bounded the same way: the strongest real wastes (vinasse, ~10⁵ mg/L COD) are far below.
 */
const PER_LITRE = 1e6;

function p(
  code: ParameterCode,
  nameZh: string,
  nameEn: string,
  unit: { unit: string; unitGroup: UnitGroup },
  hj212: string[],
  possible: [number, number],
  usual: [number, number] | null,
  decimals: number,
  aliases: string[] = [],
): Parameter {
  return {
    code,
    nameZh,
    nameEn,
    ...unit,
    hj212,
    possible: { min: possible[0], max: possible[1] },
    usual: usual ? { min: usual[0], max: usual[1] } : undefined,
    decimals,
    aliases,
  };
}

// One parameter per line, as a table (hence prettier-ignore). Real-data maxima quoted below: normal (站点情况
// 正常, or no status) readings in test/fixtures/real, as printed by `npx tsx scripts/real-data-ranges.ts
// test/fixtures/real`.
// prettier-ignore
export const PARAMETERS: readonly Parameter[] = [
  // Liquid water at atmospheric pressure: ≤ 100 °C; fresh and sea water freeze near 0 / −1.9 °C (−5 leaves room
  // for a probe's offset). Usual: national readings 0.1–38.5 °C; 45 °C leaves room for warm effluent.
  p('temp', '水温', 'water temperature', { unit: '°C', unitGroup: 'temperature' }, ['w01010'], [-5, 100], [-1, 45], 1, ['wt', 'watertemp', 'watertemperature', 'temperature']),
  // pH 0–14 (issue 11). Usual: national readings 4.03–11.36; acid mine drainage and lime-dosed effluent reach 3 and 12.
  p('ph', 'pH', 'pH', { unit: '', unitGroup: 'ph' }, ['w01001'], [0, 14], [3, 12], 2, ['pH值']),
  // Pure oxygen dissolves to 69.7 mg/L at 0 °C and 101.325 kPa (air-saturated water holds 14.6 mg/L, O2 is
  // 20.95 % of air): more cannot stay dissolved at a station. Usual: supersaturation under algal blooms, national
  // readings up to 29.95 mg/L (29 normal readings above 25 in the 4-hourly file alone); 35 ≈ 400 % of saturation.
  p('do', '溶解氧', 'dissolved oxygen', mgL, ['w01009'], [0, 70], [0, 35], 1, ['dissolvedoxygen', 'o2']),
  // Usual: national readings up to 48.95 mg/L.
  p('codmn', '高锰酸盐指数', 'permanganate index (CODMn)', mgL, ['w01019'], [0, PER_LITRE], [0, 100], 1, ['codmn', 'permanganateindex', 'imn']),
  // Usual: HJ 377-2019 — a CODCr analyser's range includes 15–2000 mg/L (real plant influent up to 104).
  p('cod', '化学需氧量', 'chemical oxygen demand (COD)', mgL, ['w01018'], [0, PER_LITRE], [0, 2000], 1, ['codcr', 'chemicaloxygendemand']),
  p('bod5', '五日生化需氧量', 'five-day biochemical oxygen demand (BOD5)', mgL, ['w01017'], [0, PER_LITRE], null, 1, ['bod']),
  // Usual: HJ 101-2019 — an NH3-N analyser's range includes 0.1–150 mg/L, "for groundwater, surface water,
  // domestic sewage and industrial wastewater" (real: national 25.5, industrial outlet 84.6; the 闸口 analyser's
  // fault of February 2020 read 1,601–70,765).
  p('nh3n', '氨氮', 'ammonia nitrogen (NH3-N)', mgL, ['w21003'], [0, PER_LITRE], [0, 150], 2, ['nh3', 'nh4n', 'nh4', 'ammonia', 'ammonianitrogen']),
  // Usual: national 2.67, plant influent 3.8, Taihu lab 6.48 mg/L; 50 leaves room for industrial outfalls.
  p('tp', '总磷', 'total phosphorus (TP)', mgL, ['w21011'], [0, PER_LITRE], [0, 50], 3, ['totalphosphorus']),
  // Usual: national 42.31, plant influent 32.83, Taihu lab 86.27 mg/L; at least the NH3-N range it contains.
  p('tn', '总氮', 'total nitrogen (TN)', mgL, ['w21001'], [0, PER_LITRE], [0, 200], 2, ['totalnitrogen']),
  p('cu', '铜', 'copper', mgL, ['w20122', 'w20138'], [0, PER_LITRE], null, 3, ['copper', '总铜']),
  p('zn', '锌', 'zinc', mgL, ['w20123', 'w20139'], [0, PER_LITRE], null, 3, ['zinc', '总锌']),
  p('f', '氟化物', 'fluoride', mgL, ['w21017'], [0, PER_LITRE], null, 3, ['fluoride']),
  p('se', '硒', 'selenium', mgL, ['w20128', 'w20140'], [0, PER_LITRE], null, 4, ['selenium', '总硒']),
  p('as', '砷', 'arsenic', mgL, ['w20141', 'w20119'], [0, PER_LITRE], null, 4, ['arsenic', '总砷']),
  p('hg', '汞', 'mercury', mgL, ['w20111', 'w20142'], [0, PER_LITRE], null, 5, ['mercury', '总汞']),
  p('cd', '镉', 'cadmium', mgL, ['w20115', 'w20143'], [0, PER_LITRE], null, 5, ['cadmium', '总镉']),
  p('cr6', '铬（六价）', 'hexavalent chromium', mgL, ['w20117'], [0, PER_LITRE], null, 3, ['crvi', 'cr6+', 'chromium6', 'hexavalentchromium', '六价铬']),
  p('pb', '铅', 'lead', mgL, ['w20120', 'w20144'], [0, PER_LITRE], null, 3, ['lead', '总铅']),
  p('cn', '氰化物', 'cyanide', mgL, ['w21016'], [0, PER_LITRE], null, 3, ['cyanide']),
  p('phenol', '挥发酚', 'volatile phenol', mgL, ['w23002'], [0, PER_LITRE], null, 4, ['volatilephenol', 'phenols']),
  p('oil', '石油类', 'petroleum', mgL, ['w22001'], [0, PER_LITRE], null, 2, ['petroleum', 'petroleumoil']),
  p('las', '阴离子表面活性剂', 'anionic surfactant (LAS)', mgL, ['w19002'], [0, PER_LITRE], null, 2, ['surfactant', 'anionicsurfactant']),
  p('s2', '硫化物', 'sulfide', mgL, ['w21019'], [0, PER_LITRE], null, 3, ['sulfide', 'sulphide']),
  // A litre of pure faeces holds about 10¹² coliform bacteria: no sample more.
  p('fcoli', '粪大肠菌群', 'fecal coliform', { unit: '个/L', unitGroup: 'count' }, ['w02003'], [0, 1e12], null, 0, ['fecalcoliform', 'faecalcoliform', 'fc', '粪大肠菌群数']),
  // An optical reading calibrated on formazin, whose stock suspension is 4,000 NTU (ISO 7027-1, USEPA 180.1): far
  // beyond it nothing is measured. Usual: national readings up to 5,099 NTU (sediment-laden rivers in flood).
  p('turbidity', '浊度', 'turbidity', { unit: 'NTU', unitGroup: 'turbidity' }, ['w01003'], [0, 100_000], [0, 10_000], 1, ['turb', 'ntu']),
  // No aqueous solution conducts more than ~0.83 S/cm (30 % sulfuric acid, the most conductive). Usual: national
  // normal readings 0.007–59,361 µS/cm (estuaries and saline lakes; sea water ≈ 53,000); below 10 µS/cm a
  // natural water is purer than snowmelt — a dry cell or another unit.
  p('conductivity', '电导率', 'conductivity', { unit: 'µS/cm', unitGroup: 'conductivity' }, ['w01014'], [0, 1_000_000], [10, 100_000], 1, ['cond', 'ec', 'spc']),
  // A litre of sample cannot hold more solid than a litre of quartz, 2.65 kg (Loess-plateau rivers carry up to
  // ~1.6 kg/L in flood). Usual: plant influent up to 1,342, Taihu 873 mg/L.
  p('ss', '悬浮物', 'suspended solids (SS)', mgL, ['w01012'], [0, 2_650_000], [0, 10_000], 0, ['suspendedsolids', 'tss']),
  // The clearest water measured (Weddell Sea, 1986) had a Secchi depth of 79 m. Usual: Taihu 0–160 cm; the
  // clearest Chinese lakes reach about 10–20 m.
  p('transparency', '透明度', 'transparency', { unit: 'cm', unitGroup: 'length' }, ['w01004'], [0, 10_000], [0, 2000], 0, ['sd', 'secchi', 'secchidepth']),
  // Water itself is oxidised above +1.23 V and reduced below −0.83 V (SHE); ±1.5 V leaves room for the reference
  // electrode. Usual: natural waters lie between about −0.5 and +0.85 V (Baas Becking, Kaplan & Moore 1960),
  // about 0.2 V lower against Ag/AgCl.
  p('orp', '氧化还原电位', 'oxidation-reduction potential (ORP)', { unit: 'mV', unitGroup: 'potential' }, [], [-1500, 1500], [-700, 900], 0, ['redox', 'eh']),
  // The Amazon's mean discharge is 2.1 × 10⁵ m³/s. Usual: up to 10⁵ m³/s (the Yangtze in flood); a plant far less.
  p('flow', '流量', 'flow', { unit: 'L/s', unitGroup: 'flow' }, ['w00000'], [0, 3e8], [0, 1e8], 2, ['q', 'discharge', 'flowrate']),
  // An algal paste of 100 g/L dry mass at 1 % chlorophyll-a holds 10⁶ µg/L. Usual: national normal readings up
  // to 252 µg/L, except one 2020 snapshot whose mg/L column held 1,330–32,560 at 12 stations (µg/L, likely).
  p('chla', '叶绿素a', 'chlorophyll-a', { unit: 'µg/L', unitGroup: 'chlorophyll' }, ['w01016'], [0, 1e6], [0, 1000], 1, ['chl', 'chlorophyll', 'chlorophylla', '叶绿素α']),
  // A million-fold dilution: no dye waste is that dark (the darkest need a few thousand).
  p('colour', '色度', 'colour (dilution multiple)', { unit: '倍', unitGroup: 'dilution' }, ['w01002'], [0, 1e6], null, 0, ['color', 'chroma']),
  p('animal_oil', '动植物油', 'animal and vegetable oil', mgL, [], [0, PER_LITRE], null, 2, ['animaloil', 'vegetableoil', 'animalvegetableoil']),
];

const BY_CODE = new Map<string, Parameter>(PARAMETERS.map((param) => [param.code, param]));

/** Folds a spelling for lookup: lowercase, no separators or brackets ("NH3-N" → "nh3n", "BOD_5" → "bod5"). */
function fold(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s\-_()（）]/g, '');
}

const BY_ALIAS: Map<string, Parameter> = (() => {
  const map = new Map<string, Parameter>();
  for (const param of PARAMETERS) {
    for (const key of [param.code, ...param.hj212, ...param.aliases, param.nameZh, param.nameEn]) {
      const folded = fold(key);
      if (!map.has(folded)) map.set(folded, param);
    }
  }
  return map;
})();

const BY_HJ212_CODE = new Map<string, Parameter>(
  PARAMETERS.flatMap((param) => param.hj212.map((code) => [code.toLowerCase(), param] as const)),
);

/** The parameter an HJ 212 pollutant code (e.g. `w21003`, case-insensitive) stands for; only codes, no aliases. */
export function parameterOfHj212Code(code: string): Parameter | undefined {
  return BY_HJ212_CODE.get(code.trim().toLowerCase());
}

export function isParameterCode(code: string): code is ParameterCode {
  return BY_CODE.has(code);
}

/** The parameter with this canonical code. Throws for an unknown code (a programming error). */
export function parameter(code: ParameterCode): Parameter {
  const found = BY_CODE.get(code);
  if (!found) throw new Error(`unknown parameter code ${code}`);
  return found;
}

/**
 * Finds a parameter by canonical code, HJ 212 code or common short form ("pH", "DO", "CODMn", "NH3-N", "氨氮"),
 * case-insensitively. Returns undefined when nothing matches.
 */
export function resolveParameter(name: string): Parameter | undefined {
  return BY_ALIAS.get(fold(name));
}

/** Converts a value given in `unit` into the parameter's canonical unit. Throws UnitError for an unknown unit. */
export function toCanonicalUnit(param: Parameter, value: number, unit: string | undefined): number {
  if (unit === undefined || normaliseUnit(unit) === normaliseUnit(param.unit)) return value;
  return convertUnit(value, unit, param.unitGroup);
}

/** A finite value inside the parameter's possible range (outside: refused). */
export function isPossible(param: Parameter, value: number): boolean {
  return Number.isFinite(value) && value >= param.possible.min && value <= param.possible.max;
}

/** The range sensor health judges a value against: the installed one when given, else the usual one. */
export function usualRange(param: Parameter, installed?: ValueRange): ValueRange | undefined {
  return installed ?? param.usual;
}

export { UnitError };
