/**
 * `qingliu evaluate`: the standards engine from the command line. JSON in on stdin, verdict(s) out on stdout.
 * The engine (and zod) are imported inside `run`, so listing commands stays fast.
 */
import { readAll, UsageError, wantsHelp, type Command } from '../command.js';

const HELP = `qingliu evaluate — 按国家标准评价水质 / evaluate water quality against the Chinese standards

Usage: qingliu evaluate [--compact] < input.json

Reads one JSON object, or an array of them (a batch), on stdin and writes the verdict(s) as JSON on stdout.
A batch is answered item by item: the verdicts in input order, null for an invalid item, and every problem of
every invalid item on stderr with its path ([3].readings.do).

Exit codes:
  0  every input evaluated
  3  partly evaluated: some items of the batch are invalid (listed on stderr; null on stdout)
  2  nothing evaluated: the input, or every item of the batch, is invalid; or a usage error
  1  an unexpected failure

Parameter names may be canonical codes (nh3n), HJ 212 codes (w21003) or common short forms
(pH, DO, CODMn, NH3-N, NH3N, TP, 氨氮 …), case-insensitive. Values are in mg/L (pH dimensionless,
fecal coliform 个/L, transparency cm, ORP mV) unless given as {"value": 0.5, "unit": "µg/L"}; null = not measured.

Inputs (full reference: docs/standards.md):
  Surface water, one section — GB 3838-2002, 环办[2011]22号:
    {"standard":"gb3838","waterbody":"river"|"lake","target":"III","rounding":"none"|"2020","readings":{...}}
  River / basin / lake from several sections (< 5: mean then single factor; ≥ 5: section proportions):
    {"standard":"gb3838","waterbody":"river","sections":[{"id":"s1","readings":{...}}, ...]}
  Plant effluent — GB 18918-2002 Table 1 (water_temp_c: NH3-N ≤ 12 °C rule; plant_built: TP 2006 rule):
    {"standard":"gb18918-1a"|"gb18918-1b"|"gb18918-2"|"gb18918-3","water_temp_c":10,"plant_built":"2008-05-01","readings":{...}}
  Custom discharge standard (as declared in the catalog):
    {"standard":"custom","definition":{"name":{"zh":"准IV类","en":"quasi-class IV"},"base":"gb18918-1a","limits":{"cod":30}},"readings":{...}}
  Black-and-odorous water (2015 guideline) — one sample, one point over time, one water body:
    {"standard":"black-odorous","readings":{"transparency":15,"do":1.0,"orp":-100,"nh3n":10,"depth":80}}
    {"standard":"black-odorous","samples":[{"readings":{...}}, ...]}
    {"standard":"black-odorous","points":[{"samples":[...]}, {"grade":"severe"}, ...]}

Options:
  --compact   one line of JSON instead of indented output
  -h, --help  this text

Example:
  $ echo '{"standard":"gb3838","waterbody":"river","target":"III","readings":{"NH3-N":1.2,"DO":6.1,"pH":7.4}}' | qingliu evaluate --compact
  {"standard":"gb3838","waterbody":"river","class":"IV","grade":"轻度污染","grade_en":"slightly polluted","compliant":false,
   "items":{"ph":{...},"do":{...},"nh3n":{"value":1.2,"class":"IV","exceedance":0.2,"exceedance_target":0.2}},
   "primary_pollutants":["nh3n"]}
`;

export const command: Command = {
  name: 'evaluate',
  summary: '按 GB 3838 / GB 18918 / 黑臭水体指南评价 JSON 输入 (evaluate readings from stdin)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const unknown = args.filter((a) => a !== '--compact');
    if (unknown.length > 0) throw new UsageError(`未知选项 / unknown option: ${unknown.join(' ')} (see --help)`);
    const compact = args.includes('--compact');

    const text = await readAll(io.stdin);
    if (text.trim() === '')
      throw new UsageError(
        'stdin 为空：需要一个 JSON 对象或数组 / no input on stdin: expected a JSON object or array (see --help)',
      );
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new UsageError(
        `输入不是有效的 JSON / input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }

    const { evaluateBatch, evaluateItem, EvaluationInputError } = await import('../../domain/evaluate.js');
    const print = (value: unknown) =>
      io.stdout.write(`${compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
    if (!Array.isArray(input)) {
      const outcome = evaluateItem(input);
      if (outcome.result === undefined) {
        io.stderr.write(`qingliu evaluate: ${new EvaluationInputError(outcome.issues).message}\n`);
        return EXIT.NONE;
      }
      print(outcome.result);
      return EXIT.ALL;
    }
    const batch = evaluateBatch(input);
    if (batch.invalid > 0) {
      const total = input.length;
      io.stderr.write(
        `qingliu evaluate: ${total} 项中 ${batch.invalid} 项无效 / ${batch.invalid} of ${total} items invalid — ` +
          `${new EvaluationInputError(batch.issues).message}\n`,
      );
    }
    if (batch.evaluated === 0 && input.length > 0) return EXIT.NONE;
    print(batch.results);
    return batch.invalid > 0 ? EXIT.PARTIAL : EXIT.ALL;
  },
};

/** Exit status: all evaluated, partly (a batch with invalid items), nothing (see HELP). */
const EXIT = { ALL: 0, NONE: 2, PARTIAL: 3 } as const;
