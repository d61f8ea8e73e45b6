import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { register as registerAlerts } from '../../src/api/routes/alerts.js';
import { register as registerJobs } from '../../src/api/routes/jobs.js';
import { createTestApp } from '../api/test-app.js';
import { bearer, createAlertApi, OWN_KEY, type AlertApi } from './setup.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('jobs API', () => {
  let api: AlertApi;
  beforeEach(async () => {
    api = await createAlertApi();
  });
  afterEach(async () => {
    await api.close();
  });

  const call = async (path: string, init: Parameters<AlertApi['t']['request']>[1] = {}) => {
    const res = await api.t.request(path, init);
    return { res, body: (await res.json()) as Json };
  };

  it('GET /jobs shows each job: schedule, time zone, last run (duration, outcome, error) and next run', async () => {
    const before = await call('/api/v1/jobs', { as: 'bureau' });
    expect(before.res.status).toBe(200);
    expect(before.body.items.map((j: Json) => [j.name, j.schedule])).toEqual([
      ['alert-windows', '*/5 * * * *'],
      ['alert-instant', '*/5 * * * *'],
      ['alert-escalation', '* * * * *'],
      ['alert-outbox', '* * * * *'],
      ['daily-digest', '30 8 * * *'],
      ['dead-letter-retention', '17 3 * * *'],
    ]);
    expect(before.body.items[4]).toMatchObject({
      title: '每日水质达标日报',
      time_zone: 'Asia/Shanghai',
      running: null,
      last_run: null,
      last_success_at: null,
      next_run_at: null,
    });

    api.jr.jobs.start();
    await api.jr.jobs.scheduler.whenIdle();
    const after = await call('/api/v1/jobs', { as: 'admin', headers: { 'accept-language': 'en' } });
    const byName = Object.fromEntries(after.body.items.map((j: Json) => [j.name, j]));
    // Clock: 2026-11-28 04:12 in Shanghai; the digest next runs at 08:30 the same day.
    expect(byName['daily-digest']).toMatchObject({
      title: 'Daily compliance digest',
      next_run_at: '2026-11-28T08:30:00+08:00',
      last_run: null,
    });
    expect(byName['alert-windows']).toMatchObject({
      next_run_at: '2026-11-28T04:15:00+08:00',
      last_run: {
        trigger: 'start',
        started_at: '2026-11-28T04:12:00+08:00',
        finished_at: '2026-11-28T04:12:00+08:00',
        duration_ms: expect.any(Number),
        outcome: 'ok',
        error: null,
        summary: expect.objectContaining({ failed: 0 }),
      },
      last_success_at: '2026-11-28T04:12:00+08:00',
    });
    expect(byName['alert-outbox'].last_run).toMatchObject({
      outcome: 'ok',
      summary: expect.objectContaining({ delivered: 0 }),
    });
  });

  it('lets admin run a job now (202, or 200 with the run when wait=true); bureau and operators may not', async () => {
    const started = await call('/api/v1/jobs/alert-escalation/run', { method: 'POST', as: 'admin' });
    expect(started.res.status).toBe(202);
    expect(started.res.headers.get('location')).toBe('/api/v1/jobs');
    expect(started.body).toEqual({
      job: 'alert-escalation',
      run_id: expect.any(Number),
      started_at: '2026-11-28T04:12:00+08:00',
      status: 'started',
    });
    await api.jr.jobs.scheduler.whenIdle();
    const listed = (await call('/api/v1/jobs')).body.items.find((j: Json) => j.name === 'alert-escalation');
    expect(listed.last_run).toMatchObject({
      id: started.body.run_id,
      trigger: 'manual',
      outcome: 'ok',
      summary: { escalated: 0 },
    });

    const waited = await call('/api/v1/jobs/daily-digest/run?wait=true', { method: 'POST', as: 'admin' });
    expect(waited.res.status).toBe(200);
    expect(waited.body).toMatchObject({
      job: 'daily-digest',
      run: { trigger: 'manual', outcome: 'ok', summary: { day: '2026-11-27' } },
    });

    const bureau = await call('/api/v1/jobs/alert-escalation/run', { method: 'POST', as: 'bureau' });
    expect(bureau.res.status).toBe(403);
    expect(bureau.body).toMatchObject({ code: 'forbidden', permission: 'jobs:run' });
    expect(
      (await call('/api/v1/jobs/alert-escalation/run', { method: 'POST', headers: bearer(OWN_KEY) })).res.status,
    ).toBe(403);
    expect((await call('/api/v1/jobs', { headers: bearer(OWN_KEY) })).res.status).toBe(403);
    expect((await call('/api/v1/jobs', { as: 'viewer' })).res.status).toBe(403);

    const unknown = await call('/api/v1/jobs/coffee/run', { method: 'POST', as: 'admin' });
    expect(unknown.res.status).toBe(404);
    expect(unknown.body.code).toBe('job-not-found');
    const badWait = await call('/api/v1/jobs/alert-outbox/run?wait=maybe', { method: 'POST', as: 'admin' });
    expect(badWait.res.status).toBe(400);
    expect(badWait.body.errors[0]).toMatchObject({ in: 'query', name: 'wait' });
  });

  it('answers 409 when the job is already running: a job never overlaps itself', async () => {
    let release!: () => void;
    api.jr.hold.until = new Promise<void>((resolve) => (release = resolve));
    api.jr.hold.rule = 'section_compliance';
    api.jr.rig.clock.set(Date.parse('2026-11-28T08:10:00+08:00'));
    const first = await call('/api/v1/jobs/alert-windows/run', { method: 'POST', as: 'admin' });
    expect(first.res.status).toBe(202);
    const second = await call('/api/v1/jobs/alert-windows/run', { method: 'POST', as: 'admin' });
    expect(second.res.status).toBe(409);
    expect(second.res.headers.get('content-type')).toBe('application/problem+json');
    expect(second.body).toMatchObject({ code: 'job-running', runId: first.body.run_id });
    const running = (await call('/api/v1/jobs')).body.items.find((j: Json) => j.name === 'alert-windows');
    expect(running.running).toEqual({
      since: '2026-11-28T08:10:00+08:00',
      trigger: 'manual',
      run_id: first.body.run_id,
    });
    release();
    await api.jr.jobs.scheduler.whenIdle();
    expect((await api.jr.jobs.store.history('alert-windows')).map((r) => r.outcome)).toEqual(['ok']);
  });

  it('documents the alerts and jobs routes in a valid OpenAPI 3.1 document', async () => {
    const res = await api.t.app.request('/openapi.json');
    const document = (await res.json()) as Json;
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    const operations = Object.entries(document.paths as Record<string, Json>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /api/v1/alerts',
        'GET /api/v1/alerts/stream',
        'GET /api/v1/alerts/{id}',
        'POST /api/v1/alerts/{id}/ack',
        'POST /api/v1/alerts/{id}/resolve',
        'GET /api/v1/jobs',
        'POST /api/v1/jobs/{name}/run',
      ]),
    );
    const list = document.paths['/api/v1/alerts'].get;
    expect(list.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['state', 'severity', 'station', 'from', 'to', 'tz', 'limit', 'cursor', 'format']),
    );
    expect(Object.keys(list.responses[200].content)).toEqual(['application/json', 'text/csv']);
    expect(
      document.paths['/api/v1/alerts/{id}/ack'].post.responses[409].content['application/problem+json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(Object.keys(document.paths['/api/v1/alerts/stream'].get.responses[200].content)).toEqual([
      'text/event-stream',
    ]);
  });
});

describe('before the alerts role is built', () => {
  it('answers 503 (not-ready) with Retry-After on the alerts and jobs routes', async () => {
    const t = createTestApp({
      routes: [
        (app) =>
          registerAlerts(app, {
            service: () => undefined,
            catalog: () => ({ stations: [], station: () => undefined }),
            now: () => 0,
            timeZone: 'Asia/Shanghai',
          }),
        (app) => registerJobs(app, { scheduler: () => undefined }),
      ],
    });
    for (const [path, method] of [
      ['/api/v1/alerts', 'GET'],
      ['/api/v1/alerts/stream', 'GET'],
      ['/api/v1/jobs', 'GET'],
      ['/api/v1/jobs/daily-digest/run', 'POST'],
    ] as const) {
      const res = await t.request(path, { method });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as Json).code).toBe('not-ready');
    }
  });
});

describe('on an alerts standby (DATABASE_URL, another instance holds the lease)', () => {
  let api: AlertApi;
  beforeEach(async () => {
    api = await createAlertApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it('answers a manual run with 503 "standby" and Retry-After, not "the service is stopping"', async () => {
    // A standby's scheduler is a stopped one (src/jobs/create-jobs.ts) until it is elected.
    await api.jr.jobs.scheduler.stop();
    const build = (standby: boolean) =>
      createTestApp({
        routes: [(app) => registerJobs(app, { scheduler: () => api.jr.jobs.scheduler, standby: () => standby })],
      });
    const standby = await build(true).request('/api/v1/jobs/daily-digest/run', {
      method: 'POST',
      as: 'admin',
      headers: { 'accept-language': 'en' },
    });
    expect(standby.status).toBe(503);
    expect(standby.headers.get('content-type')).toContain('application/problem+json');
    expect(standby.headers.get('retry-after')).toBe('5');
    const body = (await standby.json()) as Json;
    expect(body.code).toBe('standby');
    expect(body.detail).toContain('jobs run only on the leader');

    const stopping = await build(false).request('/api/v1/jobs/daily-digest/run', { method: 'POST', as: 'admin' });
    expect(stopping.status).toBe(503);
    expect(((await stopping.json()) as Json).code).toBe('service-unavailable');
  });
});
