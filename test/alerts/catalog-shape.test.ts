import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createAlertCatalog, type CatalogData } from '../../src/alerts/alert-catalog.js';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { createAlertStore } from '../../src/alerts/alert-store.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { CatalogFile } from '../../src/catalog/schema.js';
import { validateCatalog } from '../../src/catalog/validate.js';
import { silentLogger } from '../../src/logger.js';
import { catalogData } from './helpers/fixtures.js';

// Compile-time check: the parsed catalog file satisfies the alert core's narrow view of it.
export const parsedCatalogFits = (file: CatalogFile): CatalogData => file;

describe('alert catalog view', () => {
  it('walks the responsibility chain nearest first, and stops at a cycle', () => {
    const catalog = createAlertCatalog(catalogData());
    expect(catalog.responsibilityChain('district-env').map((u) => u.id)).toEqual(['district-env', 'city-bureau']);
    expect(catalog.responsibilityChain('nope')).toEqual([]);
    const cyclic = createAlertCatalog({
      ...catalogData(),
      units: [
        { id: 'a', name: { zh: 'a', en: 'a' }, parent: 'b', channels: [] },
        { id: 'b', name: { zh: 'b', en: 'b' }, parent: 'a', channels: [] },
      ],
    });
    expect(cyclic.responsibilityChain('a').map((u) => u.id)).toEqual(['a', 'b']);
    expect(catalog.publicUrl).toBe('https://qingliu.example.cn');
    expect(catalog.plant('wwtp-1')?.discharge_standard).toBe('gb18918-1a');
  });
});

describe('the demo catalog (sensors/catalog.yaml)', () => {
  it('gives the alert core what it needs: rules per station, chains and channels', async () => {
    const result = validateCatalog(YAML.parse(fs.readFileSync('sensors/catalog.yaml', 'utf8')));
    expect(result.problems).toEqual([]);
    const catalog = createAlertCatalog(result.data!);
    const store = createAlertStore({ file: ':memory:' });
    try {
      const service = createAlertService({
        store,
        catalog,
        readings: { aggregate: async () => [], raw: async () => [] },
        settings: defaultAlertSettings(),
        now: () => 0,
        logger: silentLogger(),
        timeZone: 'Asia/Shanghai',
        lang: 'zh-CN',
      });
      const outbound = catalog.stations().filter((s) => s.section?.role === 'outbound');
      expect(outbound.length).toBeGreaterThan(0);
      for (const s of outbound) {
        expect(service.rulesFor(s.id)).toContain('section_compliance');
        expect(catalog.responsibilityChain(s.jurisdiction).length).toBeGreaterThanOrEqual(2);
      }
      const effluent = catalog.stations().filter((s) => s.kind === 'plant_effluent');
      for (const s of effluent) expect(service.rulesFor(s.id)).toContain('effluent_daily');
    } finally {
      await store.close();
    }
  });
});
