/**
 * Small builders for Grafana dashboard JSON (schema version 41, Grafana 12) with InfluxQL queries against the
 * provisioned InfluxDB data source. Only what the Qingliu dashboards use; the output is plain JSON.
 */

/** Must match `uid` in dashboards/provisioning/datasources/qingliu-influxdb.yaml (checked by a test). */
export const DATASOURCE_UID = 'qingliu-influxdb';
export const DATASOURCE = { type: 'influxdb', uid: DATASOURCE_UID } as const;

/** Grafana 12's dashboard schema (v42 only adds a migration for hidden-from-viz overrides, which we do not use). */
export const SCHEMA_VERSION = 41;

/**
 * The measurement schema of docs/adr/0001-measurement-schema.md, as written by src/store/influx/line-protocol.ts:
 *   reading,param=<code>,station=<id> value=<float>,flag="<HJ 212 flag>"
 *   dead_letter station=…,topic=…,reason=…,detail=…,payload=…,received_at=… (fields only)
 */
export const READING = 'reading';
export const DEAD_LETTER = 'dead_letter';

/** Readings that count for compliance: HJ 212 flags N and T (standards.md §6, decision 9). */
export const VALID = `("flag" = 'N' OR "flag" = 'T')`;
export const FLAGGED = `("flag" != 'N' AND "flag" != 'T')`;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Query {
  query: string;
  alias?: string;
  format?: 'time_series' | 'table';
  hide?: boolean;
}

export function targets(queries: readonly Query[]): JsonObject[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: { ...DATASOURCE },
    rawQuery: true,
    query: q.query,
    resultFormat: q.format ?? 'time_series',
    ...(q.alias !== undefined ? { alias: q.alias } : {}),
    ...(q.hide ? { hide: true } : {}),
  }));
}

// A type alias, not an interface, so that steps are assignable to Json.
export type Step = { value: number | null; color: string };

export function thresholds(steps: readonly Step[]): JsonObject {
  return { mode: 'absolute', steps: steps.map((s) => ({ color: s.color, value: s.value })) };
}

export type Matcher = { id: 'byName' | 'byRegexp'; options: string };

export function override(matcher: Matcher, properties: Record<string, Json>): JsonObject {
  return { matcher, properties: Object.entries(properties).map(([id, value]) => ({ id, value })) };
}

export interface PanelBase {
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
}

export function row(title: string, y: number): JsonObject {
  return { type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

export function text(base: PanelBase, markdown: string): JsonObject {
  return { type: 'text', ...common(base), options: { mode: 'markdown', content: markdown } };
}

function common(base: PanelBase): JsonObject {
  return {
    title: base.title,
    ...(base.description ? { description: base.description } : {}),
    gridPos: { ...base.gridPos },
  };
}

export function timeseries(
  base: PanelBase & {
    queries: Query[];
    unit?: string;
    overrides?: JsonObject[];
    thresholdsStyle?: 'off' | 'line' | 'area' | 'line+area';
    drawStyle?: 'line' | 'bars' | 'points';
    stacking?: boolean;
    repeat?: string;
    extra?: JsonObject;
  },
): JsonObject {
  return {
    type: 'timeseries',
    ...common(base),
    datasource: { ...DATASOURCE },
    ...(base.repeat ? { repeat: base.repeat, repeatDirection: 'h', maxPerRow: 2 } : {}),
    targets: targets(base.queries),
    fieldConfig: {
      defaults: {
        color: { mode: 'palette-classic' },
        unit: base.unit ?? 'none',
        thresholds: thresholds([{ value: null, color: 'transparent' }]),
        custom: {
          drawStyle: base.drawStyle ?? 'line',
          lineWidth: 2,
          fillOpacity: base.drawStyle === 'bars' ? 80 : 0,
          showPoints: 'auto',
          pointSize: 4,
          spanNulls: false,
          axisBorderShow: false,
          stacking: { mode: base.stacking ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: base.thresholdsStyle ?? 'off' },
        },
      },
      overrides: base.overrides ?? [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'none' },
    },
    ...(base.extra ?? {}),
  };
}

export function table(
  base: PanelBase & {
    queries: Query[];
    transformations?: JsonObject[];
    overrides?: JsonObject[];
    sortBy?: { displayName: string; desc: boolean }[];
  },
): JsonObject {
  return {
    type: 'table',
    ...common(base),
    datasource: { ...DATASOURCE },
    targets: targets(base.queries),
    transformations: base.transformations ?? [],
    fieldConfig: {
      defaults: {
        thresholds: thresholds([{ value: null, color: 'transparent' }]),
        custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true },
      },
      overrides: base.overrides ?? [],
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], fields: '' },
      sortBy: base.sortBy ?? [],
    },
  };
}

export function stat(
  base: PanelBase & {
    queries: Query[];
    unit?: string;
    steps?: Step[];
    transformations?: JsonObject[];
    decimals?: number;
  },
): JsonObject {
  return {
    type: 'stat',
    ...common(base),
    datasource: { ...DATASOURCE },
    targets: targets(base.queries),
    transformations: base.transformations ?? [],
    fieldConfig: {
      defaults: {
        unit: base.unit ?? 'none',
        ...(base.decimals !== undefined ? { decimals: base.decimals } : {}),
        color: { mode: 'thresholds' },
        thresholds: thresholds(base.steps ?? [{ value: null, color: 'text' }]),
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: base.steps ? 'background' : 'none',
      graphMode: 'none',
      justifyMode: 'auto',
      textMode: 'auto',
      orientation: 'auto',
    },
  };
}

export function barGauge(base: PanelBase & { queries: Query[]; unit?: string }): JsonObject {
  return {
    type: 'bargauge',
    ...common(base),
    datasource: { ...DATASOURCE },
    targets: targets(base.queries),
    fieldConfig: {
      defaults: {
        unit: base.unit ?? 'none',
        min: 0,
        color: { mode: 'palette-classic' },
        thresholds: thresholds([{ value: null, color: 'green' }]),
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['sum'], fields: '', values: false },
      orientation: 'horizontal',
      displayMode: 'basic',
      showUnfilled: true,
      valueMode: 'color',
      namePlacement: 'left',
    },
  };
}

export function queryVariable(options: {
  name: string;
  label: string;
  query: string;
  multi: boolean;
  regex?: string;
  description?: string;
}): JsonObject {
  return {
    type: 'query',
    name: options.name,
    label: options.label,
    ...(options.description ? { description: options.description } : {}),
    datasource: { ...DATASOURCE },
    query: options.query,
    definition: options.query,
    regex: options.regex ?? '',
    refresh: 1,
    sort: 1,
    multi: options.multi,
    includeAll: options.multi,
    current: {},
    options: [],
    hide: 0,
    skipUrlSync: false,
  };
}

/** A custom variable of `text : value` choices; the first is selected. */
export function customVariable(options: {
  name: string;
  label: string;
  choices: { text: string; value: string }[];
  description?: string;
}): JsonObject {
  const [first] = options.choices;
  return {
    type: 'custom',
    name: options.name,
    label: options.label,
    ...(options.description ? { description: options.description } : {}),
    query: options.choices.map((c) => `${c.text} : ${c.value}`).join(','),
    current: first ? { selected: true, text: first.text, value: first.value } : {},
    options: options.choices.map((c, i) => ({ selected: i === 0, text: c.text, value: c.value })),
    multi: false,
    includeAll: false,
    hide: 0,
    skipUrlSync: false,
  };
}

export function constantVariable(name: string, value: string, description: string): JsonObject {
  return {
    type: 'constant',
    name,
    description,
    query: value,
    hide: 2,
    skipUrlSync: false,
    current: { text: value, value },
  };
}

export function dashboard(options: {
  uid: string;
  title: string;
  description: string;
  variables: JsonObject[];
  panels: JsonObject[];
  time?: { from: string; to: string };
}): JsonObject {
  return {
    uid: options.uid,
    title: options.title,
    description: options.description,
    tags: ['qingliu', '清流'],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    weekStart: 'monday',
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '1m',
    time: options.time ?? { from: 'now-7d', to: 'now' },
    timepicker: {},
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        type: 'dashboards',
        title: '清流 Qingliu',
        tags: ['qingliu'],
        asDropdown: true,
        includeVars: false,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    templating: { list: options.variables },
    panels: options.panels.map((p, i) => ({ id: i + 1, ...p })),
  };
}
