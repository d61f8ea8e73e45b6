/**
 * The data routes of issue 4, for the composition root:
 *
 *   createHttpApp({ routes: [registerDataRoutes({ store, catalog: () => catalog, now, timeZone: config.TIMEZONE,
 *                                                maxRangeDays: config.API_MAX_RANGE_DAYS })] })
 */
import type { ApiApp, RegisterRoutes } from '../env.js';
import { register as registerCompliance } from './compliance.js';
import type { DataRouteDeps } from './data-route-deps.js';
import { register as registerDeadLetters } from './dead-letters.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerQuality } from './quality.js';
import { register as registerSeries } from './series.js';
import { register as registerStations } from './stations.js';
import { register as registerUpstream } from './upstream.js';

export type { DataRouteDeps } from './data-route-deps.js';

/** Every data route as one `RegisterRoutes` for `createHttpApp({ routes })`. */
export function registerDataRoutes(deps: DataRouteDeps): RegisterRoutes {
  return (app: ApiApp) => {
    registerStations(app, deps);
    registerSeries(app, deps);
    registerQuality(app, deps);
    registerUpstream(app, deps);
    registerCompliance(app, deps);
    registerEvaluate(app);
    registerDeadLetters(app, deps);
  };
}
