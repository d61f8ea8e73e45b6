/** The demo's simulated history (issue 14): alerts judged at start-up carry their windows' times, found in catch-up. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { judgeDemoHistory } from '../../src/demo/alert-history.js';
import { silentLogger } from '../../src/logger.js';
import { catalogData, HOUR, T0 } from './helpers/fixtures.js';
import { createRig, type Rig } from './helpers/setup.js';

let rig: Rig;
beforeEach(async () => {
  rig = await createRig();
});
afterEach(async () => {
  await rig.close();
});

it('an alert of the simulated history is about its window, detected in catch-up, not "opened a minute ago"', async () => {
  await rig.write('out-1', T0, 8, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.8, tp: 0.1, temp: 15 });
  const now = T0 + 30 * HOUR;
  rig.clock.set(now);
  await judgeDemoHistory({
    service: rig.service,
    catalog: createAlertCatalog(catalogData()),
    from: T0,
    to: now,
    timeZone: 'Asia/Shanghai',
    instantWindow: '15m',
    logger: silentLogger(),
  });
  const [alert] = await rig.service.list({ rule: 'section_compliance', stationId: 'out-1' });
  expect(alert).toMatchObject({
    windowStart: T0,
    windowEnd: T0 + 8 * HOUR,
    detectedAt: now,
    detection: 'catch_up',
  });
});
