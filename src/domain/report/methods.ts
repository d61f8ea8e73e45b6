/**
 * The methods a report uses, each with its source and the confidence label of shared/reference/standards.md
 * (C confirmed, C2 two secondary sources, S single source, I project interpretation, U unconfirmed). Every report
 * lists them, because several rest on texts that were not read verbatim.
 */
export interface MethodNote {
  id: string;
  zh: string;
  en: string;
  source: string;
  confidence: 'C' | 'C2' | 'S' | 'I' | 'U';
}

export const REPORT_METHODS: readonly MethodNote[] = [
  {
    id: 'valid-data',
    zh: '有效数据：仅计标记为 N（正常）、T（超测上限）的数据；某项目有效数据不少于应有数据的 75%（站点可另设）方参与评价，否则断面显示为“数据不足”，不参与比例与排名',
    en: 'Valid data: readings flagged N (normal) or T (above range) only; an item is judged with at least 75 % of the readings expected (a station may set its own share), otherwise the section is shown as "insufficient data" and left out of shares and rankings',
    source: 'standards.md §6 decisions 9, 10',
    confidence: 'I',
  },
  {
    id: 'period-mean',
    zh: '时段均值为有效数据的算术均值；pH 均值按氢离子浓度均值换算（−log₁₀ 平均[H⁺]）；评价前不修约',
    en: 'Period means are arithmetic means of the valid readings; the pH mean through the hydrogen-ion concentration (−log₁₀ of the mean [H⁺]); no rounding before classing',
    source: '环办监测函〔2020〕82号 as reproduced (standards.md §7); decision 1',
    confidence: 'S',
  },
  {
    id: 'section-class',
    zh: '断面水质类别：单因子评价法，评价项目为 GB 3838-2002 表1 除水温、总氮、粪大肠菌群外的 21 项',
    en: 'Section class: single-factor method over the 21 evaluation items of GB 3838-2002 Table 1 (all but water temperature, TN and fecal coliform)',
    source: 'GB 3838-2002 §5.1; 环办[2011]22号 (standards.md §2)',
    confidence: 'C2',
  },
  {
    id: 'primary-pollutants',
    zh: '主要污染指标：劣于III类时取类别最差的前三项，类别相同按超III类标准倍数排序，氰化物和重金属优先；超标倍数 = (C − Cⅲ)/Cⅲ，水温、pH、溶解氧不计',
    en: 'Primary pollutants: when worse than class III, the three worst items by class, then by multiple over class III, cyanide and heavy metals first; multiple = (C − C_III)/C_III, none for temperature, pH and DO',
    source: '环办[2011]22号 (standards.md §2); decisions 2, 3',
    confidence: 'C2',
  },
  {
    id: 'river-basin',
    zh: '河流、流域：断面少于 5 个时各项目取均值后单因子评价；5 个及以上用断面水质类别比例法；湖库点位单独评价',
    en: 'Rivers and basins: fewer than 5 sections — item means, then single factor; 5 or more — section-proportion method; lake and reservoir points are evaluated on their own',
    source: '环办[2011]22号 (standards.md §2); decision 4 (exactly 5)',
    confidence: 'C2',
  },
  {
    id: 'shares',
    zh: '达标率 = 达到目标的断面数 / 有目标的评价断面数；优良比例 = I–III类断面数 / 评价断面数；劣V类比例同理；变化以百分点计',
    en: 'Compliance rate = sections meeting their target / evaluated sections with a target; I–III share = class I–III sections / evaluated sections; 劣V share likewise; changes in percentage points',
    source: 'standards.md §7',
    confidence: 'C2',
  },
  {
    id: 'cwqi',
    zh: 'CWQI：各评价项目 Cᵢ/Sᵢ（Sᵢ 为III类限值，湖库总磷 0.05）、溶解氧 5/C、pH ≤7 时 7−pH、>7 时 (pH−7)/2，断面 CWQI 为各项之和；状态排名按 CWQI 升序（4 位小数）',
    en: 'CWQI: Cᵢ/Sᵢ per evaluation item (Sᵢ the class III limit; lake TP 0.05), DO 5/C, pH 7 − pH at ≤ 7 and (pH − 7)/2 above; a section’s CWQI is the sum; status ranking ascending at 4 decimals',
    source: '环办监测〔2017〕51号 as reproduced (standards.md §7)',
    confidence: 'C2',
  },
  {
    id: 'group-cwqi',
    zh: '区域（城市、辖区）CWQI 取其断面 CWQI 的算术均值',
    en: 'A city’s or jurisdiction’s CWQI is the mean of its sections’ CWQI',
    source: 'standards.md §6 decision 10',
    confidence: 'I',
  },
  {
    id: 'cwqi-change',
    zh: 'ΔCWQI = (本期 − 上年同期)/上年同期 × 100%，负值为改善，升序排名；两期均为II类及以上且达标的不参与变化排名',
    en: 'ΔCWQI = (now − same period last year) / same period last year × 100 %, negative is better, ranked ascending; units whose sections are all class II or better and meet their targets in both periods are left out of the change ranking',
    source: '环办监测〔2017〕51号 as reproduced (standards.md §7)',
    confidence: 'U',
  },
  {
    id: 'trend-wording',
    zh: '水质变化：ΔG − ΔD（优良比例与劣V类比例变化之差，百分点）> 20 明显好转，10–20 有所好转，≤ 10 无明显变化（变差同理）',
    en: 'Change wording: ΔG − ΔD (change of the I–III share minus that of the 劣V share, points) > 20 significantly better, 10–20 slightly better, ≤ 10 no obvious change (worse likewise)',
    source: '环办[2011]22号 (standards.md §7)',
    confidence: 'S',
  },
  {
    id: 'effluent',
    zh: '排污单位：按日均值对照排放标准（GB 18918-2002 §4.1.4.2）逐日评价；负荷 = 日均浓度 × 日均流量 × 86400 s',
    en: 'Plants: each day judged on its daily means against the discharge standard (GB 18918-2002 §4.1.4.2); load = daily mean concentration × daily mean flow × 86,400 s',
    source: 'GB 18918-2002; HJ 212-2017 D.1 (standards.md §3, §4.8)',
    confidence: 'C',
  },
  {
    id: 'black-odorous',
    zh: '黑臭水体：以各监测点日均值为样本，按点位 60%/30% 规则和水体 60% 规则分级',
    en: 'Black-odorous water: each point’s daily means as samples, graded by the point 60 %/30 % rule and the water-body 60 % rule',
    source: '城市黑臭水体整治工作指南 (2015) (standards.md §5)',
    confidence: 'S',
  },
];
