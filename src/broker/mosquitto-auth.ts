/**
 * Mosquitto authentication and authorisation generated from the station catalog: one MQTT user per station,
 * allowed to publish only its own topics, and service users for Qingliu itself. Pure: no file I/O here
 * (`qingliu mqtt-auth` reads and writes the files), so the formats are testable on their own.
 *
 * Password file format (Mosquitto 2.x `password_file`, as written by `mosquitto_passwd`):
 *   `username:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512(password, salt, iterations, 64)>`
 * with a 12-byte salt (mosquitto 2.0 src/password_mosq.h: SALT_LEN 12, pw_sha512_pbkdf2 = 7). Checked against
 * a line produced by the real `mosquitto_passwd` in test/broker/mosquitto-auth.test.ts.
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** The only topics a station may publish: the MQTT contract of docs/mqtt.md. */
export function stationTopics(stationId: string): string[] {
  return [`wq/${stationId}/data`, `wq/${stationId}/senml`];
}

export type AclAccess = 'read' | 'write' | 'readwrite';

export interface AclRule {
  access: AclAccess;
  topic: string;
}

/**
 * What the Qingliu service user may do: read everything under `wq/` (the ingester subscribes to `wq/#`, also
 * through a shared subscription `$share/{group}/wq/#`, which Mosquitto authorises against the plain topic, so
 * that a message on a topic outside the contract becomes an `invalid_topic` dead letter instead of vanishing),
 * and publish dead letters, alerts and its online status (retained, with a last will).
 */
export const SERVICE_ACL: readonly AclRule[] = [
  { access: 'read', topic: 'wq/#' },
  { access: 'write', topic: 'wq/_dlq/#' },
  { access: 'write', topic: 'wq/alerts/#' },
  { access: 'write', topic: 'wq/_status/#' },
];

/** The optional simulator user (`qingliu simulate` against the production broker) publishes for every station. */
export const SIMULATOR_ACL: readonly AclRule[] = [
  { access: 'write', topic: 'wq/+/data' },
  { access: 'write', topic: 'wq/+/senml' },
];

export const DEFAULT_SERVICE_USER = 'qingliu';
export const DEFAULT_SIMULATOR_USER = 'qingliu-simulator';

/**
 * Topic levels under `wq/` that Qingliu itself publishes: a station with one of these ids would share topics
 * with the service (e.g. a station `alerts` could then be sent alerts as if they were readings).
 */
export const RESERVED_STATION_IDS: readonly string[] = ['alerts', '_dlq', '_status'];

export type MqttUserRole = 'station' | 'service' | 'simulator';

/**
 * The two listeners of deploy/mosquitto/mosquitto.conf (`per_listener_settings true`), each with its own password
 * and ACL file. `stations` (1883, 8883 with TLS) sets `use_username_as_clientid`: whatever client id a station
 * sends, Mosquitto replaces it with the station's username, so station credentials can never take over another
 * client's session — in particular the ingester's persistent session and the QoS 1 messages queued for it.
 * `service` (1884, inside the deployment's network) is the only one Qingliu's own users can log in to, and station
 * users cannot: their names are not in its password file. docs/security.md, "A hostile station".
 */
export type MqttListener = 'stations' | 'service';

export const LISTENER_FILES: Record<MqttListener, { passwords: string; acl: string }> = {
  stations: { passwords: 'passwordfile', acl: 'aclfile' },
  service: { passwords: 'service-passwordfile', acl: 'service-aclfile' },
};

/** The listener a user logs in to: the service user on the service listener, stations and the simulator on theirs. */
export function listenerOf(user: Pick<MqttUserSpec, 'role'>): MqttListener {
  return user.role === 'service' ? 'service' : 'stations';
}

export interface MqttUserSpec {
  username: string;
  role: MqttUserRole;
  acl: readonly AclRule[];
  /** For station users: the station, with its names for the credentials sheet. */
  station?: { id: string; name?: { zh: string; en: string } };
}

export interface MqttUser extends MqttUserSpec {
  password: string;
}

/** A username that Mosquitto's password file (":" separated) and ACL file (one per line) can both hold. */
const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class MqttAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MqttAuthError';
  }
}

/** The users to create for a catalog: the service user, optionally the simulator, then one per station. */
export function planMqttUsers(
  stations: readonly { id: string; name?: { zh: string; en: string } }[],
  options: { serviceUser?: string; simulatorUser?: string | false } = {},
): MqttUserSpec[] {
  const serviceUser = options.serviceUser ?? DEFAULT_SERVICE_USER;
  const users: MqttUserSpec[] = [{ username: serviceUser, role: 'service', acl: SERVICE_ACL }];
  if (options.simulatorUser) users.push({ username: options.simulatorUser, role: 'simulator', acl: SIMULATOR_ACL });
  for (const station of stations) {
    if (RESERVED_STATION_IDS.includes(station.id)) {
      throw new MqttAuthError(`station id "${station.id}" is reserved: Qingliu publishes under wq/${station.id}/`);
    }
    users.push({
      username: station.id,
      role: 'station',
      acl: stationTopics(station.id).map((topic) => ({ access: 'write', topic })),
      station: { id: station.id, ...(station.name ? { name: station.name } : {}) },
    });
  }
  const seen = new Set<string>();
  for (const user of users) {
    if (!USERNAME_PATTERN.test(user.username)) {
      throw new MqttAuthError(
        `"${user.username}" cannot be an MQTT username (letters, digits, ".", "_", "-"; up to 64)`,
      );
    }
    if (seen.has(user.username)) {
      throw new MqttAuthError(`username "${user.username}" is used twice (a station id equal to a service user name?)`);
    }
    seen.add(user.username);
  }
  return users;
}

/** A random password: 24 bytes as base64url (32 characters, no characters that need quoting anywhere). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Mosquitto 2.0's default for `mosquitto_passwd` is 101; more iterations cost only at connect time. */
export const DEFAULT_PBKDF2_ITERATIONS = 1000;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** A `$7$…` PBKDF2-SHA512 hash in Mosquitto's password-file format (without the `username:` prefix). */
export function hashPassword(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `encoded` (a `$7$` hash) was made from `password`. Other hash types answer false. */
export function verifyPassword(password: string, encoded: string): boolean {
  const match = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(encoded);
  if (!match) return false;
  const iterations = Number(match[1]);
  const salt = Buffer.from(match[2]!, 'base64');
  const expected = Buffer.from(match[3]!, 'base64');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || expected.length === 0) return false;
  const actual = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}

/** `username → hash` from an existing password file (comments and blank lines skipped). */
export function parsePasswordFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

/**
 * The password file. A user whose password still verifies against `previous` keeps its old hash, so
 * regenerating for an unchanged catalog leaves the file byte-for-byte the same (clean diffs, no reload churn).
 */
export function renderPasswordFile(
  users: readonly MqttUser[],
  previous: ReadonlyMap<string, string> = new Map(),
): string {
  const lines = users.map((user) => {
    const old = previous.get(user.username);
    const hash = old !== undefined && verifyPassword(user.password, old) ? old : hashPassword(user.password);
    return `${user.username}:${hash}`;
  });
  return `${lines.join('\n')}\n`;
}

/** The ACL file: a block per user. Anything not granted is denied (Mosquitto's default with an acl_file). */
export function renderAclFile(users: readonly MqttUser[] | readonly MqttUserSpec[], header: string[] = []): string {
  const out: string[] = [...header.map((line) => `# ${line}`)];
  for (const user of users) {
    out.push(
      '',
      `# ${describeUser(user)}`,
      `user ${user.username}`,
      ...user.acl.map((rule) => `topic ${rule.access} ${rule.topic}`),
    );
  }
  return `${out.join('\n').replace(/^\n/, '')}\n`;
}

function describeUser(user: MqttUserSpec): string {
  if (user.role === 'service')
    return 'Qingliu service: reads everything under wq/, publishes dead letters, alerts, status';
  if (user.role === 'simulator') return 'sensor simulator: publishes for every station (demo and load tests only)';
  const name = user.station?.name;
  return `station ${user.username}${name ? ` ${name.zh} / ${name.en}` : ''}: publishes its own topics only`;
}

/** Columns of the credentials sheet handed to station integrators (UTF-8 with BOM, so Excel shows Chinese). */
export const CREDENTIALS_COLUMNS = [
  'username',
  'password',
  'role',
  'station_id',
  'name_zh',
  'name_en',
  'publish_topics',
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderCredentialsCsv(users: readonly MqttUser[]): string {
  const rows = [CREDENTIALS_COLUMNS.join(',')];
  for (const user of users) {
    const publish = user.acl.filter((r) => r.access !== 'read').map((r) => r.topic);
    rows.push(
      [
        user.username,
        user.password,
        user.role,
        user.station?.id ?? '',
        user.station?.name?.zh ?? '',
        user.station?.name?.en ?? '',
        publish.join(' '),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** `username → password` from an earlier credentials sheet, so passwords survive a regeneration. */
export function parseCredentialsCsv(text: string): Map<string, string> {
  const [header, ...rows] = parseCsv(text);
  const out = new Map<string, string>();
  if (!header) return out;
  const u = header.indexOf('username');
  const p = header.indexOf('password');
  if (u < 0 || p < 0) throw new MqttAuthError('the credentials file has no "username" and "password" columns');
  for (const row of rows) {
    const username = row[u];
    const password = row[p];
    if (username && password) out.set(username, password);
  }
  return out;
}

/**
 * Gives every planned user a password: the one from `previous` unless rotated, a new one otherwise.
 * Returns which users got new passwords and which earlier users are gone, for the operator.
 */
export function assignPasswords(
  specs: readonly MqttUserSpec[],
  previous: ReadonlyMap<string, string>,
  rotate: ReadonlySet<string> = new Set(),
): { users: MqttUser[]; created: string[]; rotated: string[]; kept: string[]; removed: string[] } {
  const created: string[] = [];
  const rotated: string[] = [];
  const kept: string[] = [];
  const users = specs.map((spec) => {
    const old = previous.get(spec.username);
    if (old !== undefined && !rotate.has(spec.username)) {
      kept.push(spec.username);
      return { ...spec, password: old };
    }
    (old === undefined ? created : rotated).push(spec.username);
    return { ...spec, password: generatePassword() };
  });
  const planned = new Set(specs.map((s) => s.username));
  const removed = [...previous.keys()].filter((name) => !planned.has(name));
  return { users, created, rotated, kept, removed };
}
