/**
 * The report as tables in one language: the columns (with units in the headers), rows of numbers and texts, and
 * the notes under them. XLSX, PDF and CSV all render these, so the three never disagree about a figure.
 * Displayed values are rounded as the 2020 statistics rules print them (standards.md §2, decision 10); the
 * classes and indices were computed from the unrounded means.
 */
import { formatTime } from '../../alerts/messages.js';
import { TREND_WORDS, type Trend } from '../../domain/report/group-report.js';
import type { GroupRow, SectionRow, WaterReport } from '../../domain/report/report-model.js';
import type { SectionVerdict } from '../../domain/report/section-report.js';
import { parameter, PARAMETER_CODES, type ParameterCode } from '../../domain/parameters.js';
import { EVALUATION_DECIMALS_2020, HOURLY_DECIMALS_2020, roundHalfEven } from '../../domain/rounding.js';
import { BLACK_ODOROUS_GRADE_ZH, type BlackOdorousGrade } from '../../domain/black-odorous.js';

export type Lang = 'zh-CN' | 'en';
export type CellValue = string | number | null;

export interface Column {
  label: string;
  /** `number`: a number cell shown with `decimals`; `percent`: a 0–1 share shown as a percentage. */
  type: 'text' | 'number' | 'percent';
  decimals?: number;
  /** Relative width for PDF and XLSX. */
  width?: number;
}

export interface Table {
  id: string;
  /** Sheet name (≤ 31 characters, no []:*?/\). */
  sheet: string;
  title: string;
  columns: Column[];
  rows: CellValue[][];
  notes: string[];
}

const t = (lang: Lang, zh: string, en: string) => (lang === 'en' ? en : zh);

export function paramLabel(code: ParameterCode, lang: Lang): string {
  const p = parameter(code);
  const name = lang === 'en' ? p.nameEn : p.nameZh;
  return p.unit === '' ? name : `${name} (${p.unit})`;
}

/**
 * Decimals a value of this item is shown with: the 2020 evaluation decimals, else the registry's — except pH,
 * shown with the 2020 hourly-data decimals (2): its evaluation decimals (0) would print every mean as 7 or 8.
 */
export function itemDecimals(code: ParameterCode): number {
  if (code === 'ph') return HOURLY_DECIMALS_2020.ph!;
  return EVALUATION_DECIMALS_2020[code] ?? parameter(code).decimals;
}

/** Rounded half to even at `decimals` (the 2020 rule), null kept. */
export function shown(value: number | null | undefined, decimals: number): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : roundHalfEven(value, decimals);
}

export function gradeText(v: { grade: string | null; grade_en: string | null } | null, lang: Lang): string | null {
  if (!v) return null;
  return lang === 'en' ? v.grade_en : v.grade;
}

export function trendText(trend: Trend | null | undefined, lang: Lang): string | null {
  return trend ? (lang === 'en' ? TREND_WORDS[trend].en : TREND_WORDS[trend].zh) : null;
}

const NA = (lang: Lang) => t(lang, '无数据', 'n/a');

function classText(v: SectionVerdict | null, lang: Lang): string {
  if (!v) return NA(lang);
  return v.class ?? (v.status === 'insufficient_data' ? t(lang, '数据不足', 'insufficient') : '—');
}

export function pollutantsText(v: SectionVerdict | null, lang: Lang): string {
  if (!v || v.primary_pollutants.length === 0) return '—';
  const name = (c: ParameterCode) => (lang === 'en' ? parameter(c).nameEn : parameter(c).nameZh);
  return v.primary_pollutants
    .map((p) => (p.multiple === null ? name(p.parameter) : `${name(p.parameter)}(${p.multiple.toFixed(2)})`))
    .join(lang === 'en' ? ', ' : '、');
}

function blackOdorousText(grade: BlackOdorousGrade | null, lang: Lang): string {
  if (grade === null) return NA(lang);
  return lang === 'en'
    ? { none: 'not black-odorous', light: 'light', severe: 'severe' }[grade]
    : BLACK_ODOROUS_GRADE_ZH[grade];
}

/** The items shown as columns: every item some section has a mean of, in registry (≈ GB 3838 Table 1) order. */
function itemColumns(sections: readonly SectionRow[]): ParameterCode[] {
  const present = new Set<ParameterCode>();
  for (const s of sections) for (const code of Object.keys(s.current.means) as ParameterCode[]) present.add(code);
  return PARAMETER_CODES.filter((c) => present.has(c));
}

function sectionsTable(r: WaterReport, lang: Lang): Table {
  const items = itemColumns(r.sections);
  const columns: Column[] = [
    { label: t(lang, 'CWQI排名', 'CWQI rank'), type: 'number', decimals: 0, width: 5 },
    { label: t(lang, '断面', 'Section'), type: 'text', width: 14 },
    { label: t(lang, '河流', 'River'), type: 'text', width: 8 },
    { label: t(lang, '目标', 'Target'), type: 'text', width: 5 },
    { label: t(lang, '类别', 'Class'), type: 'text', width: 6 },
    { label: t(lang, '是否达标', 'Meets target'), type: 'text', width: 6 },
    { label: t(lang, '水质状况', 'Grade'), type: 'text', width: 7 },
    { label: t(lang, '主要污染指标(超III类倍数)', 'Primary pollutants (× over III)'), type: 'text', width: 16 },
    { label: 'CWQI', type: 'number', decimals: 4, width: 7 },
    { label: t(lang, '有效天数', 'Valid days'), type: 'number', decimals: 0, width: 5 },
    { label: t(lang, '上期类别', 'Class, previous'), type: 'text', width: 6 },
    { label: t(lang, '去年同期类别', 'Class, last year'), type: 'text', width: 6 },
    { label: t(lang, 'CWQI环比(%)', 'CWQI vs previous (%)'), type: 'number', decimals: 2, width: 7 },
    { label: t(lang, 'CWQI同比(%)', 'CWQI vs last year (%)'), type: 'number', decimals: 2, width: 7 },
    ...items.map((c): Column => ({ label: paramLabel(c, lang), type: 'number', decimals: itemDecimals(c), width: 7 })),
  ];
  const river = (id: string | null) => r.rivers.find((g) => g.id === id)?.name;
  const rows = r.sections.map((s): CellValue[] => [
    s.status_rank,
    lang === 'en' ? s.name.en : s.name.zh,
    river(s.river)?.[lang === 'en' ? 'en' : 'zh'] ?? s.river,
    s.target_class,
    classText(s.current, lang),
    s.current.compliant === null ? '—' : s.current.compliant ? t(lang, '达标', 'yes') : t(lang, '不达标', 'no'),
    gradeText(s.current, lang),
    pollutantsText(s.current, lang),
    shown(s.current.cwqi, 4),
    s.current.valid_days,
    classText(s.previous, lang),
    classText(s.last_year, lang),
    shown(s.cwqi_change_previous_pct, 2),
    shown(s.cwqi_change_last_year_pct, 2),
    ...items.map((c) => shown(s.current.means[c], itemDecimals(c))),
  ]);
  const lacking = r.sections.filter((s) => s.current.status === 'insufficient_data');
  return {
    id: 'sections',
    sheet: t(lang, '断面', 'Sections'),
    title: t(lang, '断面水质', 'Sections'),
    columns,
    rows,
    notes: [
      t(
        lang,
        `数据不足（有效数据少于应有数据的${Math.round(r.data_basis.min_valid_share * 100)}%）的断面 ${lacking.length} 个，不参与比例和排名。`,
        `${lacking.length} section(s) with insufficient data (fewer than ${Math.round(r.data_basis.min_valid_share * 100)} % of the expected readings): shown, left out of shares and rankings.`,
      ),
    ],
  };
}

function groupColumns(lang: Lang, extra: Column[] = []): Column[] {
  return [
    { label: t(lang, '名称', 'Name'), type: 'text', width: 12 },
    ...extra,
    { label: t(lang, '断面数', 'Sections'), type: 'number', decimals: 0, width: 5 },
    { label: t(lang, '评价断面数', 'Evaluated'), type: 'number', decimals: 0, width: 5 },
    { label: t(lang, '数据不足', 'Insufficient'), type: 'number', decimals: 0, width: 5 },
    { label: t(lang, '达标率', 'Compliance rate'), type: 'percent', decimals: 1, width: 6 },
    { label: t(lang, '优良比例(I–III类)', 'I–III share'), type: 'percent', decimals: 1, width: 6 },
    { label: t(lang, '劣V类比例', '劣V share'), type: 'percent', decimals: 1, width: 6 },
    { label: 'CWQI', type: 'number', decimals: 4, width: 6 },
    { label: t(lang, '优良比例环比(百分点)', 'I–III vs previous (points)'), type: 'number', decimals: 1, width: 7 },
    { label: t(lang, '优良比例同比(百分点)', 'I–III vs last year (points)'), type: 'number', decimals: 1, width: 7 },
    { label: t(lang, '劣V类比例同比(百分点)', '劣V vs last year (points)'), type: 'number', decimals: 1, width: 7 },
    { label: t(lang, 'CWQI同比(%)', 'CWQI vs last year (%)'), type: 'number', decimals: 2, width: 6 },
    { label: t(lang, '同比变化', 'Change vs last year'), type: 'text', width: 7 },
  ];
}

function groupCells(g: GroupRow, lang: Lang): CellValue[] {
  const f = g.figures.current;
  return [
    f?.sections ?? 0,
    f?.evaluated ?? 0,
    f?.insufficient_data ?? 0,
    f?.compliance_rate ?? null,
    f?.share_i_iii ?? null,
    f?.share_inferior_v ?? null,
    shown(f?.cwqi, 4),
    shown(g.change_previous?.share_i_iii_pp, 1),
    shown(g.change_last_year?.share_i_iii_pp, 1),
    shown(g.change_last_year?.share_inferior_v_pp, 1),
    shown(g.change_last_year?.cwqi_pct, 2),
    trendText(g.change_last_year?.trend, lang) ?? NA(lang),
  ];
}

const nameOf = (n: { zh: string; en: string }, lang: Lang) => (lang === 'en' ? n.en : n.zh);

function summaryTable(r: WaterReport, lang: Lang): Table {
  const c = r.city;
  // Shares in percent (62.5), CWQI as an index: each row its own unit, so the columns hold plain numbers.
  const row = (
    label: string,
    pick: (f: NonNullable<GroupRow['figures']['current']>) => number | null,
    kind: 'share' | 'index',
  ) => {
    const value = (f: GroupRow['figures']['current']) => {
      const v = f ? pick(f) : null;
      return v === null ? null : kind === 'share' ? shown(v * 100, 1) : shown(v, 4);
    };
    const now = value(c.figures.current);
    const change = (f: GroupRow['figures']['current']) => {
      const before = f ? pick(f) : null;
      const current = c.figures.current ? pick(c.figures.current) : null;
      if (current === null || before === null) return null;
      return kind === 'share'
        ? shown((current - before) * 100, 1)
        : before === 0
          ? null
          : shown(((current - before) / before) * 100, 2);
    };
    return [
      label,
      now,
      value(c.figures.previous),
      value(c.figures.last_year),
      change(c.figures.previous),
      change(c.figures.last_year),
    ];
  };
  return {
    id: 'summary',
    sheet: t(lang, '概况', 'Summary'),
    title: `${nameOf(r.title, lang)} · ${nameOf(r.period_label, lang)}`,
    columns: [
      { label: t(lang, '指标', 'Figure'), type: 'text', width: 14 },
      { label: t(lang, '本期', 'This period'), type: 'number', width: 8 },
      { label: t(lang, '上期', 'Previous'), type: 'number', width: 8 },
      { label: t(lang, '去年同期', 'Same period last year'), type: 'number', width: 8 },
      { label: t(lang, '环比变化', 'Change vs previous'), type: 'number', width: 8 },
      { label: t(lang, '同比变化', 'Change vs last year'), type: 'number', width: 8 },
    ],
    rows: [
      row(
        t(lang, '达标率(%，变化为百分点)', 'Compliance rate (%, change in points)'),
        (f) => f.compliance_rate,
        'share',
      ),
      row(
        t(lang, '优良比例I–III类(%，变化为百分点)', 'Class I–III share (%, change in points)'),
        (f) => f.share_i_iii,
        'share',
      ),
      row(t(lang, '劣V类比例(%，变化为百分点)', '劣V share (%, change in points)'), (f) => f.share_inferior_v, 'share'),
      row(t(lang, '城市水质指数CWQI(变化为%)', 'City water-quality index CWQI (change in %)'), (f) => f.cwqi, 'index'),
    ],
    notes: [
      t(
        lang,
        `范围：${r.scope.name.zh}；评价断面 ${c.figures.current?.evaluated ?? 0} 个，数据不足 ${c.figures.current?.insufficient_data ?? 0} 个。`,
        `Scope: ${r.scope.name.en}; ${c.figures.current?.evaluated ?? 0} sections evaluated, ${c.figures.current?.insufficient_data ?? 0} with insufficient data.`,
      ),
      t(
        lang,
        `与上期相比：${trendText(c.change_previous?.trend, lang) ?? '无数据'}；与去年同期相比：${trendText(c.change_last_year?.trend, lang) ?? '无数据'}。`,
        `Against the previous period: ${trendText(c.change_previous?.trend, lang) ?? 'n/a'}; against the same period last year: ${trendText(c.change_last_year?.trend, lang) ?? 'n/a'}.`,
      ),
      t(
        lang,
        '比例变化以百分点计，CWQI 变化以百分比计；“无数据”表示比较期无有效数据。',
        'Changes of shares are in percentage points, of CWQI in percent; "n/a": the earlier period has no valid data.',
      ),
    ],
  };
}

function riversTable(r: WaterReport, lang: Lang): Table {
  const groups = [...r.basins, ...r.rivers];
  const method = (g: GroupRow) =>
    !g.evaluation
      ? NA(lang)
      : g.evaluation.method === 'section-mean'
        ? t(lang, '均值法', 'item means')
        : t(lang, '断面比例法', 'section proportions');
  return {
    id: 'rivers',
    sheet: t(lang, '河流流域', 'Rivers'),
    title: t(lang, '河流与流域', 'Rivers and basins'),
    columns: groupColumns(lang, [
      { label: t(lang, '类型', 'Kind'), type: 'text', width: 5 },
      { label: t(lang, '评价方法', 'Method'), type: 'text', width: 7 },
      { label: t(lang, '类别/状况', 'Class / grade'), type: 'text', width: 8 },
    ]),
    rows: groups.map((g) => [
      nameOf(g.name, lang),
      g.kind === 'basin' ? t(lang, '流域', 'basin') : t(lang, '河流', 'river'),
      method(g),
      g.evaluation
        ? [g.evaluation.class, lang === 'en' ? g.evaluation.grade_en : g.evaluation.grade].filter(Boolean).join(' ')
        : NA(lang),
      ...groupCells(g, lang),
    ]),
    notes: [
      t(
        lang,
        '河流、流域：断面少于5个取各项目均值评价，5个及以上用断面水质类别比例法；湖库点位单独评价。',
        'Rivers and basins: fewer than 5 sections — item means; 5 or more — section proportions; lake and reservoir points are evaluated on their own.',
      ),
    ],
  };
}

function jurisdictionsTable(r: WaterReport, lang: Lang): Table {
  const note = (g: GroupRow) =>
    g.change_rank_note === 'good_and_compliant'
      ? t(
          lang,
          '两期均为II类及以上且达标，不参与变化排名',
          'class II or better and on target in both periods: not in the change ranking',
        )
      : g.change_rank_note === 'no_data'
        ? t(lang, '去年同期无数据', 'no data a year ago')
        : '';
  return {
    id: 'jurisdictions',
    sheet: t(lang, '辖区排名', 'Jurisdictions'),
    title: t(lang, '辖区水质排名（CWQI）', 'Jurisdictions ranked by CWQI'),
    columns: [
      { label: t(lang, '状况排名', 'Status rank'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '变化排名', 'Change rank'), type: 'number', decimals: 0, width: 5 },
      ...groupColumns(lang),
      { label: t(lang, '说明', 'Note'), type: 'text', width: 14 },
    ],
    rows: [...r.jurisdictions]
      .sort((a, b) => (a.status_rank ?? Infinity) - (b.status_rank ?? Infinity))
      .map((g) => [
        g.status_rank ?? null,
        g.change_rank ?? null,
        nameOf(g.name, lang),
        ...groupCells(g, lang),
        note(g),
      ]),
    notes: [
      t(
        lang,
        '辖区CWQI为其断面CWQI的均值（项目决定10）；ΔCWQI为负表示改善。',
        'A jurisdiction’s CWQI is the mean of its sections’ (decision 10); a negative ΔCWQI is an improvement.',
      ),
    ],
  };
}

function rankingTable(r: WaterReport, lang: Lang): Table {
  const terms = PARAMETER_CODES.filter((c) => r.sections.some((s) => s.current.cwqi_terms[c] !== undefined));
  const ranked = [...r.sections].filter((s) => s.status_rank !== null).sort((a, b) => a.status_rank! - b.status_rank!);
  return {
    id: 'ranking',
    sheet: t(lang, 'CWQI排名', 'CWQI ranking'),
    title: t(lang, '断面CWQI排名及分项指数', 'Sections ranked by CWQI, with the item terms'),
    columns: [
      { label: t(lang, '状况排名', 'Status rank'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '断面', 'Section'), type: 'text', width: 14 },
      { label: 'CWQI', type: 'number', decimals: 4, width: 7 },
      { label: t(lang, 'ΔCWQI同比(%)', 'ΔCWQI vs last year (%)'), type: 'number', decimals: 2, width: 7 },
      { label: t(lang, '变化排名', 'Change rank'), type: 'number', decimals: 0, width: 5 },
      ...terms.map((c): Column => ({
        label: `${lang === 'en' ? parameter(c).nameEn : parameter(c).nameZh}`,
        type: 'number',
        decimals: 4,
        width: 6,
      })),
    ],
    rows: ranked.map((s) => [
      s.status_rank,
      nameOf(s.name, lang),
      shown(s.current.cwqi, 4),
      shown(s.cwqi_change_last_year_pct, 2),
      s.change_rank,
      ...terms.map((c) => shown(s.current.cwqi_terms[c], 4)),
    ]),
    notes: [
      t(
        lang,
        'CWQI越小水质越好；并列者名次相同。分项指数显示各项目对CWQI的贡献（检出限变化也会改变CWQI）。',
        'A smaller CWQI is better water; ties share a rank. The item terms show what makes up each index (a change of detection limit moves it too).',
      ),
    ],
  };
}

function plantsTable(r: WaterReport, lang: Lang): Table {
  return {
    id: 'plants',
    sheet: t(lang, '排污单位', 'Plants'),
    title: t(lang, '排污单位排放达标情况', 'Plant effluent compliance'),
    columns: [
      { label: t(lang, '监测点', 'Station'), type: 'text', width: 12 },
      { label: t(lang, '排污单位', 'Plant'), type: 'text', width: 12 },
      { label: t(lang, '排放标准', 'Standard'), type: 'text', width: 12 },
      { label: t(lang, '项目', 'Item'), type: 'text', width: 10 },
      { label: t(lang, '限值', 'Limit'), type: 'number', decimals: 3, width: 5 },
      { label: t(lang, '均值', 'Mean'), type: 'number', decimals: 3, width: 6 },
      { label: t(lang, '日均值最大', 'Highest daily mean'), type: 'number', decimals: 3, width: 6 },
      { label: t(lang, '超标天数', 'Exceedance days'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '最大超标倍数', 'Largest multiple'), type: 'number', decimals: 2, width: 5 },
      { label: t(lang, '排放量(kg)', 'Load (kg)'), type: 'number', decimals: 1, width: 7 },
      { label: t(lang, '评价天数', 'Days judged'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '达标天数', 'Compliant days'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '日达标率', 'Daily compliance rate'), type: 'percent', decimals: 1, width: 6 },
      { label: t(lang, '达标率同比(百分点)', 'Rate vs last year (points)'), type: 'number', decimals: 1, width: 6 },
    ],
    rows: r.plants.flatMap((p) =>
      p.current.items.map((it, i): CellValue[] => [
        nameOf(p.name, lang),
        nameOf(p.plant.name, lang),
        nameOf(p.standard.name, lang),
        paramLabel(it.parameter, lang),
        it.limit,
        shown(it.mean, itemDecimals(it.parameter)),
        shown(it.max_daily_mean, itemDecimals(it.parameter)),
        it.exceedance_days,
        shown(it.max_multiple, 2),
        shown(it.load_kg, 1),
        i === 0 ? p.current.judged_days : null,
        i === 0 ? p.current.compliant_days : null,
        i === 0 ? p.current.compliance_rate : null,
        i === 0 ? shown(p.compliance_rate_change_last_year_pp, 1) : null,
      ]),
    ),
    notes: [
      t(
        lang,
        '按日均值对照排放标准逐日评价（GB 18918-2002 §4.1.4.2）；排放量 = 日均浓度 × 日均流量 × 86400 s。',
        'Each day judged on its daily means (GB 18918-2002 §4.1.4.2); load = daily mean concentration × daily mean flow × 86,400 s.',
      ),
    ],
  };
}

function blackOdorousTable(r: WaterReport, lang: Lang): Table {
  const body = (river: string | null) => r.black_odorous.water_bodies.find((w) => w.river === river);
  return {
    id: 'black-odorous',
    sheet: t(lang, '黑臭水体', 'Black-odorous'),
    title: t(lang, '城市黑臭水体', 'Urban black-odorous water bodies'),
    columns: [
      { label: t(lang, '监测点', 'Point'), type: 'text', width: 12 },
      { label: t(lang, '水体', 'Water body'), type: 'text', width: 10 },
      { label: t(lang, '点位等级', 'Point grade'), type: 'text', width: 8 },
      { label: t(lang, '水体等级', 'Water-body grade'), type: 'text', width: 8 },
      { label: t(lang, '样本天数', 'Days sampled'), type: 'number', decimals: 0, width: 5 },
      { label: t(lang, '上期', 'Previous'), type: 'text', width: 8 },
      { label: t(lang, '去年同期', 'Last year'), type: 'text', width: 8 },
    ],
    rows: r.black_odorous.points.map((p) => {
      const b = body(p.river);
      return [
        nameOf(p.name, lang),
        b ? nameOf(b.name, lang) : (p.river ?? ''),
        blackOdorousText(p.grade.current, lang),
        b ? blackOdorousText(b.grade, lang) : NA(lang),
        p.samples,
        blackOdorousText(p.grade.previous, lang),
        blackOdorousText(p.grade.last_year, lang),
      ];
    }),
    notes: [
      t(
        lang,
        '以监测点日均值为样本，按《城市黑臭水体整治工作指南》(2015) 分级。',
        'Daily means as samples, graded by the 2015 urban black-odorous water guideline.',
      ),
    ],
  };
}

export function basisTable(r: WaterReport, lang: Lang): Table {
  const b = r.data_basis;
  const rows: CellValue[][] = [
    [
      t(lang, '报告期', 'Period'),
      `${nameOf(r.period_label, lang)} (${formatTime(r.range.from, r.time_zone)} – ${formatTime(r.range.to, r.time_zone)}, ${r.time_zone})`,
    ],
    [
      t(lang, '比较期', 'Compared with'),
      `${t(lang, '上期', 'previous')} ${r.compared_with.previous ?? '—'}；${t(lang, '去年同期', 'last year')} ${r.compared_with.last_year ?? '—'}`,
    ],
    [t(lang, '范围', 'Scope'), nameOf(r.scope.name, lang)],
    [
      t(lang, '有效数据规则', 'Valid-data rule'),
      t(
        lang,
        `标记 ${b.valid_flags.join('、')} 计入；有效数据不少于应有数据的 ${Math.round(b.min_valid_share * 100)}%（站点可另设）`,
        `flags ${b.valid_flags.join(', ')} count; at least ${Math.round(b.min_valid_share * 100)} % of the expected readings (stations may set their own share)`,
      ),
    ],
    [t(lang, '数据标记来源', 'Flags from'), nameOf(b.flag_source, lang)],
    [
      t(lang, '已应用的数据标记', 'Data marks applied'),
      b.marks_available
        ? String(b.marks_applied.length)
        : t(lang, '无（数据标记功能尚未启用）', 'none (data marks do not exist yet)'),
    ],
    [
      t(lang, '上次发布以来重新评价的时段', 'Windows re-judged since the last issue'),
      b.last_issue === null ? t(lang, '首次发布', 'first issue') : String(b.rejudged_since_last_issue.length),
    ],
    [
      t(lang, '上次发布', 'Last issue'),
      b.last_issue ? `v${b.last_issue.version} ${formatTime(b.last_issue.issued_at, r.time_zone)}` : '—',
    ],
    [
      t(lang, '数据完整性', 'Completeness'),
      b.complete
        ? t(lang, '报告期已结束', 'the period has ended')
        : t(lang, '报告期尚未结束，数据为临时结果', 'the period has not ended: provisional figures'),
    ],
    [t(lang, '生成时间', 'Generated'), `${formatTime(r.generated_at, r.time_zone)} (${r.time_zone})`],
    ...r.methods.map((m): CellValue[] => [
      `${t(lang, '方法', 'Method')}: ${m.id} [${m.confidence}]`,
      `${lang === 'en' ? m.en : m.zh} — ${m.source}`,
    ]),
  ];
  return {
    id: 'basis',
    sheet: t(lang, '数据说明', 'Data basis'),
    title: t(lang, '数据依据与评价方法', 'Data basis and methods'),
    columns: [
      { label: t(lang, '项目', 'Item'), type: 'text', width: 16 },
      { label: t(lang, '说明', 'Detail'), type: 'text', width: 80 },
    ],
    rows,
    notes: [
      t(
        lang,
        '可信度：C 已核实；C2 两个以上二手来源一致；S 单一来源；I 项目解释；U 未能核实。',
        'Confidence: C confirmed; C2 two or more secondary sources; S single source; I project interpretation; U unconfirmed.',
      ),
    ],
  };
}

/** Every table of the report, in reading order; tables without rows in this scope are left out. */
export function reportTables(r: WaterReport, lang: Lang): Table[] {
  const tables: Table[] = [];
  // The city's figures and rankings exist only where there are sections (not in an operator's report).
  if (r.sections.length > 0)
    tables.push(
      summaryTable(r, lang),
      sectionsTable(r, lang),
      rankingTable(r, lang),
      riversTable(r, lang),
      jurisdictionsTable(r, lang),
    );
  if (r.plants.length > 0) tables.push(plantsTable(r, lang));
  if (r.black_odorous.points.length > 0) tables.push(blackOdorousTable(r, lang));
  tables.push(basisTable(r, lang));
  return tables;
}

/** A cell as text (PDF, CSV): numbers at their decimals, shares as percentages, null as "—". */
export function cellText(value: CellValue, column: Column, lang: Lang): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (column.type === 'percent') return `${shown(value * 100, column.decimals ?? 1)!.toFixed(column.decimals ?? 1)}%`;
  void lang;
  return column.decimals === undefined ? String(value) : value.toFixed(column.decimals);
}
