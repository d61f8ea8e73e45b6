/**
 * `qingliu keys add|list|revoke`: manages the API keys file (hashes only; the key is printed once by `add`).
 * The running server notices changes to the file within seconds — no restart.
 */
import { cliCommand } from '../../cli-hint.js';
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `Usage: qingliu keys <add|list|revoke> [options]

Manages API keys (管理 API 密钥). The keys file holds only SHA-256 hashes; a key is shown once, when added.

  qingliu keys add --name NAME --role ROLE [--plants a,b] [--rate-limit N] [--expires 90d]
      Creates a key and prints it once (打印一次，请妥善保存).
      ROLE: admin    everything (全部权限)
            bureau   reads everything, acknowledges alerts (生态环境局)
            operator only the stations of --plants (运营单位；必须给出 --plants)
            viewer   public stations only (公众/数据共享)
      --plants       comma-separated plant ids from the catalog (operators only)
      --rate-limit   requests per minute for this key (default: RATE_LIMIT_PER_MINUTE)
      --expires      the key stops working after this long: 90d, 12w, 36h (default: until revoked)
                     (有效期；到期后密钥失效，打开的告警事件流随即关闭)
  qingliu keys list [--json]
      Lists keys: id, name, role, plants, created, expires, revoked (never the keys).
  qingliu keys revoke ID
      Revokes a key; the server rejects it within seconds.

Options for every sub-command:
  --file FILE        the keys file (default: API_KEYS_FILE, or DATA_DIR/api-keys.json)
                     With DATABASE_URL set (and no --file), the keys are in PostgreSQL, shared by every
                     API instance (多实例共享).
  --catalog FILE     catalog to check --plants against (default: CATALOG)
  -h, --help         this help
`;

/** Terminal columns: CJK and full-width characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1;
  return width;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell + ' '.repeat(widths[i]! - displayWidth(cell)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** Refuses plant ids the catalog does not know (a typo would make a key that sees nothing); skips when no catalog loads. */
async function checkPlants(plants: string[], catalogFile: string, io: CliIo): Promise<void> {
  const { loadCatalog } = await import('../../catalog/index.js');
  let known: string[];
  try {
    known = (await loadCatalog(catalogFile)).plants.map((p) => p.id);
  } catch (err) {
    io.stderr.write(
      `warning: cannot read the catalog ${catalogFile} to check --plants (${(err as Error).message.split('\n')[0]})\n`,
    );
    return;
  }
  const unknown = plants.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown plant${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in ${catalogFile}; known plants: ${known.join(', ') || '(none)'}`,
    );
  }
}

export const command: Command = {
  name: 'keys',
  summary: 'manage API keys: add (prints the key once), list, revoke',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const {
      values,
      positionals: [sub, ...positionals],
    } = parseCommandArgs(
      {
        args,
        options: {
          name: { type: 'string' },
          role: { type: 'string' },
          plants: { type: 'string' },
          'rate-limit': { type: 'string' },
          expires: { type: 'string' },
          json: { type: 'boolean' },
          file: { type: 'string' },
          catalog: { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      },
      HELP,
    );
    if (sub === undefined) throw new UsageError(`a sub-command is required: add, list or revoke\n\n${HELP}`);

    const [{ loadConfig, apiKeysFile }, { createKeyFile, KeyFileError }, { ROLES, roleSchema, ID_PATTERN }] =
      await Promise.all([
        import('../../config.js'),
        import('../../api/auth/key-file.js'),
        import('../../api/auth/principal.js'),
      ]);
    const config = loadConfig(io.env);
    // With DATABASE_URL the keys are in PostgreSQL, shared by every API instance (--file still picks a file).
    const database = values.file === undefined ? await openKeysDatabase(config.DATABASE_URL) : undefined;
    const keyFile = database?.keys ?? createKeyFile({ path: values.file ?? apiKeysFile(config), now: Date.now });

    try {
      switch (sub) {
        case 'add': {
          if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
          if (!values.name?.trim())
            throw new UsageError('--name is required: who or what uses the key, e.g. --name "第一污水厂运维"');
          const role = roleSchema.safeParse(values.role);
          if (!role.success)
            throw new UsageError(
              `--role must be one of ${ROLES.join(', ')}${values.role ? `, not "${values.role}"` : ''}`,
            );
          const plants = (values.plants ?? '')
            .split(',')
            .map((p) => p.trim())
            .filter((p) => p !== '');
          if (role.data === 'operator' && plants.length === 0)
            throw new UsageError('an operator key needs --plants with at least one plant id');
          if (role.data !== 'operator' && plants.length > 0)
            throw new UsageError(`--plants applies to operator keys only, not ${role.data}`);
          const bad = plants.filter((p) => !ID_PATTERN.test(p));
          if (bad.length > 0)
            throw new UsageError(`malformed plant id ${bad.join(', ')}: lowercase letters, digits and hyphens`);
          let rateLimitPerMinute: number | undefined;
          if (values['rate-limit'] !== undefined) {
            rateLimitPerMinute = Number(values['rate-limit']);
            if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0)
              throw new UsageError('--rate-limit must be a whole number of requests per minute (0 = unlimited)');
          }
          let expiresInMs: number | undefined;
          if (values.expires !== undefined) {
            const { parseDuration, DurationError } = await import('../../domain/duration.js');
            try {
              expiresInMs = parseDuration(values.expires);
            } catch (err) {
              if (!(err instanceof DurationError)) throw err;
              throw new UsageError(`--expires: ${err.message}`);
            }
            if (expiresInMs <= 0) throw new UsageError('--expires must be a positive duration, e.g. 90d');
          }
          if (plants.length > 0) await checkPlants(plants, values.catalog ?? config.CATALOG, io);
          const { record, key } = await keyFile.add({
            name: values.name.trim(),
            role: role.data,
            plants,
            ...(rateLimitPerMinute !== undefined && { rateLimitPerMinute }),
            ...(expiresInMs !== undefined && { expiresInMs }),
          });
          io.stdout.write(`${key}\n`);
          io.stderr.write(
            `Created key ${record.id} (${record.role}${plants.length ? `: ${plants.join(', ')}` : ''}) in ${keyFile.path}` +
              `${record.expiresAt ? `, valid until ${record.expiresAt}` : ''}.\n` +
              'This is the only time the key is shown; store it now. 密钥只显示这一次，请立即妥善保存。\n' +
              'Use it as: Authorization: Bearer <key>\n',
          );
          return 0;
        }
        case 'list': {
          const data = await keyFile.read();
          if (values.json) {
            const safe = data.keys.map(({ hash: _hash, ...rest }) => rest);
            io.stdout.write(JSON.stringify(safe, null, 2) + '\n');
            return 0;
          }
          if (data.keys.length === 0) {
            io.stdout.write(
              `No keys in ${keyFile.path}. Add one with: ${cliCommand('keys add --name NAME --role admin')}\n`,
            );
            return 0;
          }
          const rows = [['ID', 'ROLE', 'NAME', 'PLANTS', 'CREATED', 'EXPIRES', 'REVOKED']];
          const now = Date.now();
          const stamp = (iso: string) => iso.slice(0, 19) + 'Z';
          for (const k of data.keys) {
            rows.push([
              k.id,
              k.role,
              k.name,
              k.plants.join(',') || '-',
              stamp(k.createdAt),
              k.expiresAt ? `${stamp(k.expiresAt)}${Date.parse(k.expiresAt) <= now ? ' (expired)' : ''}` : 'never',
              k.revokedAt ? stamp(k.revokedAt) : '-',
            ]);
          }
          io.stdout.write(table(rows));
          return 0;
        }
        case 'revoke': {
          const [id, extra] = positionals;
          if (id === undefined)
            throw new UsageError(`which key? ${cliCommand('keys revoke ID')} (ids: ${cliCommand('keys list')})`);
          if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
          const { record, alreadyRevoked } = await keyFile.revoke(id);
          io.stdout.write(
            alreadyRevoked
              ? `Key ${record.id} (${record.name}) was already revoked at ${record.revokedAt}.\n`
              : `Revoked key ${record.id} (${record.name}); the server rejects it within seconds.\n`,
          );
          return 0;
        }
        default:
          throw new UsageError(`unknown sub-command "${sub}": add, list or revoke\n\n${HELP}`);
      }
    } catch (err) {
      if (err instanceof KeyFileError) {
        io.stderr.write(`qingliu keys: ${err.message}\n`);
        return 1;
      }
      if (database) {
        // A database error: say which database (masked), never the password.
        io.stderr.write(
          `qingliu keys: PostgreSQL at DATABASE_URL=${database.db.shownUrl}: ${(err as Error).message}\n`,
        );
        return 1;
      }
      throw err;
    } finally {
      await database?.db.close();
    }
  },
};

/** The keys in PostgreSQL when DATABASE_URL is set (migrated first: the CLI may run before any server did). */
async function openKeysDatabase(url: string | undefined) {
  if (url === undefined) return undefined;
  const [{ openPostgres }, { migrate }, { createPgKeyRepository }, { silentLogger }] = await Promise.all([
    import('../../db/postgres.js'),
    import('../../db/migrate.js'),
    import('../../api/auth/pg-key-repository.js'),
    import('../../logger.js'),
  ]);
  const db = openPostgres({ url, logger: silentLogger(), applicationName: 'qingliu-cli', max: 1 });
  try {
    await migrate(db, silentLogger());
  } catch (err) {
    await db.close();
    throw err;
  }
  return { db, keys: createPgKeyRepository({ db, now: Date.now }) };
}
