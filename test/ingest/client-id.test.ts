/** The ingester's MQTT client id: not guessable by default, stable across restarts, MQTT_CLIENT_ID still wins. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID_FILE, ClientIdError, ingestClientId } from '../../src/ingest/client-id.js';
import { tempDir } from './helpers.js';

describe('ingestClientId', () => {
  it('generates a random id once, keeps it in DATA_DIR (0600, in a 0700 directory) and reads it back', () => {
    const dataDir = path.join(tempDir(), 'data');
    const id = ingestClientId({ configured: undefined, dataDir });
    expect(id).toMatch(/^qingliu-ingest-[0-9a-f]{20}$/);
    expect(ingestClientId({ configured: undefined, dataDir })).toBe(id);
    const file = path.join(dataDir, CLIENT_ID_FILE);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${id}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    // Another instance (its own DATA_DIR) gets its own id.
    expect(ingestClientId({ configured: undefined, dataDir: path.join(tempDir(), 'data') })).not.toBe(id);
  });

  it('uses MQTT_CLIENT_ID when set, without writing anything', () => {
    const dataDir = path.join(tempDir(), 'data');
    expect(ingestClientId({ configured: 'qingliu-ingest-1', dataDir })).toBe('qingliu-ingest-1');
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('refuses a kept id it cannot use, naming the file and what to do', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, CLIENT_ID_FILE), 'two words\n');
    expect(() => ingestClientId({ configured: undefined, dataDir })).toThrow(ClientIdError);
    expect(() => ingestClientId({ configured: undefined, dataDir })).toThrow(
      /mqtt-client-id: not an MQTT client id.*MQTT_CLIENT_ID/,
    );
  });
});
