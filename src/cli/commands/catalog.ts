/** `qingliu catalog check|list|schema`: validate the station catalog and show what it holds. */
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';
import type { Catalog, Station, StationKind } from '../../catalog/index.js';

type Lang = 'zh-CN' | 'en';

const HELP = `Usage: qingliu catalog <check|list|schema> [file] [options]

Validate the station catalog (站点目录) and list its stations.

Subcommands:
  check [file]                      validate; print a one-line summary, or every error (exit 1)
  list [file] [--ids] [--kind K]    print the stations as a table, or one id per line
  schema                            print the catalog's JSON Schema (for editor completion)

[file] defaults to the CATALOG setting (./sensors/catalog.yaml).
Run \`qingliu catalog <subcommand> --help\` for details. The catalog format: sensors/README.md.
`;

const CHECK_HELP = `Usage: qingliu catalog check [file]

Validates a catalog (.yaml, .yml or .json) and prints a one-line summary (exit 0), followed on stderr by
warnings (valid, but probably unintended: e.g. alerts that would reach nobody). When the catalog is
invalid, prints every error as "FILE: path.to.field: what is wrong (line L, column C)" on stderr (exit 1).

[file] defaults to the CATALOG setting (./sensors/catalog.yaml).
Output language follows LANG_UI (zh-CN by default, or en); error messages are in English.

Example:
  qingliu catalog check sensors/catalog.yaml
`;

const LIST_HELP = `Usage: qingliu catalog list [file] [--ids] [--kind K[,K…]] [--json]

Lists the stations of a catalog: id, kind, Chinese name, river and km from its source, and the section's
role, level and target class or the plant's discharge standard.

Options:
  --ids      one station id per line, nothing else (for scripts)
  --kind K   only stations of these kinds: river_section, plant_effluent, plant_influent,
             industrial_outfall, urban_water (comma-separated, or repeat the option)
  --json     the stations as a JSON array, as the catalog holds them (durations in milliseconds)

[file] defaults to the CATALOG setting (./sensors/catalog.yaml).

Examples:
  qingliu catalog list
  qingliu catalog list --kind river_section --ids
`;

const SCHEMA_HELP = `Usage: qingliu catalog schema

Prints the JSON Schema of the catalog file. Editors with the YAML language server complete and check a
catalog that starts with "# yaml-language-server: $schema=./catalog.schema.json".
The schema covers the syntax only; run \`qingliu catalog check\` for references, unique ids and the rest.
`;

const KIND_LABEL: Record<StationKind, { zh: string; en: [one: string, many: string] }> = {
  river_section: { zh: '河流断面', en: ['river section', 'river sections'] },
  plant_effluent: { zh: '污水厂出水', en: ['plant effluent', 'plant effluents'] },
  plant_influent: { zh: '污水厂进水', en: ['plant influent', 'plant influents'] },
  industrial_outfall: { zh: '工业排口', en: ['industrial outfall', 'industrial outfalls'] },
  urban_water: { zh: '城市水体', en: ['urban water body', 'urban water bodies'] },
};
const ROLE_ZH = { inbound: '入境', control: '控制', outbound: '出境' } as const;
const LEVEL_ZH = { national: '国控', provincial: '省控', municipal: '市控' } as const;
const BUILTIN_STANDARD_LABEL: Record<string, { zh: string; en: string }> = {
  'gb18918-1a': { zh: 'GB 18918 一级A', en: 'GB 18918 1A' },
  'gb18918-1b': { zh: 'GB 18918 一级B', en: 'GB 18918 1B' },
  'gb18918-2': { zh: 'GB 18918 二级', en: 'GB 18918 class 2' },
  'gb18918-3': { zh: 'GB 18918 三级', en: 'GB 18918 class 3' },
};

function languageOf(env: CliIo['env'], config: { LANG_UI: Lang } | undefined): Lang {
  return config?.LANG_UI ?? (env.LANG_UI === 'en' ? 'en' : 'zh-CN');
}

/** The file to read: the argument, else the CATALOG setting, shown relative to the working directory. */
async function resolveFile(arg: string | undefined, env: CliIo['env']): Promise<{ file: string; lang: Lang }> {
  const { loadConfig } = await import('../../config.js');
  if (arg !== undefined) {
    let config: { LANG_UI: Lang } | undefined;
    try {
      config = loadConfig(env);
    } catch {
      // An unrelated bad variable must not stop a check of an explicitly named file.
      config = undefined;
    }
    return { file: arg, lang: languageOf(env, config) };
  }
  const config = loadConfig(env);
  const relative = path.relative(process.cwd(), config.CATALOG);
  return {
    file: relative.startsWith('..') || path.isAbsolute(relative) ? config.CATALOG : relative,
    lang: config.LANG_UI,
  };
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseCommandArgs({ args, options, allowPositionals: true, strict: true });
}

/** Terminal columns a string takes: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6);
    width += wide ? 2 : 1;
  }
  return width;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => displayWidth(row[col] ?? ''))));
  return (
    rows
      .map((row) =>
        row
          .map((cell, col) => (col === row.length - 1 ? cell : pad(cell, widths[col]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function describeStation(catalog: Catalog, station: Station, lang: Lang): string {
  if (station.section) {
    const { role, level, target_class: target, waterbody } = station.section;
    if (lang === 'en') return `${role} ${target ?? '-'} ${level}${waterbody === 'lake' ? ' lake' : ''}`;
    return `${ROLE_ZH[role]} ${target ? `${target}类` : '-'} ${LEVEL_ZH[level]}${waterbody === 'lake' ? ' 湖库' : ''}`;
  }
  if (station.urban) {
    if (!station.urban.black_odorous) return '';
    return lang === 'en' ? 'black-odorous remediation' : '黑臭水体整治';
  }
  const plant = catalog.plantOf(station.id);
  if (!plant) return '';
  if (station.kind === 'plant_influent') return lang === 'en' ? 'influent (not judged)' : '进水（不评价）';
  const builtin = BUILTIN_STANDARD_LABEL[plant.discharge_standard];
  if (builtin) return lang === 'en' ? builtin.en : builtin.zh;
  const custom = catalog.dischargeStandard(plant.discharge_standard);
  return custom ? (lang === 'en' ? custom.name.en : custom.name.zh) : plant.discharge_standard;
}

function riverCell(catalog: Catalog, station: Station, lang: Lang): string {
  if (station.river === undefined || station.river_km === undefined) return '-';
  const river = catalog.river(station.river);
  const name = river ? (lang === 'en' ? river.name.en : river.name.zh) : station.river;
  return `${name} ${station.river_km.toFixed(1)}`;
}

function summary(catalog: Catalog, file: string, lang: Lang): string {
  const counts = new Map<StationKind, number>();
  for (const s of catalog.stations) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  const kinds = [...counts].map(([kind, n]) =>
    lang === 'en' ? `${n} ${KIND_LABEL[kind].en[n === 1 ? 0 : 1]}` : `${KIND_LABEL[kind].zh} ${n} 个`,
  );
  const s = catalog.stations.length;
  if (lang === 'en') {
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    return `✓ ${file}: catalog valid — ${count(s, 'station')} (${kinds.join(', ')}), ${count(catalog.rivers.length, 'river')}, ${count(catalog.plants.length, 'plant')}, ${count(catalog.units.length, 'unit')}\n`;
  }
  return `✓ ${file}：目录有效 — ${s} 个站点（${kinds.join('、')}），${catalog.rivers.length} 条河流，${catalog.plants.length} 个排污单位，${catalog.units.length} 个责任单位\n`;
}

async function load(file: string): Promise<Catalog> {
  const { loadCatalog } = await import('../../catalog/index.js');
  return loadCatalog(file);
}

async function check(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(CHECK_HELP);
    return 0;
  }
  const { positionals } = parse(args, {});
  if (positionals.length > 1) throw new UsageError('give at most one catalog file');
  const { file, lang } = await resolveFile(positionals[0], io.env);
  const { CatalogError, formatIssue } = await import('../../catalog/index.js');
  try {
    const catalog = await load(file);
    io.stdout.write(summary(catalog, file, lang));
    // The loggers' secrets may live only where Qingliu runs: unset here is a warning, at start-up an error.
    const { resolveLoggerSecrets } = await import('../../catalog/logger-secrets.js');
    const { issues: secrets } = resolveLoggerSecrets(catalog, io.env);
    for (const w of [...catalog.warnings, ...secrets])
      io.stderr.write(`${lang === 'en' ? 'warning' : '警告 warning'}: ${formatIssue(file, w)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    io.stderr.write(`${err.message}\n`);
    const n = err.issues.length;
    io.stderr.write(
      lang === 'en' ? `✗ ${file}: ${n} error${n === 1 ? '' : 's'}\n` : `✗ ${file}：目录无效，共 ${n} 处错误\n`,
    );
    return 1;
  }
}

async function list(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  const { values, positionals } = parse(args, {
    ids: { type: 'boolean' },
    json: { type: 'boolean' },
    kind: { type: 'string', multiple: true },
  });
  if (positionals.length > 1) throw new UsageError('give at most one catalog file');
  if (values.ids && values.json) throw new UsageError('--ids and --json exclude each other');
  const { STATION_KINDS, CatalogError } = await import('../../catalog/index.js');
  const kinds = ((values.kind as string[] | undefined) ?? [])
    .flatMap((k) => k.split(','))
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(STATION_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new UsageError(`unknown kind ${unknown.map((k) => `"${k}"`).join(', ')}; kinds: ${STATION_KINDS.join(', ')}`);

  const { file, lang } = await resolveFile(positionals[0], io.env);
  let catalog: Catalog;
  try {
    catalog = await load(file);
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
  const stations = kinds.length === 0 ? catalog.stations : catalog.findStations({ kind: kinds as StationKind[] });
  if (values.ids) {
    io.stdout.write(stations.map((s) => `${s.id}\n`).join(''));
    return 0;
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(stations, null, 2)}\n`);
    return 0;
  }
  const header =
    lang === 'en'
      ? ['ID', 'KIND', 'NAME (ZH)', 'RIVER KM', 'SECTION / STANDARD', 'INTERVAL']
      : ['站点 ID', '类型', '名称', '河流 km', '断面 / 排放标准', '间隔'];
  const { formatDuration } = await import('../../domain/duration.js');
  const rows = stations.map((s) => [
    s.id,
    s.kind,
    s.name.zh,
    riverCell(catalog, s, lang),
    describeStation(catalog, s, lang),
    formatDuration(s.interval),
  ]);
  io.stdout.write(formatTable([header, ...rows]));
  return 0;
}

async function schema(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(SCHEMA_HELP);
    return 0;
  }
  const { positionals } = parse(args, {});
  if (positionals.length > 0) throw new UsageError('schema takes no arguments');
  const { catalogJsonSchema } = await import('../../catalog/json-schema.js');
  io.stdout.write(`${JSON.stringify(catalogJsonSchema(), null, 2)}\n`);
  return 0;
}

export const command: Command = {
  name: 'catalog',
  summary: 'validate the station catalog and list its stations (check | list | schema)',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'check':
        return check(rest, io);
      case 'list':
        return list(rest, io);
      case 'schema':
        return schema(rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(HELP);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown subcommand "${sub}"; use check, list or schema (qingliu catalog --help)`);
    }
  },
};
