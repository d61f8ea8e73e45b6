/**
 * Demo mode only: judge the compliance windows of the simulated history, so the alert history of the last
 * 30 days is there at once. A production start never does this (the jobs judge only windows completed while
 * Qingliu was running, plus a bounded catch-up); windows judged here are recorded as processed, so the jobs
 * take over after them without duplicates.
 */
import type { AlertCatalog } from '../alerts/alert-catalog.js';
import type { AlertService } from '../alerts/alert-service.js';
import { defaultAlertSettings, settingsForStation } from '../alerts/settings.js';
import { bucketsBetween, bucketStart, parseWindow } from '../domain/time-window.js';
import { ruleKind, ruleWindow } from '../jobs/window-plan.js';
import type { Logger } from '../logger.js';

export async function judgeDemoHistory(options: {
  service: Pick<AlertService, 'rulesFor' | 'evaluateWindow'>;
  catalog: Pick<AlertCatalog, 'stations'>;
  from: number;
  to: number;
  timeZone: string;
  instantWindow: string;
  logger: Logger;
}): Promise<number> {
  const instant = parseWindow(options.instantWindow);
  const global = defaultAlertSettings();
  let judged = 0;
  for (const station of options.catalog.stations()) {
    const settings = settingsForStation(global, station.alerts);
    for (const rule of options.service.rulesFor(station.id)) {
      if (ruleKind(rule) !== 'window') continue;
      const window = ruleWindow(rule, settings, instant);
      const end = bucketStart(options.to, window, options.timeZone);
      const starts = bucketsBetween(options.from, end, window, options.timeZone).filter((s) => s >= options.from);
      for (const [i, start] of starts.entries()) {
        const windowEnd = starts[i + 1] ?? end;
        // Judged now, about the past: the alerts carry their windows' times and say they were found in catch-up,
        // not "opened a minute ago" (issue 14).
        await options.service.evaluateWindow({
          stationId: station.id,
          rule,
          start,
          end: windowEnd,
          ...(options.to - windowEnd > 30 * 60_000 ? { detection: 'catch_up' as const } : {}),
        });
        judged += 1;
      }
    }
  }
  options.logger.info({ windows: judged }, 'demo: judged the simulated history');
  return judged;
}
