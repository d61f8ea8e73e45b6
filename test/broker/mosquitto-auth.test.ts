import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assignPasswords,
  generatePassword,
  hashPassword,
  listenerOf,
  MqttAuthError,
  parseCredentialsCsv,
  parseCsv,
  parsePasswordFile,
  planMqttUsers,
  renderAclFile,
  renderCredentialsCsv,
  renderPasswordFile,
  verifyPassword,
  type MqttUser,
} from '../../src/broker/mosquitto-auth.js';

const STATIONS = [
  { id: 'xi-inbound', name: { zh: '西河入境断面', en: 'Xi River inbound, km 2' } },
  { id: 'xi-outbound', name: { zh: '西河出境断面', en: 'Xi River "outbound"' } },
];

describe('Mosquitto password hashes ($7$, PBKDF2-SHA512)', () => {
  it('reproduces a hash written by the real mosquitto_passwd, from its salt and iteration count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-pw-'));
    try {
      const file = path.join(dir, 'pw');
      execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', file, 'xi-inbound', 's3cret-密码']);
      const stored = parsePasswordFile(fs.readFileSync(file, 'utf8')).get('xi-inbound')!;
      const [, , iterations, salt] = stored.split('$');
      expect(stored).toMatch(/^\$7\$\d+\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/);
      expect(hashPassword('s3cret-密码', { salt: Buffer.from(salt!, 'base64'), iterations: Number(iterations) })).toBe(
        stored,
      );
      expect(verifyPassword('s3cret-密码', stored)).toBe(true);
      expect(verifyPassword('s3cret', stored)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a fresh 12-byte salt each time and verifies its own hashes', () => {
    const a = hashPassword('pw');
    const b = hashPassword('pw');
    expect(a).not.toBe(b);
    expect(Buffer.from(a.split('$')[3]!, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.split('$')[4]!, 'base64')).toHaveLength(64);
    expect(verifyPassword('pw', a) && verifyPassword('pw', b)).toBe(true);
  });

  it('answers false for other hash types and garbage instead of throwing', () => {
    expect(verifyPassword('pw', '$6$abc$def')).toBe(false);
    expect(verifyPassword('pw', 'plain')).toBe(false);
    expect(verifyPassword('pw', '$7$0$AAAA$AAAA')).toBe(false);
  });

  it('generates 32-character URL-safe passwords', () => {
    const pw = generatePassword();
    expect(pw).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generatePassword()).not.toBe(pw);
  });
});

describe('users and ACL from the catalog', () => {
  it('puts the service user on the service listener, stations and the simulator on the station listener', () => {
    const users = planMqttUsers(STATIONS, { simulatorUser: 'qingliu-simulator' });
    expect(users.map((u) => [u.username, listenerOf(u)])).toEqual([
      ['qingliu', 'service'],
      ['qingliu-simulator', 'stations'],
      ['xi-inbound', 'stations'],
      ['xi-outbound', 'stations'],
    ]);
  });

  it('plans the service user first, then one user per station limited to its own two topics', () => {
    const users = planMqttUsers(STATIONS);
    expect(users.map((u) => [u.username, u.role])).toEqual([
      ['qingliu', 'service'],
      ['xi-inbound', 'station'],
      ['xi-outbound', 'station'],
    ]);
    expect(users[1]!.acl).toEqual([
      { access: 'write', topic: 'wq/xi-inbound/data' },
      { access: 'write', topic: 'wq/xi-inbound/senml' },
    ]);
  });

  it('writes an ACL file that grants nothing beyond the plan', () => {
    const acl = renderAclFile(planMqttUsers(STATIONS, { simulatorUser: 'qingliu-simulator' }), ['generated']);
    expect(acl).toBe(
      [
        '# generated',
        '',
        '# Qingliu service: reads everything under wq/, publishes dead letters, alerts, status',
        'user qingliu',
        'topic read wq/#',
        'topic write wq/_dlq/#',
        'topic write wq/alerts/#',
        'topic write wq/_status/#',
        '',
        '# sensor simulator: publishes for every station (demo and load tests only)',
        'user qingliu-simulator',
        'topic write wq/+/data',
        'topic write wq/+/senml',
        '',
        '# station xi-inbound 西河入境断面 / Xi River inbound, km 2: publishes its own topics only',
        'user xi-inbound',
        'topic write wq/xi-inbound/data',
        'topic write wq/xi-inbound/senml',
        '',
        '# station xi-outbound 西河出境断面 / Xi River "outbound": publishes its own topics only',
        'user xi-outbound',
        'topic write wq/xi-outbound/data',
        'topic write wq/xi-outbound/senml',
        '',
      ].join('\n'),
    );
    // Every granted topic is a literal or a single-level wildcard, except the service's: it reads everything
    // under wq/ (to see topics outside the contract) and publishes its own trees.
    const grants = acl
      .split('\n')
      .filter((l) => l.startsWith('topic '))
      .map((l) => l.split(' ').slice(1).join(' '));
    expect(grants.filter((t) => t.includes('#'))).toEqual([
      'read wq/#',
      'write wq/_dlq/#',
      'write wq/alerts/#',
      'write wq/_status/#',
    ]);
  });

  it('refuses station ids that collide with Qingliu topics or users', () => {
    expect(() => planMqttUsers([{ id: 'alerts' }])).toThrow(MqttAuthError);
    expect(() => planMqttUsers([{ id: 'alerts' }])).toThrow(/reserved/);
    expect(() => planMqttUsers([{ id: 'qingliu' }])).toThrow(/used twice/);
    expect(() => planMqttUsers([{ id: 'a' }, { id: 'a' }])).toThrow(/used twice/);
    expect(() => planMqttUsers([{ id: 'bad:name' }])).toThrow(/cannot be an MQTT username/);
    expect(() => planMqttUsers([], { serviceUser: 'has space' })).toThrow(/cannot be an MQTT username/);
  });
});

describe('credentials sheet and stable passwords', () => {
  const users: MqttUser[] = planMqttUsers(STATIONS).map((u, i) => ({ ...u, password: `pw-${i}` }));

  it('round-trips through CSV with a BOM, quoted commas and quotes, and Chinese names', () => {
    const csv = renderCredentialsCsv(users);
    expect(csv.startsWith('\uFEFFusername,password,role,station_id,name_zh,name_en,publish_topics\r\n')).toBe(true);
    expect(csv).toContain(
      'xi-inbound,pw-1,station,xi-inbound,西河入境断面,"Xi River inbound, km 2",wq/xi-inbound/data wq/xi-inbound/senml',
    );
    expect(csv).toContain('"Xi River ""outbound"""');
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(4);
    expect(rows[3]![5]).toBe('Xi River "outbound"');
    expect([...parseCredentialsCsv(csv)]).toEqual([
      ['qingliu', 'pw-0'],
      ['xi-inbound', 'pw-1'],
      ['xi-outbound', 'pw-2'],
    ]);
  });

  it('keeps earlier passwords, creates missing ones, rotates on request and reports removed users', () => {
    const previous = new Map([
      ['qingliu', 'old-service'],
      ['xi-inbound', 'old-in'],
      ['gone-station', 'old-gone'],
    ]);
    const result = assignPasswords(planMqttUsers(STATIONS), previous, new Set(['qingliu']));
    const byName = new Map(result.users.map((u) => [u.username, u.password]));
    expect(byName.get('xi-inbound')).toBe('old-in');
    expect(byName.get('qingliu')).not.toBe('old-service');
    expect(byName.get('xi-outbound')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(result).toMatchObject({
      created: ['xi-outbound'],
      rotated: ['qingliu'],
      kept: ['xi-inbound'],
      removed: ['gone-station'],
    });
  });

  it('keeps a verified hash so an unchanged catalog regenerates the same password file', () => {
    const first = renderPasswordFile(users);
    expect(renderPasswordFile(users, parsePasswordFile(first))).toBe(first);
    const changed = users.map((u) => (u.username === 'xi-inbound' ? { ...u, password: 'new' } : u));
    const second = renderPasswordFile(changed, parsePasswordFile(first));
    const [a, b] = [parsePasswordFile(first), parsePasswordFile(second)];
    expect(b.get('qingliu')).toBe(a.get('qingliu'));
    expect(b.get('xi-inbound')).not.toBe(a.get('xi-inbound'));
    expect(verifyPassword('new', b.get('xi-inbound')!)).toBe(true);
  });
});
