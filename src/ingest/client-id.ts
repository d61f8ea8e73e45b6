/**
 * The client id of the ingester's persistent MQTT session. The broker queues QoS 1 readings under it while the
 * ingester is away, so whoever connects with it gets them: the id must not be guessable. MQTT_CLIENT_ID wins when
 * set; otherwise a random id is generated once and kept in DATA_DIR/mqtt-client-id (mode 0600), so the session
 * survives restarts (each ingest instance has its own DATA_DIR, hence its own id). The broker configuration is
 * the real protection (docs/security.md): this only stops a documented default from being an invitation.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openPrivateSync } from '../fs/private-files.js';

export const CLIENT_ID_FILE = 'mqtt-client-id';

/** What a kept id may look like: printable ASCII, no spaces, and short enough for every broker we know. */
const KEPT_ID = /^[\x21-\x7e]{1,64}$/;

export class ClientIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientIdError';
  }
}

/** `qingliu-ingest-` and 20 random hex digits (80 bits). */
export function generateClientId(random: (n: number) => Buffer = randomBytes): string {
  return `qingliu-ingest-${random(10).toString('hex')}`;
}

/** MQTT_CLIENT_ID, or the id kept in `dataDir` (generated and written on first use). */
export function ingestClientId(options: { configured: string | undefined; dataDir: string }): string {
  if (options.configured) return options.configured;
  const file = path.join(options.dataDir, CLIENT_ID_FILE);
  let kept: string | undefined;
  try {
    kept = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (kept !== undefined) {
    if (!KEPT_ID.test(kept)) {
      throw new ClientIdError(
        `${file}: not an MQTT client id (${kept === '' ? 'empty' : 'printable ASCII without spaces, at most 64 characters'}); ` +
          'delete the file to generate a new one, or set MQTT_CLIENT_ID',
      );
    }
    return kept;
  }
  const id = generateClientId();
  // 'wx': two processes starting on one DATA_DIR at once do not both write (the loser reads the winner's id).
  let fd: number;
  try {
    fd = openPrivateSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return ingestClientId(options);
    throw err;
  }
  try {
    fs.writeSync(fd, `${id}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return id;
}
