/**
 * The four Qingliu Grafana dashboards, built as data: basin overview, station detail with GB 3838 class
 * bands, plant effluent against GB 18918, and data completeness. `npx tsx dashboards/build/main.ts` writes
 * them to dashboards/json/; a test fails when the committed JSON differs from what this builds.
 *
 * Series carry the parameter (and the chosen waterbody or discharge class) in their name, and per-name field
 * overrides attach the right limits: Grafana thresholds cannot depend on a template variable, names can.
 */
import { BUILTIN_DISCHARGE_STANDARDS } from '../../src/domain/discharge-standard-definition.js';
import { DATA_FLAGS, FLAG_MEANING } from '../../src/domain/flags.js';
import { PARAMETERS, type Parameter } from '../../src/domain/parameters.js';
import {
  barGauge,
  constantVariable,
  customVariable,
  dashboard,
  DEAD_LETTER,
  FLAGGED,
  override,
  queryVariable,
  READING,
  row,
  stat,
  table,
  text,
  timeseries,
  VALID,
  type Json,
  type JsonObject,
} from './grafana.js';
import { gb18918Parameters, gb18918Steps, gb3838Steps, type Built } from './limits.js';

const STATION_VALUES = `SHOW TAG VALUES FROM "${READING}" WITH KEY = "station"`;

/** Grafana unit for a canonical unit: a custom suffix keeps mg/L, µS/cm, NTU … exactly as the registry writes them. */
function unitOf(param: Parameter): string {
  if (param.unit === '') return 'none';
  if (param.unit === '°C') return 'celsius';
  return `suffix: ${param.unit}`;
}

function displayName(param: Parameter): string {
  const names = param.nameZh === param.nameEn ? param.nameZh : `${param.nameZh} ${param.nameEn}`;
  return `${names}${param.unit ? ` (${param.unit})` : ''}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const WATERBODIES = [
  { text: '河流 river', value: 'river' },
  { text: '湖库 lake/reservoir', value: 'lake' },
] as const;

function waterbodyVariable(): JsonObject {
  return customVariable({
    name: 'waterbody',
    label: '水体 Waterbody',
    description: 'GB 3838-2002 Table 1 has separate TP (and TN) limits for lakes and reservoirs (湖、库).',
    choices: [...WATERBODIES],
  });
}

function tzVariable(): JsonObject {
  return constantVariable('tz', 'Asia/Shanghai', 'Time zone that daily means align to (Qingliu TIMEZONE).');
}

/** Per-parameter display name, unit, decimals and GB 3838 bands, for series named `<code> (<waterbody>)`. */
function gb3838Overrides(): JsonObject[] {
  const out: JsonObject[] = [];
  for (const param of PARAMETERS) {
    const common: Record<string, Json> = {
      displayName: displayName(param),
      unit: unitOf(param),
      decimals: param.decimals,
    };
    const river = gb3838Steps(param.code, 'river');
    const lake = gb3838Steps(param.code, 'lake');
    if (JSON.stringify(river) === JSON.stringify(lake)) {
      out.push(
        override(
          { id: 'byRegexp', options: `^${escapeRegex(param.code)} \\((river|lake)\\)$` },
          river ? { ...common, thresholds: { mode: 'absolute', steps: river } } : common,
        ),
      );
      continue;
    }
    for (const [waterbody, steps] of [
      ['river', river],
      ['lake', lake],
    ] as const) {
      out.push(
        override(
          { id: 'byName', options: `${param.code} (${waterbody})` },
          steps ? { ...common, thresholds: { mode: 'absolute', steps } } : common,
        ),
      );
    }
  }
  return out;
}

const FLAGGED_SERIES = override(
  { id: 'byRegexp', options: ' 标记 flagged$' },
  {
    'custom.drawStyle': 'points',
    'custom.pointSize': 6,
    'custom.thresholdsStyle': { mode: 'off' },
    color: { mode: 'fixed', fixedColor: '#8e8e8e' },
  },
);

// ── 1. Basin overview ──────────────────────────────────────────────────────────────────────────────────────

function basinOverview(): JsonObject {
  const stationFilter = `"station" =~ /^$station$/`;
  // Cells coloured by GB 3838 class; rivers' columns (the overview mixes waterbodies: TN, a lake-only limit,
  // is not coloured). The station detail dashboard has the lake/reservoir bands.
  const cellOverrides = PARAMETERS.map((param) => {
    const steps = gb3838Steps(param.code, 'river');
    const properties: Record<string, Json> = {
      displayName: `${param.nameZh} ${param.code}`,
      unit: unitOf(param),
      decimals: param.decimals,
    };
    if (steps) {
      properties.thresholds = { mode: 'absolute', steps };
      properties['custom.cellOptions'] = { type: 'color-background', mode: 'basic' };
    }
    return override({ id: 'byName', options: param.code }, properties);
  });
  return dashboard({
    uid: 'qingliu-basin-overview',
    title: '流域总览 Basin overview',
    description:
      'Latest readings of every station, coloured by GB 3838-2002 class; freshness and data health. 清流 Qingliu.',
    time: { from: 'now-24h', to: 'now' },
    variables: [queryVariable({ name: 'station', label: '站点 Station', query: STATION_VALUES, multi: true })],
    panels: [
      stat({
        title: '报送站点 Stations reporting',
        description: 'Stations with at least one reading in the time range.',
        gridPos: { x: 0, y: 0, w: 6, h: 4 },
        queries: [
          {
            query: `SELECT count("value") FROM (SELECT last("value") AS "value" FROM "${READING}" WHERE ${stationFilter} AND $timeFilter GROUP BY "station")`,
            format: 'table',
          },
        ],
      }),
      stat({
        title: '读数 Readings',
        gridPos: { x: 6, y: 0, w: 6, h: 4 },
        queries: [
          { query: `SELECT count("value") FROM "${READING}" WHERE ${stationFilter} AND $timeFilter`, format: 'table' },
        ],
      }),
      stat({
        title: '有效数据占比 Valid share (N/T)',
        description:
          'Share of readings flagged N (normal) or T (above range), the ones that count for compliance; M, C, D, F, S, B are kept but excluded. Qingliu judges a window only with at least 75 % of the expected valid readings.',
        gridPos: { x: 12, y: 0, w: 6, h: 4 },
        unit: 'percentunit',
        decimals: 1,
        steps: [
          { value: null, color: '#e02f44' },
          { value: 0.75, color: '#f2cc0c' },
          { value: 0.9, color: '#2fbf4a' },
        ],
        queries: [
          {
            query: `SELECT count("value") AS "valid" FROM "${READING}" WHERE ${VALID} AND ${stationFilter} AND $timeFilter`,
            format: 'table',
          },
          {
            query: `SELECT count("value") AS "all" FROM "${READING}" WHERE ${stationFilter} AND $timeFilter`,
            format: 'table',
          },
        ],
        transformations: [
          { id: 'joinByField', options: { mode: 'outer' } },
          {
            id: 'calculateField',
            options: {
              mode: 'binary',
              binary: { left: 'valid', operator: '/', right: 'all' },
              alias: 'share',
              replaceFields: true,
            },
          },
        ],
      }),
      stat({
        title: '死信 Dead letters',
        description:
          'Messages rejected by the ingester (unknown station or parameter, implausible value, bad JSON …): see the data completeness dashboard.',
        gridPos: { x: 18, y: 0, w: 6, h: 4 },
        steps: [
          { value: null, color: '#2fbf4a' },
          { value: 1, color: '#f2cc0c' },
        ],
        queries: [{ query: `SELECT count("reason") FROM "${DEAD_LETTER}" WHERE $timeFilter`, format: 'table' }],
      }),
      table({
        title: '最新读数（按 GB 3838 类别着色）Latest readings, coloured by GB 3838-2002 class',
        description:
          'Last reading of each parameter in the time range (any flag). Colours: Ⅰ light cyan, Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red, from GB 3838-2002 Table 1, river column (lakes: see station detail). A single reading is not a compliance verdict: Qingliu judges window means of valid data.',
        gridPos: { x: 0, y: 4, w: 24, h: 12 },
        queries: [
          {
            query: `SELECT last("value") AS "value" FROM "${READING}" WHERE ${stationFilter} AND $timeFilter GROUP BY "station", "param"`,
            format: 'table',
          },
        ],
        transformations: [
          {
            id: 'groupingToMatrix',
            options: { columnField: 'param', rowField: 'station', valueField: 'value', emptyValue: 'null' },
          },
        ],
        overrides: [
          override({ id: 'byName', options: 'station\\param' }, { displayName: '站点 Station' }),
          ...cellOverrides,
        ],
      }),
      table({
        title: '数据新鲜度 Freshness',
        description:
          'When each station last reported. A station silent for more than 3 × its reporting interval is offline in Qingliu.',
        gridPos: { x: 0, y: 16, w: 12, h: 10 },
        queries: [
          {
            query: `SELECT last("value") AS "value" FROM "${READING}" WHERE ${stationFilter} AND $timeFilter GROUP BY "station"`,
            format: 'table',
          },
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { value: true },
              renameByName: { Time: '最后报送 Last reading', station: '站点 Station' },
            },
          },
        ],
        overrides: [override({ id: 'byName', options: 'Time' }, { unit: 'dateTimeFromNow' })],
        sortBy: [{ displayName: '最后报送 Last reading', desc: false }],
      }),
      timeseries({
        title: '每小时有效读数 Valid readings per hour, by station',
        description: 'Gaps show stations that stopped reporting or reported only flagged data.',
        gridPos: { x: 12, y: 16, w: 12, h: 10 },
        drawStyle: 'bars',
        stacking: true,
        queries: [
          {
            query: `SELECT count("value") FROM "${READING}" WHERE ${VALID} AND ${stationFilter} AND $timeFilter GROUP BY time(1h), "station" fill(none)`,
            alias: '$tag_station',
          },
        ],
      }),
    ],
  });
}

// ── 2. Station detail ──────────────────────────────────────────────────────────────────────────────────────

function stationDetail(): JsonObject {
  const where = `"station" =~ /^$station$/ AND "param" = '$param' AND $timeFilter`;
  return dashboard({
    uid: 'qingliu-station-detail',
    title: '站点详情 Station detail',
    description:
      'Trends per parameter with the GB 3838-2002 class bands drawn behind the line; flagged readings as grey points. 清流 Qingliu.',
    variables: [
      queryVariable({ name: 'station', label: '站点 Station', query: STATION_VALUES, multi: false }),
      queryVariable({
        name: 'param',
        label: '指标 Parameter',
        query: `SHOW TAG VALUES FROM "${READING}" WITH KEY = "param" WHERE "station" =~ /^$station$/`,
        multi: true,
      }),
      waterbodyVariable(),
    ],
    panels: [
      text(
        { title: '说明 How to read', gridPos: { x: 0, y: 0, w: 24, h: 3 } },
        'Coloured bands: GB 3838-2002 Table 1 classes — Ⅰ light cyan, Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red (DO: higher is better). ' +
          'The line is the mean of **valid** readings (flags N, T); grey points are readings flagged M, C, D, F, S or B (kept, excluded from compliance). ' +
          'A value exactly on a limit meets it, though Grafana draws it in the band above. Choose *湖库 lake/reservoir* for the lake TP and TN columns.',
      ),
      timeseries({
        title: '$param',
        description: 'Mean of valid readings per interval, with GB 3838-2002 class bands; flagged readings as points.',
        gridPos: { x: 0, y: 3, w: 12, h: 9 },
        repeat: 'param',
        thresholdsStyle: 'line+area',
        queries: [
          {
            query: `SELECT mean("value") FROM "${READING}" WHERE ${VALID} AND ${where} GROUP BY time($__interval) fill(null)`,
            alias: '$param ($waterbody)',
          },
          {
            query: `SELECT mean("value") FROM "${READING}" WHERE ${FLAGGED} AND ${where} GROUP BY time($__interval) fill(none)`,
            alias: '$param 标记 flagged',
          },
        ],
        overrides: [...gb3838Overrides(), FLAGGED_SERIES],
      }),
      table({
        title: '原始读数与标记 Raw readings with HJ 212 flags',
        description:
          'Newest first, up to 500. Flags: N normal, T above range (both valid); M maintenance, C calibration, D fault, F stopped, S manual, B communication fault.',
        gridPos: { x: 0, y: 12, w: 24, h: 10 },
        queries: [
          {
            query: `SELECT "value", "flag" FROM "${READING}" WHERE "station" =~ /^$station$/ AND "param" =~ /^$param$/ AND $timeFilter GROUP BY "param" ORDER BY time DESC LIMIT 500`,
            format: 'table',
          },
        ],
        transformations: [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: {
              renameByName: { Time: '时间 Time', param: '指标 Parameter', value: '数值 Value', flag: '标记 Flag' },
            },
          },
        ],
        sortBy: [{ displayName: '时间 Time', desc: true }],
      }),
    ],
  });
}

// ── 3. Plant effluent ─────────────────────────────────────────────────────────────────────────────────────

const STANDARD_LABELS: Record<(typeof BUILTIN_DISCHARGE_STANDARDS)[number], string> = {
  'gb18918-1a': '一级A 1A',
  'gb18918-1b': '一级B 1B',
  'gb18918-2': '二级 class 2',
  'gb18918-3': '三级 class 3',
};
const BUILT: { text: string; value: Built }[] = [
  { text: '2006年起建设 built from 2006', value: 'from-2006' },
  { text: '2006年前建设 built before 2006', value: 'before-2006' },
];

function plantEffluent(): JsonObject {
  const items = gb18918Parameters();
  const overrides: JsonObject[] = [];
  for (const code of items) {
    const param = PARAMETERS.find((p) => p.code === code)!;
    const name = escapeRegex(code);
    // Names: `<code> · <class> · <built>` hourly, the same plus ` · 日均 daily` for daily means.
    overrides.push(
      override(
        { id: 'byRegexp', options: `^${name} · [^·]+ · [^·]+$` },
        { displayName: `${displayName(param)} 小时均值 hourly mean`, unit: unitOf(param), decimals: param.decimals },
      ),
      override(
        { id: 'byRegexp', options: `^${name} · [^·]+ · [^·]+ · 日均 daily$` },
        { displayName: `${displayName(param)} 日均值 daily mean`, unit: unitOf(param), decimals: param.decimals },
      ),
    );
    for (const std of BUILTIN_DISCHARGE_STANDARDS) {
      for (const built of BUILT) {
        const steps = gb18918Steps(code, std, built.value);
        if (!steps) continue;
        overrides.push(
          override(
            { id: 'byRegexp', options: `^${escapeRegex(`${code} · ${std} · ${built.value}`)}( · 日均 daily)?$` },
            { thresholds: { mode: 'absolute', steps } },
          ),
        );
      }
    }
  }
  const where = `"station" =~ /^$plant$/ AND "param" = '$param' AND ${VALID}`;
  return dashboard({
    uid: 'qingliu-plant-effluent',
    title: '污水厂出水 Plant effluent vs GB 18918-2002',
    description:
      'Effluent of sewage treatment plants against the GB 18918-2002 Table 1 limit of the chosen class. 清流 Qingliu.',
    variables: [
      queryVariable({
        name: 'plant',
        label: '出水站点 Effluent station',
        description:
          'Stations reporting COD (river sections report CODMn instead), influent stations left out. Edit the regex for other naming.',
        query: `SHOW TAG VALUES FROM "${READING}" WITH KEY = "station" WHERE "param" = 'cod'`,
        regex: '/^(?!.*influent).*$/',
        multi: false,
      }),
      queryVariable({
        name: 'param',
        label: '指标 Item',
        query: `SHOW TAG VALUES FROM "${READING}" WITH KEY = "param" WHERE "station" =~ /^$plant$/`,
        regex: `/^(${items.join('|')})$/`,
        multi: true,
      }),
      customVariable({
        name: 'std',
        label: '排放标准 GB 18918 class',
        description:
          "The plant's class under GB 18918-2002 (the catalog's discharge_standard). Custom permits are judged by Qingliu, not drawn here.",
        choices: BUILTIN_DISCHARGE_STANDARDS.map((value) => ({ text: STANDARD_LABELS[value], value })),
      }),
      customVariable({
        name: 'built',
        label: '建设时间 Built',
        description: 'GB 18918-2002 Table 1 sets lower TP limits for plants built from 2006-01-01.',
        choices: BUILT,
      }),
      tzVariable(),
    ],
    panels: [
      text(
        { title: '说明 How to read', gridPos: { x: 0, y: 0, w: 24, h: 3 } },
        'GB 18918-2002 judges the **daily mean** (日均值, §4.1.4.2): the bars are daily means of valid readings (flags N, T) aligned to local midnight, the line hourly means. ' +
          'Green: within the limit; red: above it. NH3-N has two limits (Table 1 note ②): orange above the warm-water limit (exceeds when the water is > 12 °C), red above the cold-water one. ' +
          'Choose the plant’s class and construction date above (TP limits differ before/after 2006-01-01).',
      ),
      timeseries({
        title: '$param',
        gridPos: { x: 0, y: 3, w: 12, h: 9 },
        repeat: 'param',
        thresholdsStyle: 'line+area',
        queries: [
          {
            query: `SELECT mean("value") FROM "${READING}" WHERE ${where} AND $timeFilter GROUP BY time(1h) fill(null) tz('$tz')`,
            alias: '$param · $std · $built',
          },
          {
            query: `SELECT mean("value") FROM "${READING}" WHERE ${where} AND $timeFilter GROUP BY time(1d) fill(none) tz('$tz')`,
            alias: '$param · $std · $built · 日均 daily',
          },
        ],
        overrides: [
          ...overrides,
          override(
            { id: 'byRegexp', options: ' · 日均 daily$' },
            { 'custom.drawStyle': 'bars', 'custom.fillOpacity': 25, 'custom.lineWidth': 1 },
          ),
        ],
      }),
      timeseries({
        title: '流量 Flow',
        gridPos: { x: 0, y: 12, w: 24, h: 7 },
        unit: 'suffix: L/s',
        queries: [
          {
            query: `SELECT mean("value") FROM "${READING}" WHERE "station" =~ /^$plant$/ AND "param" = 'flow' AND ${VALID} AND $timeFilter GROUP BY time($__interval) fill(null)`,
            alias: '流量 flow',
          },
        ],
      }),
    ],
  });
}

// ── 4. Data completeness ──────────────────────────────────────────────────────────────────────────────────

function dataCompleteness(): JsonObject {
  const stationFilter = `"station" =~ /^$station$/`;
  return dashboard({
    uid: 'qingliu-data-completeness',
    title: '数据完整性 Data completeness',
    description:
      'Valid versus flagged readings per station (HJ 212 data flags), gaps, and rejected messages. 清流 Qingliu.',
    variables: [queryVariable({ name: 'station', label: '站点 Station', query: STATION_VALUES, multi: true })],
    panels: [
      table({
        title: '各站有效与标记数据 Valid and flagged readings per station',
        description:
          'Valid: flags N (normal) and T (above range), which count for compliance. Flagged: M, C, D, F, S, B — kept and shown, excluded from compliance (standards.md decision 9). Valid share below 75 % leaves windows "insufficient data".',
        gridPos: { x: 0, y: 0, w: 12, h: 12 },
        queries: [
          {
            query: `SELECT count("value") AS "valid" FROM "${READING}" WHERE ${VALID} AND ${stationFilter} AND $timeFilter GROUP BY "station"`,
            format: 'table',
          },
          {
            query: `SELECT count("value") AS "flagged" FROM "${READING}" WHERE ${FLAGGED} AND ${stationFilter} AND $timeFilter GROUP BY "station"`,
            format: 'table',
          },
        ],
        transformations: [
          { id: 'joinByField', options: { byField: 'station', mode: 'outer' } },
          {
            id: 'calculateField',
            options: {
              mode: 'binary',
              binary: { left: 'valid', operator: '+', right: 'flagged' },
              alias: 'total',
              replaceFields: false,
            },
          },
          {
            id: 'calculateField',
            options: {
              mode: 'binary',
              binary: { left: 'valid', operator: '/', right: 'total' },
              alias: 'valid share',
              replaceFields: false,
            },
          },
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, 'Time 1': true, 'Time 2': true },
              renameByName: {
                station: '站点 Station',
                valid: '有效 valid',
                flagged: '标记 flagged',
                total: '合计 total',
                'valid share': '有效占比 valid share',
              },
            },
          },
        ],
        overrides: [
          override(
            { id: 'byName', options: 'valid share' },
            {
              unit: 'percentunit',
              decimals: 1,
              thresholds: {
                mode: 'absolute',
                steps: [
                  { value: null, color: '#e02f44' },
                  { value: 0.75, color: '#f2cc0c' },
                  { value: 0.9, color: '#2fbf4a' },
                ],
              },
              'custom.cellOptions': { type: 'color-background', mode: 'basic' },
            },
          ),
        ],
        sortBy: [{ displayName: '有效占比 valid share', desc: false }],
      }),
      barGauge({
        title: '按标记统计 Readings by HJ 212 flag',
        description: 'HJ 212-2017 Table 8 data flags.',
        gridPos: { x: 12, y: 0, w: 12, h: 12 },
        queries: DATA_FLAGS.map((flag) => ({
          query: `SELECT count("value") FROM "${READING}" WHERE "flag" = '${flag}' AND ${stationFilter} AND $timeFilter`,
          alias: `${flag} ${FLAG_MEANING[flag].zh} ${FLAG_MEANING[flag].en}`,
        })),
      }),
      timeseries({
        title: '有效与标记读数 Valid and flagged readings over time',
        gridPos: { x: 0, y: 12, w: 24, h: 8 },
        drawStyle: 'bars',
        stacking: true,
        queries: [
          {
            query: `SELECT count("value") FROM "${READING}" WHERE ${VALID} AND ${stationFilter} AND $timeFilter GROUP BY time($__interval) fill(0)`,
            alias: '有效 valid (N/T)',
          },
          {
            query: `SELECT count("value") FROM "${READING}" WHERE ${FLAGGED} AND ${stationFilter} AND $timeFilter GROUP BY time($__interval) fill(0)`,
            alias: '标记 flagged (M/C/D/F/S/B)',
          },
        ],
        overrides: [
          override({ id: 'byName', options: '有效 valid (N/T)' }, { color: { mode: 'fixed', fixedColor: '#2fbf4a' } }),
          override(
            { id: 'byName', options: '标记 flagged (M/C/D/F/S/B)' },
            { color: { mode: 'fixed', fixedColor: '#8e8e8e' } },
          ),
        ],
      }),
      row('死信 Dead letters (rejected messages)', 20),
      timeseries({
        title: '死信数量 Dead letters over time',
        description: 'Every message the ingester could not accept, with its reason (docs/mqtt.md).',
        gridPos: { x: 0, y: 21, w: 8, h: 9 },
        drawStyle: 'bars',
        queries: [
          {
            query: `SELECT count("reason") FROM "${DEAD_LETTER}" WHERE $timeFilter GROUP BY time($__interval) fill(0)`,
            alias: '死信 dead letters',
          },
        ],
      }),
      table({
        title: '最近死信 Latest dead letters',
        gridPos: { x: 8, y: 21, w: 16, h: 9 },
        queries: [
          {
            query: `SELECT "station", "reason", "detail", "topic" FROM "${DEAD_LETTER}" WHERE $timeFilter ORDER BY time DESC LIMIT 200`,
            format: 'table',
          },
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              renameByName: {
                Time: '时间 Time',
                station: '站点 Station',
                reason: '原因 Reason',
                detail: '详情 Detail',
                topic: '主题 Topic',
              },
            },
          },
        ],
      }),
    ],
  });
}

/** File name (in dashboards/json/) → dashboard. */
export function buildDashboards(): Record<string, JsonObject> {
  return {
    'basin-overview.json': basinOverview(),
    'station-detail.json': stationDetail(),
    'plant-effluent.json': plantEffluent(),
    'data-completeness.json': dataCompleteness(),
  };
}
