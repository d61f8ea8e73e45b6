/**
 * `/metrics` in the Prometheus text format from an injected prom-client Registry (never the global one), and
 * the HTTP request histogram. The `route` label is the route pattern, never the raw path: station ids in paths
 * would make one series per station and URL typo.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Histogram, type Registry } from 'prom-client';
import type { ApiApp, ApiEnv } from './env.js';

const HISTOGRAM = 'qingliu_http_request_duration_seconds';

function requestHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(HISTOGRAM);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: HISTOGRAM,
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });
}

export function httpMetrics(registry: Registry): MiddlewareHandler<ApiEnv> {
  const histogram = requestHistogram(registry);
  return async (c, next) => {
    const started = performance.now();
    await next();
    // The last handler that ran: a route's pattern, or a wildcard middleware when no route matched.
    const path = routePath(c);
    const route = !path || path.includes('*') ? 'unmatched' : path;
    histogram.observe({ method: c.req.method, route, status: String(c.res.status) }, (performance.now() - started) / 1000);
  };
}

export function registerMetrics(app: ApiApp, registry: Registry): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      security: [],
      responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }),
  );
}
