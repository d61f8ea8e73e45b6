// Container healthcheck (Dockerfile HEALTHCHECK, docker-compose.yml): exits 0 when Qingliu's /healthz answers
// 2xx within 4 s, 1 otherwise. A file rather than `node -e` so it can be tested (test/deploy/dockerfile.test.ts).
/* global process, fetch, AbortSignal */
const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
