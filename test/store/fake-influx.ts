/**
 * A loopback HTTP server that imitates the InfluxDB 2.x and 3.x endpoints the adapter uses, recording every
 * request. It stands in only for the generations that cannot run here; the real influxd 1.6.7 is the main
 * test. It checks request shapes, not query semantics: /query answers an empty result per statement.
 */
import http from 'node:http';
import zlib from 'node:zlib';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Decompressed body. */
  body: string;
}

export interface FakeInflux {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeInfluxOptions {
  /** What /ping reports. */
  version: string;
  /** Put the version in the X-Influxdb-Version header (true) or only in a JSON body (false, as some 3.x builds). */
  versionHeader?: boolean;
  /** Required `Authorization` header value; other values get 401. */
  authorization?: string;
  /** 2.x: whether GET /api/v2/dbrps lists a mapping for the bucket already. */
  dbrpExists?: boolean;
  /** Statements matching this get a statement error, as a server without the feature answers. */
  refuse?: RegExp;
}

export async function startFakeInflux(options: FakeInfluxOptions): Promise<FakeInflux> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };

      if (url.pathname === '/ping') {
        if (options.versionHeader === false) return json(200, { version: options.version, revision: 'fake' });
        res.writeHead(204, { 'x-influxdb-version': options.version, 'x-influxdb-build': 'OSS' });
        return res.end();
      }
      if (options.authorization && req.headers.authorization !== options.authorization)
        return json(401, { code: 'unauthorized', message: 'unauthorized access' });
      if (url.pathname === '/api/v2/write' || url.pathname === '/write') {
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname === '/query') {
        const q = url.searchParams.get('q') ?? new URLSearchParams(body).get('q') ?? '';
        const statements = q.split(';').filter((s) => s.trim() !== '');
        return json(200, {
          results: statements.map((statement, i) =>
            options.refuse?.test(statement)
              ? { statement_id: i, error: `not supported: ${statement.trim().slice(0, 40)}` }
              : { statement_id: i },
          ),
        });
      }
      if (url.pathname === '/api/v2/dbrps' && req.method === 'GET') {
        return json(200, {
          content: options.dbrpExists ? [{ id: 'd1', database: url.searchParams.get('db'), virtual: true }] : [],
        });
      }
      if (url.pathname === '/api/v2/buckets')
        return json(200, { buckets: [{ id: 'bucket-id-1', orgID: 'org-id-1', name: url.searchParams.get('name') }] });
      if (url.pathname === '/api/v2/dbrps' && req.method === 'POST') return json(201, { id: 'd2' });
      if (url.pathname === '/api/v2/delete' && req.method === 'POST') {
        res.writeHead(204);
        return res.end();
      }
      return json(404, { code: 'not found', message: `no ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
