/**
 * `qingliu mqtt-auth`: Mosquitto password and ACL files generated from the station catalog, plus the
 * credentials sheet for station integrators. Passwords are kept from the previous sheet, so regenerating
 * after a catalog change only adds (or removes) the stations that changed.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `Usage: qingliu mqtt-auth --out DIR [--catalog FILE] [options]

Generates Mosquitto authentication from the station catalog (为 Mosquitto 生成站点账号与访问控制), for the
two listeners of deploy/mosquitto/mosquitto.conf:
  DIR/passwordfile     station listener (1883/8883) password_file: one user per station (and the simulator),
                       PBKDF2-SHA512 ($7$) hashes. The listener replaces every client id by the username.
  DIR/aclfile          station listener acl_file: a station may publish only wq/{id}/data and
                       wq/{id}/senml, and read nothing
  DIR/service-passwordfile
                       service listener (1884) password_file: Qingliu's own user only, so station
                       credentials cannot log in there (nor take over the ingester's session)
  DIR/service-aclfile  service listener acl_file: reads wq/#, writes wq/_dlq/#, wq/alerts/#, wq/_status/#
  DIR/credentials.csv  username,password,… for handing to station integrators (UTF-8 with BOM for Excel).
                       Keep it secret (mode 0600); never mount it into a container.

Passwords already in DIR/credentials.csv are kept, so station loggers keep working after a regeneration.

Options:
  --catalog FILE       station catalog (default: the CATALOG setting, ./sensors/catalog.yaml)
  --out DIR            output directory, created if missing (required)
  --service-user NAME  username of the Qingliu service (default: qingliu); set MQTT_USERNAME to it
  --simulator          also create "qingliu-simulator", allowed to publish for every station (demos only)
  --rotate USERS       comma-separated usernames that get new passwords (e.g. a leaked logger password)
  -h, --help           this help

After generating: put the service user's password from credentials.csv into .env as MQTT_PASSWORD, and
restart the broker (docker compose restart mosquitto). See docs/deploy.md and docs/security.md.
`;

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write-then-rename, so Mosquitto (or a copy step) never reads a half-written file. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

export const command: Command = {
  name: 'mqtt-auth',
  summary: 'generate Mosquitto password/ACL files and station credentials from the catalog',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const { values } = parseCommandArgs(
      {
        args,
        options: {
          catalog: { type: 'string' },
          out: { type: 'string' },
          'service-user': { type: 'string' },
          simulator: { type: 'boolean' },
          rotate: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      },
      HELP,
    );
    if (!values.out) throw new UsageError(`--out DIR is required\n\n${HELP}`);

    const [{ loadConfig }, { loadCatalog }, auth] = await Promise.all([
      import('../../config.js'),
      import('../../catalog/index.js'),
      import('../../broker/mosquitto-auth.js'),
    ]);
    const catalogFile = values.catalog ? path.resolve(values.catalog) : loadConfig(io.env).CATALOG;
    const catalog = await loadCatalog(catalogFile);

    const specs = auth.planMqttUsers(
      catalog.stations.map((s) => ({ id: s.id, name: s.name })),
      {
        ...(values['service-user'] ? { serviceUser: values['service-user'] } : {}),
        simulatorUser: values.simulator ? auth.DEFAULT_SIMULATOR_USER : false,
      },
    );
    const rotate = new Set(
      (values.rotate ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const unknown = [...rotate].filter((name) => !specs.some((s) => s.username === name));
    if (unknown.length > 0) throw new UsageError(`--rotate names unknown users: ${unknown.join(', ')}`);

    const outDir = path.resolve(values.out);
    await mkdir(outDir, { recursive: true, mode: 0o750 });
    const credentialsFile = path.join(outDir, 'credentials.csv');
    const previousCsv = await readIfExists(credentialsFile);
    const result = auth.assignPasswords(specs, previousCsv ? auth.parseCredentialsCsv(previousCsv) : new Map(), rotate);

    // Passwords first: if writing stops halfway, the sheet that holds the plaintext is never behind the hashes.
    await writeAtomically(credentialsFile, auth.renderCredentialsCsv(result.users), 0o600);
    for (const listener of ['stations', 'service'] as const) {
      const files = auth.LISTENER_FILES[listener];
      const users = result.users.filter((u) => auth.listenerOf(u) === listener);
      const passwordFile = path.join(outDir, files.passwords);
      const previousHashes = auth.parsePasswordFile((await readIfExists(passwordFile)) ?? '');
      const header = [
        `Generated by \`qingliu mqtt-auth\` from ${path.basename(catalogFile)}: edit the catalog and regenerate, not this file.`,
        `For Mosquitto's ${listener} listener (deploy/mosquitto/mosquitto.conf). Mosquitto denies everything not granted below.`,
      ];
      await writeAtomically(passwordFile, auth.renderPasswordFile(users, previousHashes), 0o640);
      await writeAtomically(path.join(outDir, files.acl), auth.renderAclFile(users, header), 0o640);
    }

    const stations = result.users.filter((u) => u.role === 'station').length;
    const list = (names: string[]) => (names.length > 0 ? ` (${names.join(', ')})` : '');
    io.stdout.write(
      [
        `已生成 MQTT 认证文件 / MQTT auth files written to ${outDir}:`,
        `  passwordfile, aclfile                  Mosquitto station listener (1883/8883)`,
        `  service-passwordfile, service-aclfile  Mosquitto service listener (1884): Qingliu only`,
        `  credentials.csv                        站点账号密码，请妥善保管 / passwords for station integrators: keep it secret`,
        `users: ${result.users.length} (${stations} stations); new: ${result.created.length}${list(result.created)}, ` +
          `kept: ${result.kept.length}, rotated: ${result.rotated.length}${list(result.rotated)}, removed: ${result.removed.length}${list(result.removed)}`,
        `Next: set MQTT_USERNAME=${specs[0]!.username} and MQTT_PASSWORD (from credentials.csv) in .env, then restart the broker.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
