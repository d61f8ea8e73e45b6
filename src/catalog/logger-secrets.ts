/**
 * The secrets of the catalog's HJ 212 loggers, read from the environment variables the catalog names
 * (`password_env`, `sm4_key_env`). A named variable that is unset stops start-up (catalog file, path, variable);
 * `qingliu catalog check` reports the same findings as warnings, since it may run where the secrets are not.
 * Values are never part of a message.
 */
import type { Catalog } from './catalog.js';
import type { CatalogIssue } from './catalog-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoggerSecrets {
  password?: string;
  sm4Key?: Buffer;
}

export interface LoggerSecretsResult {
  /** By station id, for the stations with an `hj212` block whose secrets all resolved. */
  secrets: Map<string, LoggerSecrets>;
  issues: CatalogIssue[];
}

/**
 * An SM4 key as written in a variable: 32 hex digits (the GB/T 32907 notation, `0123456789abcdef…`), or exactly
 * 16 characters taken as their bytes (HJ 212-2025 Appendix A.2 writes its key as sixteen ASCII `0`). Two lengths,
 * so the forms never overlap. Undefined when it is neither.
 */
export function parseSm4Key(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{32}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = Buffer.from(trimmed, 'utf8');
  return bytes.length === 16 && trimmed.length === 16 ? bytes : undefined;
}

const present = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
};

export function resolveLoggerSecrets(catalog: Catalog, env: Env): LoggerSecretsResult {
  const secrets = new Map<string, LoggerSecrets>();
  const issues: CatalogIssue[] = [];
  catalog.stations.forEach((station, index) => {
    const hj212 = station.hj212;
    if (!hj212) return;
    const path = `stations[${index}].hj212`;
    const found: LoggerSecrets = {};
    let ok = true;
    if (hj212.password_env !== undefined) {
      const password = present(env, hj212.password_env);
      if (password === undefined) {
        ok = false;
        issues.push({
          path: `${path}.password_env`,
          message: `environment variable ${hj212.password_env} is not set (the access password PW of ${station.id}'s logger)`,
        });
      } else found.password = password;
    }
    if (hj212.sm4_key_env !== undefined) {
      const text = present(env, hj212.sm4_key_env);
      const key = text === undefined ? undefined : parseSm4Key(text);
      if (key === undefined) {
        ok = false;
        issues.push({
          path: `${path}.sm4_key_env`,
          message:
            text === undefined
              ? `environment variable ${hj212.sm4_key_env} is not set (the SM4 key of ${station.id}'s logger)`
              : `environment variable ${hj212.sm4_key_env} is not an SM4 key: expected 32 hex digits or 16 characters`,
        });
      } else found.sm4Key = key;
    }
    if (ok) secrets.set(station.id, found);
  });
  return { secrets, issues };
}
