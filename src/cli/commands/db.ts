/**
 * `qingliu db migrate|status`: the PostgreSQL schema of the control state (docs/adr/0015). The service migrates at
 * start-up by itself; these commands are for operators who want to migrate before rolling out, or to look.
 */
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `Usage: qingliu db <migrate|status> [--json]

The PostgreSQL database of the control state (控制状态数据库: job runs, API keys, rate limits, data marks,
alerts with their timelines and outbox, HJ 212 device state, issued reports).
Used only when DATABASE_URL is set (postgres://user:password@host:5432/qingliu); without it Qingliu keeps
these in SQLite files in DATA_DIR and there is nothing to migrate.

  qingliu db migrate     applies the pending migrations (under a lock: safe while instances start)
  qingliu db status      lists every migration: applied (with its time), pending, changed or unknown

Options:
  --json             machine-readable output
  -h, --help         this help
`;

export const command: Command = {
  name: 'db',
  summary: 'the PostgreSQL database (DATABASE_URL): apply migrations (migrate), list them (status)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const {
      values,
      positionals: [sub, ...rest],
    } = parseCommandArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true }, HELP);
    if (sub !== 'migrate' && sub !== 'status')
      throw new UsageError(`a sub-command is required: migrate or status\n\n${HELP}`);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
    const [{ loadConfig }, { openPostgres }, { migrate, migrationStatus }, { silentLogger }, { DatabaseError }] =
      await Promise.all([
        import('../../config.js'),
        import('../../db/postgres.js'),
        import('../../db/migrate.js'),
        import('../../logger.js'),
        import('../../db/postgres.js'),
      ]);
    const config = loadConfig(io.env);
    if (!config.DATABASE_URL) {
      io.stderr.write(
        'DATABASE_URL is not set: the control state is in SQLite files in DATA_DIR, which need no migration.\n' +
          '未设置 DATABASE_URL：控制状态保存在 DATA_DIR 的 SQLite 文件中，无需迁移。\n',
      );
      return 1;
    }
    const logger = silentLogger();
    const db = openPostgres({ url: config.DATABASE_URL, logger, applicationName: 'qingliu-cli', max: 1 });
    try {
      const applied = sub === 'migrate' ? (await migrate(db, logger)).applied : undefined;
      const states = await migrationStatus(db);
      if (values.json) {
        io.stdout.write(
          JSON.stringify({ database: db.shownUrl, ...(applied && { applied }), migrations: states }, null, 2) + '\n',
        );
      } else {
        io.stdout.write(`database ${db.shownUrl}\n`);
        if (applied) io.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'nothing to apply\n');
        for (const s of states) {
          io.stdout.write(
            `${String(s.version).padStart(4)}  ${s.state.padEnd(8)}  ${s.appliedAt ? s.appliedAt.toISOString() : '-'.padEnd(24)}  ${s.name}\n`,
          );
        }
      }
      const bad = states.filter((s) => s.state !== 'applied');
      return bad.some((s) => s.state === 'unknown') ? 1 : 0;
    } catch (err) {
      const message = (err as Error).message;
      io.stderr.write(
        err instanceof DatabaseError ? `${message}\n` : `PostgreSQL at DATABASE_URL=${db.shownUrl}: ${message}\n`,
      );
      return 1;
    } finally {
      await db.close();
    }
  },
};
