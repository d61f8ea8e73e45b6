/** A small catalog, a settable clock and a window helper for the alert tests. */
import type { AlertUnit, CatalogData } from '../../../src/alerts/alert-catalog.js';

/** 2026-11-28 00:00 Asia/Shanghai, a whole 4-hour boundary. */
export const T0 = Date.parse('2026-11-28T00:00:00+08:00');
export const MIN = 60_000;
export const HOUR = 3_600_000;

export function clock(start = T0) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export function units(hookUrl?: string): AlertUnit[] {
  return [
    {
      id: 'district-env',
      name: { zh: '清河区生态环境分局', en: 'Qinghe District Environment Office' },
      parent: 'city-bureau',
      channels: hookUrl ? [{ type: 'webhook', url: `${hookUrl}?unit=district`, secret_env: 'DISTRICT_SECRET' }] : [],
      escalate_after: { warning: 2 * HOUR, critical: 30 * MIN },
    },
    {
      id: 'city-bureau',
      name: { zh: '市生态环境局', en: 'City Ecology and Environment Bureau' },
      channels: hookUrl ? [{ type: 'webhook', url: `${hookUrl}?unit=city`, secret_env: 'CITY_SECRET' }] : [],
    },
    {
      id: 'ops-co',
      name: { zh: '运维公司', en: 'Operations contractor' },
      channels: hookUrl ? [{ type: 'webhook', url: `${hookUrl}?unit=ops` }] : [],
    },
  ];
}

export function catalogData(hookUrl?: string): CatalogData {
  return {
    public_url: 'https://qingliu.example.cn',
    units: units(hookUrl),
    plants: [
      {
        id: 'wwtp-1',
        name: { zh: '第一污水处理厂', en: 'No.1 WWTP' },
        discharge_standard: 'gb18918-1a',
        built: '2003-09-28',
      },
    ],
    discharge_standards: {},
    stations: [
      {
        id: 'out-1',
        name: { zh: '清流河出境断面', en: 'Qingliu River outbound section' },
        kind: 'river_section',
        section: { role: 'outbound', target_class: 'III', waterbody: 'river' },
        jurisdiction: 'district-env',
        maintainer: 'ops-co',
        parameters: ['ph', 'do', 'codmn', 'nh3n', 'tp', 'temp'],
        interval: HOUR,
      },
      {
        id: 'ctl-1',
        name: { zh: '城区控制断面', en: 'City control section' },
        kind: 'river_section',
        section: { role: 'control', target_class: 'III', waterbody: 'river' },
        jurisdiction: 'district-env',
        maintainer: 'ops-co',
        parameters: ['nh3n'],
        interval: HOUR,
      },
      {
        id: 'eff-1',
        name: { zh: '第一污水处理厂出水', en: 'No.1 WWTP effluent' },
        kind: 'plant_effluent',
        plant: 'wwtp-1',
        jurisdiction: 'district-env',
        maintainer: 'ops-co',
        parameters: ['cod', 'nh3n', 'tp', 'temp', 'ph'],
        interval: HOUR,
      },
    ],
  };
}
