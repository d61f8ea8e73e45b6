/**
 * Start-up rule for API keys: the server never runs open. Outside demo mode at least one key must exist (in the
 * keys file or as ADMIN_API_KEY); in demo mode, without ADMIN_API_KEY, an admin key is generated once, kept in
 * `DATA_DIR/demo-admin-key` (mode 0600; the demo is a local sandbox) and handed back so start-up can print it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cliCommand } from '../../cli-hint.js';
import type { Logger } from '../../logger.js';
import { generateApiKey, keyIdOf } from './api-key.js';
import { writeFileAtomic } from '../../fs/private-files.js';
import { KeyFileError, type KeyFile } from './key-file.js';
import { createKeyStore, type BootstrapKey, type KeyStore } from './key-store.js';

export const DEMO_ADMIN_KEY_FILE = 'demo-admin-key';
export const ENV_ADMIN_KEY_ID = 'env-admin';

export interface PrepareApiKeysOptions {
  /** `API_KEYS_FILE`. */
  keysFile: string;
  /** The keys in PostgreSQL instead of the file (DATABASE_URL: shared by every API instance). */
  repository?: KeyFile;
  /** `ADMIN_API_KEY`, if set. */
  adminApiKey?: string | undefined;
  /** `DATA_DIR`: where the demo admin key is kept. */
  dataDir: string;
  /** Embedded demo mode (no external broker or store). */
  demo: boolean;
  now: () => number;
  logger?: Logger;
  reloadIntervalMs?: number;
}

export type PreparedApiKeys =
  | { ok: true; store: KeyStore; demoAdminKey?: string; demoAdminKeyFile?: string }
  | { ok: false; error: string };

/** The rule itself, pure: a message explaining what to do when the server would run open, else undefined. */
export function checkKeysConfigured(state: { activeKeys: number; demo: boolean; keysFile: string }): string | undefined {
  if (state.activeKeys > 0 || state.demo) return undefined;
  return [
    `未配置任何 API 密钥（${state.keysFile} 中没有有效密钥，且未设置 ADMIN_API_KEY），API 拒绝在无鉴权状态下运行。`,
    `  · 创建密钥：${cliCommand('keys add --name 名称 --role admin')}`,
    '  · 或设置 ADMIN_API_KEY（至少 24 个字符，例如 openssl rand -base64 32 的输出）',
    '  · 只是试用：DEMO=on 在外部 MQTT 服务器或数据库上运行演示（生成并打印管理员密钥）',
    `No API keys are configured (none active in ${state.keysFile}, and ADMIN_API_KEY is unset); the API refuses to run open.`,
    `  · Create one: ${cliCommand('keys add --name NAME --role admin')}`,
    '  · Or set ADMIN_API_KEY (at least 24 characters, e.g. the output of openssl rand -base64 32)',
    '  · Just trying it out: DEMO=on runs the demo with an external broker or database (an admin key is generated and printed)',
  ].join('\n');
}

async function loadOrCreateDemoKey(file: string, logger?: Logger): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (keyIdOf(existing)) return existing;
    logger?.warn({ file }, 'demo admin key file is malformed; generating a new key');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { key } = generateApiKey();
  await writeFileAtomic(file, key + '\n');
  return key;
}

/** Builds the key store for the server and applies the start-up rule. Never throws for a configuration problem. */
export async function prepareApiKeys(options: PrepareApiKeysOptions): Promise<PreparedApiKeys> {
  const bootstrap: BootstrapKey[] = [];
  if (options.adminApiKey) {
    bootstrap.push({ id: ENV_ADMIN_KEY_ID, name: 'ADMIN_API_KEY', role: 'admin', key: options.adminApiKey });
  }
  let demoAdminKey: string | undefined;
  let demoAdminKeyFile: string | undefined;
  if (options.demo && !options.adminApiKey) {
    demoAdminKeyFile = path.join(options.dataDir, DEMO_ADMIN_KEY_FILE);
    try {
      demoAdminKey = await loadOrCreateDemoKey(demoAdminKeyFile, options.logger);
    } catch (err) {
      return { ok: false, error: `cannot keep the demo admin key in ${demoAdminKeyFile}: ${(err as Error).message}` };
    }
    bootstrap.push({ id: keyIdOf(demoAdminKey) ?? 'demo-admin', name: 'demo admin (generated)', role: 'admin', key: demoAdminKey });
  }

  const keysAt = options.repository?.path ?? options.keysFile;
  const store = createKeyStore({
    file: options.keysFile,
    ...(options.repository && { repository: options.repository }),
    bootstrap,
    now: options.now,
    ...(options.reloadIntervalMs !== undefined && { reloadIntervalMs: options.reloadIntervalMs }),
    ...(options.logger && { logger: options.logger }),
  });
  try {
    await store.load();
  } catch (err) {
    if (err instanceof KeyFileError) return { ok: false, error: `API keys file is invalid:\n${err.message}` };
    return { ok: false, error: `cannot read the API keys from ${keysAt}: ${(err as Error).message}` };
  }
  const problem = checkKeysConfigured({ activeKeys: store.activeCount(), demo: options.demo, keysFile: keysAt });
  if (problem) return { ok: false, error: problem };
  return { ok: true, store, ...(demoAdminKey && { demoAdminKey, demoAdminKeyFile }) };
}
