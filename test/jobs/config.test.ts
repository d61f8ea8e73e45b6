import { describe, expect, it } from 'vitest';
import { ConfigError, hasRole, loadConfig } from '../../src/config.js';

describe('configuration of roles and jobs', () => {
  it('runs everything by default, with the documented job defaults', () => {
    const config = loadConfig({});
    expect(config.ROLES).toEqual(['ingest', 'api', 'alerts']);
    expect(['ingest', 'api', 'alerts'].every((r) => hasRole(config, r as 'ingest'))).toBe(true);
    expect(config).toMatchObject({
      ALERT_EVAL_DELAY: 10 * 60_000,
      ALERT_CATCHUP_MAX: 7 * 86_400_000,
      ALERT_INSTANT_WINDOW: '15m',
      JOB_WINDOWS_CRON: '*/5 * * * *',
      JOB_INSTANT_CRON: '*/5 * * * *',
      JOB_ESCALATION_CRON: '* * * * *',
      JOB_OUTBOX_CRON: '* * * * *',
      DIGEST_CRON: '30 8 * * *',
    });
    expect(config.DIGEST_LANG).toBeUndefined();
    expect(config.DIGEST_UNITS).toBeUndefined();
  });

  it('splits an instance into roles: several ingest/API instances, exactly one with alerts', () => {
    const ingest = loadConfig({ ROLES: 'ingest' });
    expect([hasRole(ingest, 'ingest'), hasRole(ingest, 'api'), hasRole(ingest, 'alerts')]).toEqual([
      true,
      false,
      false,
    ]);
    const alerts = loadConfig({ ROLES: ' api , alerts,api ' });
    expect(alerts.ROLES).toEqual(['api', 'alerts']);
    expect(
      loadConfig({ DIGEST_LANG: 'en', DIGEST_UNITS: 'cz-eeb, cz-emc', DIGEST_CRON: '0  9 * * 1-5' }),
    ).toMatchObject({
      DIGEST_LANG: 'en',
      DIGEST_UNITS: ['cz-eeb', 'cz-emc'],
      DIGEST_CRON: '0 9 * * 1-5',
    });
  });

  it('names every bad variable', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        ROLES: 'api,worker',
        ALERT_EVAL_DELAY: '10',
        ALERT_INSTANT_WINDOW: '7m',
        DIGEST_CRON: '0 30 8 * * *',
        JOB_OUTBOX_CRON: 'every minute',
        DIGEST_LANG: 'fr',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual([
      'ROLES',
      'ALERT_EVAL_DELAY',
      'ALERT_INSTANT_WINDOW',
      'JOB_OUTBOX_CRON',
      'DIGEST_CRON',
      'DIGEST_LANG',
    ]);
    expect(error!.message).toContain('unknown: worker');
    expect(() => loadConfig({ ROLES: ' , ' })).toThrow(/ROLES/);
  });
});
