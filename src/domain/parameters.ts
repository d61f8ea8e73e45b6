/**
 * The parameter registry: every quantity Qingliu knows, with its canonical code, names, unit,
 * HJ 212-2017 pollutant code(s), physically plausible range and display precision.
 *
 * HJ 212 codes: HJ 212-2017 Table B.1 (after HJ 525-2009); w01003 turbidity, w01004 transparency and
 * w01016 chlorophyll-a are not in Table B.1 but are used by national surface-water automatic stations
 * (see shared/reference/standards.md §4.6). Display precision follows the 2020 national evaluation
 * decimals (环办监测函〔2020〕82号 as implemented by SW-stat, standards.md §2).
 */
import { convertUnit, normaliseUnit, UnitError, type UnitGroup } from './units.js';

export const PARAMETER_CODES = [
  'temp', 'ph', 'do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'tn', 'cu', 'zn', 'f', 'se', 'as', 'hg', 'cd', 'cr6',
  'pb', 'cn', 'phenol', 'oil', 'las', 's2', 'fcoli', 'turbidity', 'conductivity', 'ss', 'transparency', 'orp',
  'flow', 'chla', 'colour', 'animal_oil',
] as const;

export type ParameterCode = (typeof PARAMETER_CODES)[number];

export interface Parameter {
  code: ParameterCode;
  nameZh: string;
  nameEn: string;
  /** Canonical unit, in which values are stored and compared with limits ('' for pH). */
  unit: string;
  unitGroup: UnitGroup;
  /** HJ 212-2017 pollutant codes; the first is the one Qingliu emits, all are accepted. */
  hj212: string[];
  /** Values outside this range cannot be physical: a sensor fault or a unit mistake. */
  range: { min: number; max: number };
  /** Decimal places for display and for the optional 2020 evaluation rounding. */
  decimals: number;
  /** Other spellings used in reports and by loggers (matched case-insensitively, ignoring - _ spaces). */
  aliases: string[];
}

const mgL = { unit: 'mg/L', unitGroup: 'concentration' } as const;

function p(
  code: ParameterCode,
  nameZh: string,
  nameEn: string,
  unit: { unit: string; unitGroup: UnitGroup },
  hj212: string[],
  range: [number, number],
  decimals: number,
  aliases: string[] = [],
): Parameter {
  return { code, nameZh, nameEn, ...unit, hj212, range: { min: range[0], max: range[1] }, decimals, aliases };
}

export const PARAMETERS: readonly Parameter[] = [
  p('temp', '水温', 'water temperature', { unit: '°C', unitGroup: 'temperature' }, ['w01010'], [-5, 50], 1, ['wt', 'watertemp', 'watertemperature', 'temperature']),
  p('ph', 'pH', 'pH', { unit: '', unitGroup: 'ph' }, ['w01001'], [0, 14], 2, ['pH值']),
  p('do', '溶解氧', 'dissolved oxygen', mgL, ['w01009'], [0, 25], 1, ['dissolvedoxygen', 'o2']),
  p('codmn', '高锰酸盐指数', 'permanganate index (CODMn)', mgL, ['w01019'], [0, 500], 1, ['codmn', 'permanganateindex', 'imn']),
  p('cod', '化学需氧量', 'chemical oxygen demand (COD)', mgL, ['w01018'], [0, 20000], 1, ['codcr', 'chemicaloxygendemand']),
  p('bod5', '五日生化需氧量', 'five-day biochemical oxygen demand (BOD5)', mgL, ['w01017'], [0, 10000], 1, ['bod']),
  p('nh3n', '氨氮', 'ammonia nitrogen (NH3-N)', mgL, ['w21003'], [0, 1000], 2, ['nh3', 'nh4n', 'nh4', 'ammonia', 'ammonianitrogen']),
  p('tp', '总磷', 'total phosphorus (TP)', mgL, ['w21011'], [0, 200], 3, ['totalphosphorus']),
  p('tn', '总氮', 'total nitrogen (TN)', mgL, ['w21001'], [0, 1000], 2, ['totalnitrogen']),
  p('cu', '铜', 'copper', mgL, ['w20122', 'w20138'], [0, 100], 3, ['copper', '总铜']),
  p('zn', '锌', 'zinc', mgL, ['w20123', 'w20139'], [0, 100], 3, ['zinc', '总锌']),
  p('f', '氟化物', 'fluoride', mgL, ['w21017'], [0, 100], 3, ['fluoride']),
  p('se', '硒', 'selenium', mgL, ['w20128', 'w20140'], [0, 10], 4, ['selenium', '总硒']),
  p('as', '砷', 'arsenic', mgL, ['w20141', 'w20119'], [0, 10], 4, ['arsenic', '总砷']),
  p('hg', '汞', 'mercury', mgL, ['w20111', 'w20142'], [0, 1], 5, ['mercury', '总汞']),
  p('cd', '镉', 'cadmium', mgL, ['w20115', 'w20143'], [0, 10], 5, ['cadmium', '总镉']),
  p('cr6', '铬（六价）', 'hexavalent chromium', mgL, ['w20117'], [0, 10], 3, ['crvi', 'cr6+', 'chromium6', 'hexavalentchromium', '六价铬']),
  p('pb', '铅', 'lead', mgL, ['w20120', 'w20144'], [0, 10], 3, ['lead', '总铅']),
  p('cn', '氰化物', 'cyanide', mgL, ['w21016'], [0, 100], 3, ['cyanide']),
  p('phenol', '挥发酚', 'volatile phenol', mgL, ['w23002'], [0, 100], 4, ['volatilephenol', 'phenols']),
  p('oil', '石油类', 'petroleum', mgL, ['w22001'], [0, 1000], 2, ['petroleum', 'petroleumoil']),
  p('las', '阴离子表面活性剂', 'anionic surfactant (LAS)', mgL, ['w19002'], [0, 1000], 2, ['surfactant', 'anionicsurfactant']),
  p('s2', '硫化物', 'sulfide', mgL, ['w21019'], [0, 100], 3, ['sulfide', 'sulphide']),
  p('fcoli', '粪大肠菌群', 'fecal coliform', { unit: '个/L', unitGroup: 'count' }, ['w02003'], [0, 1e10], 0, ['fecalcoliform', 'faecalcoliform', 'fc', '粪大肠菌群数']),
  p('turbidity', '浊度', 'turbidity', { unit: 'NTU', unitGroup: 'turbidity' }, ['w01003'], [0, 10000], 1, ['turb', 'ntu']),
  p('conductivity', '电导率', 'conductivity', { unit: 'µS/cm', unitGroup: 'conductivity' }, ['w01014'], [0, 200000], 1, ['cond', 'ec', 'spc']),
  p('ss', '悬浮物', 'suspended solids (SS)', mgL, ['w01012'], [0, 100000], 0, ['suspendedsolids', 'tss']),
  p('transparency', '透明度', 'transparency', { unit: 'cm', unitGroup: 'length' }, ['w01004'], [0, 5000], 0, ['sd', 'secchi', 'secchidepth']),
  p('orp', '氧化还原电位', 'oxidation-reduction potential (ORP)', { unit: 'mV', unitGroup: 'potential' }, [], [-1500, 1500], 0, ['redox', 'eh']),
  p('flow', '流量', 'flow', { unit: 'L/s', unitGroup: 'flow' }, ['w00000'], [0, 1e7], 2, ['q', 'discharge', 'flowrate']),
  p('chla', '叶绿素a', 'chlorophyll-a', { unit: 'µg/L', unitGroup: 'chlorophyll' }, ['w01016'], [0, 10000], 1, ['chl', 'chlorophyll', 'chlorophylla', '叶绿素α']),
  p('colour', '色度', 'colour (dilution multiple)', { unit: '倍', unitGroup: 'dilution' }, ['w01002'], [0, 100000], 0, ['color', 'chroma']),
  p('animal_oil', '动植物油', 'animal and vegetable oil', mgL, [], [0, 1000], 2, ['animaloil', 'vegetableoil', 'animalvegetableoil']),
];

const BY_CODE = new Map<string, Parameter>(PARAMETERS.map((param) => [param.code, param]));

/** Folds a spelling for lookup: lowercase, no separators or brackets ("NH3-N" → "nh3n", "BOD_5" → "bod5"). */
function fold(name: string): string {
  return name.trim().toLowerCase().replace(/[\s\-_()（）]/g, '');
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

export function isPlausible(param: Parameter, value: number): boolean {
  return Number.isFinite(value) && value >= param.range.min && value <= param.range.max;
}

export { UnitError };
