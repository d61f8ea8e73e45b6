/** The start-up settings (DEMO, LOG_FILE, LOG_CONSOLE_LEVEL) and how secrets are kept out of what is shown. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommand, startCommand } from '../../src/cli-hint.js';
import { configSecrets, consoleLogLevel, isDemo, loadConfig, logFile } from '../../src/config.js';
import { createScrubber, maskUrl, urlSecrets } from '../../src/secrets.js';

describe('DEMO', () => {
  it('auto: on for embedded defaults only; on and off whatever else is set', () => {
    expect(isDemo(loadConfig({}))).toBe(true);
    expect(isDemo(loadConfig({ MQTT_PORT: '1884' }))).toBe(true);
    expect(isDemo(loadConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883' }))).toBe(false);
    expect(isDemo(loadConfig({ INFLUX_URL: 'http://127.0.0.1:8086' }))).toBe(false);
    expect(isDemo(loadConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883', DEMO: 'on' }))).toBe(true);
    expect(isDemo(loadConfig({ DEMO: 'off' }))).toBe(false);
    expect(() => loadConfig({ DEMO: 'yes' })).toThrow(/DEMO/);
    expect(loadConfig({}).DEMO_HISTORY).toBe(30 * 86_400_000);
    expect(loadConfig({ DEMO_HISTORY: '2d' }).DEMO_HISTORY).toBe(2 * 86_400_000);
  });

  it('the demo logs everything to DATA_DIR/qingliu.log and only warnings and errors to the console', () => {
    const demo = loadConfig({ DATA_DIR: '/tmp/q' });
    expect(logFile(demo)).toBe('/tmp/q/qingliu.log');
    expect(consoleLogLevel(demo)).toBe('warn');
    expect(consoleLogLevel(loadConfig({ LOG_CONSOLE_LEVEL: 'info' }))).toBe('info');
    expect(logFile(loadConfig({ LOG_FILE: 'off' }))).toBeUndefined();
    expect(consoleLogLevel(loadConfig({ LOG_FILE: 'off' }))).toBe('info');
    // A service (not the demo): the console (stdout) has the whole log, no file unless asked for.
    const service = loadConfig({ MQTT_URL: 'mqtt://b:1883', INFLUX_URL: 'http://i:8086', LOG_LEVEL: 'debug' });
    expect(logFile(service)).toBeUndefined();
    expect(consoleLogLevel(service)).toBe('debug');
    expect(logFile(loadConfig({ MQTT_URL: 'mqtt://b:1883', LOG_FILE: 'logs/q.log' }))).toBe(path.resolve('logs/q.log'));
  });
});

describe('secrets', () => {
  it('maskUrl keeps the user and the address, masks the password (or a lone user name) and credential parameters', () => {
    expect(maskUrl('mqtt://qingliu:p%40ss@broker:1883')).toBe('mqtt://qingliu:***@broker:1883');
    expect(maskUrl('https://tok3n@influx.example:8086')).toBe('https://***@influx.example:8086');
    expect(maskUrl('http://influx:8086/')).toBe('http://influx:8086/');
    expect(maskUrl('http://influx:8086')).toBe('http://influx:8086');
    expect(maskUrl('https://h/x?token=abc&db=q')).toBe('https://h/x?token=***&db=q');
    expect(maskUrl('not a url')).toBe('not a url');
    expect(urlSecrets('mqtt://u:p%40ss@h')).toEqual(['p%40ss', 'p@ss']);
  });

  it('the scrubber masks every secret of the configuration, also inside JSON strings', () => {
    const config = loadConfig({
      MQTT_URL: 'mqtt://qingliu:Mq"pass@b:1883',
      INFLUX_TOKEN: 'admin:influx-pass',
      ADMIN_API_KEY: 'an-admin-key-of-24-characters',
    });
    const scrub = createScrubber(configSecrets(config));
    const line = JSON.stringify({
      msg: 'x',
      url: 'mqtt://qingliu:Mq"pass@b',
      auth: `Basic ${Buffer.from('admin:influx-pass').toString('base64')}`,
      k: 'an-admin-key-of-24-characters',
      p: 'influx-pass',
    });
    const out = scrub(line);
    expect(out).not.toMatch(/Mq|influx-pass|an-admin-key|YWRtaW46aW5mbHV4LXBhc3M=/);
    expect(JSON.parse(out)).toMatchObject({ msg: 'x', url: 'mqtt://qingliu:***@b', k: '***', p: '***' });
    // Short values would garble ordinary words: not treated as secrets.
    expect(createScrubber(['abc'])('abcdef')).toBe('abcdef');
  });
});

describe('commands in messages', () => {
  it('name the command as a checkout runs it, or as the image installs it', () => {
    expect(cliCommand('keys add --role admin', true)).toBe('npm run -s qingliu -- keys add --role admin');
    expect(cliCommand('keys add --role admin', false)).toBe('qingliu keys add --role admin');
    expect(cliCommand('keys list')).toBe('npm run -s qingliu -- keys list');
    expect(startCommand('MQTT_PORT=1884', true)).toBe('MQTT_PORT=1884 npm start');
    expect(startCommand('MQTT_PORT=1884', false)).toBe('MQTT_PORT=1884');
  });
});
