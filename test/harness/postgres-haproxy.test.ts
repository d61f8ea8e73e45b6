import net from 'node:net';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startHaproxy } from './haproxy.js';
import { startPostgres, type Postgres } from './postgres.js';

describe('test harness: PostgreSQL and haproxy', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.dispose();
  });

  it('runs PostgreSQL 15 on a free loopback port, not 5432, with a database of its own', async () => {
    expect(postgres.port).not.toBe(5432);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query<{ v: string; db: string }>(
      "SELECT current_setting('server_version_num') AS v, current_database() AS db",
    );
    await client.end();
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(150000);
    expect(rows[0]!.db).toBe('qingliu');
    // Its socket is in its own directory, never the system's /var/run/postgresql.
    expect(fs.readdirSync(postgres.socketDir)).toContain(`.s.PGSQL.${postgres.port}`);
  });

  it('keeps data across a restart on the same port', async () => {
    const url = await postgres.createDatabase('restart_check');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE t (v int); INSERT INTO t VALUES (42)');
    await client.end();
    await postgres.restart();
    const again = new pg.Client({ connectionString: url });
    await again.connect();
    expect((await again.query('SELECT v FROM t')).rows).toEqual([{ v: 42 }]);
    await again.end();
  });

  it('runs haproxy in TCP mode in front of two backends, round-robin, skipping a dead one', async () => {
    const servers = await Promise.all(
      ['a', 'b'].map(
        (name) =>
          new Promise<net.Server>((resolve) => {
            const server = net.createServer((socket) => {
              // haproxy's health checks connect and reset: not an error of the backend under test.
              socket.on('error', () => undefined);
              socket.end(name);
            });
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
    const proxy = await startHaproxy({ backends: ports, checkIntervalMs: 200 });
    const ask = () =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(proxy.port, '127.0.0.1');
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    try {
      const answers = [await ask(), await ask(), await ask(), await ask()];
      expect(new Set(answers)).toEqual(new Set(['a', 'b']));
      await new Promise<void>((resolve) => servers[0]!.close(() => resolve()));
      // Health checks take the dead backend out; until then a refused connection is redispatched.
      const after = [await ask(), await ask(), await ask()];
      expect(after).toEqual(['b', 'b', 'b']);
    } finally {
      await proxy.dispose();
      servers[1]!.close();
    }
  });
});
