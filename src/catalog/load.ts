/**
 * Reads a catalog file (YAML, or JSON by extension), validates it and builds the Catalog.
 * Every problem becomes one line `FILE: path.to.field: what is wrong (line L, column C)`; positions come from
 * the YAML parser's source map, so an error found by a cross-reference check still points at its line. A JSON
 * catalog is read with JSON.parse and located by a scan of its text instead (json-source.ts), unless it has a
 * syntax error or a duplicate key: those are reported through the YAML parser as well.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import { createCatalog, type Catalog } from './catalog.js';
import { CatalogError, type CatalogIssue } from './catalog-error.js';
import { hasDuplicateKey, jsonPositions, linePosition, lineStarts } from './json-source.js';
import { validateCatalog, type CatalogProblem, type ProblemPath } from './validate.js';

/** Reads and validates the catalog at `file`. Throws CatalogError listing every problem. */
export async function loadCatalog(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : `cannot read the file (${(err as Error).message})`;
    throw new CatalogError(file, [{ path: '', message: reason }]);
  }
  return parseCatalog(text, file);
}

type Format = 'yaml' | 'json';

function formatOf(file: string): Format | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return undefined;
}

/** Parses catalog text; `file` names the source in messages and picks the format by its extension. */
export function parseCatalog(text: string, file: string): Catalog {
  const format = formatOf(file);
  if (format === undefined) {
    throw new CatalogError(file, [{ path: '', message: 'unsupported file type: a catalog is .yaml, .yml or .json' }]);
  }
  // Editors on Windows like to start UTF-8 files with a byte-order mark.
  const source = text.replace(/^\uFEFF/, '');
  const { raw, positions } = (format === 'json' && fastJson(source)) || parseWithSourceMap(source, format, file);

  const result = validateCatalog(raw);
  const located = (problems: readonly CatalogProblem[]): CatalogIssue[] => {
    const at = positions(problems.map((p) => p.path));
    return sortByPosition(problems.map((p, i) => ({ path: formatPath(p.path), message: p.message, ...at[i] })));
  };
  if (!result.data) throw new CatalogError(file, located(result.problems));
  return createCatalog({ data: result.data, file, warnings: located(result.warnings) });
}

type Position = { line?: number; column?: number };

interface Parsed {
  raw: unknown;
  /** Line and column of each path's deepest node present in the source (see `positionOf`). */
  positions(paths: readonly ProblemPath[]): Position[];
}

/**
 * A valid JSON catalog without duplicate keys: `JSON.parse`, and positions from a scan of the text (json-source.ts)
 * — no YAML document, which for a large catalog costs tens of MB and seconds. Undefined for anything else: the
 * YAML reading then finds the syntax error or the duplicate key and says where.
 */
function fastJson(source: string): Parsed | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
    if (hasDuplicateKey(source)) return undefined;
  } catch {
    return undefined;
  }
  return {
    raw,
    positions(paths) {
      if (paths.length === 0) return [];
      let offsets: (number | undefined)[];
      try {
        offsets = jsonPositions(source, paths);
      } catch {
        // Cannot happen for text JSON.parse accepted; if it does, the YAML source map still answers.
        return parseWithSourceMap(source, 'json', '').positions(paths);
      }
      const starts = lineStarts(source);
      return offsets.map((offset) => (offset === undefined ? {} : linePosition(starts, offset)));
    },
  };
}

/** YAML, or JSON read as YAML (a superset of JSON) for the positions of syntax errors and duplicate keys. */
function parseWithSourceMap(source: string, format: Format, file: string): Parsed {
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 merge keys (`<<: *defaults`) let a catalog share common station fields.
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: true, merge: true });
  const raw = format === 'json' ? parseJson(source, doc, lineCounter, file) : parseYaml(doc, file);
  return { raw, positions: (paths) => paths.map((p) => positionOf(doc, lineCounter, p)) };
}

/** In file order, as a reader goes through them; issues without a position (whole-file ones) first. */
function sortByPosition(issues: CatalogIssue[]): CatalogIssue[] {
  const key = (i: CatalogIssue) => (i.line ?? 0) * 1e6 + (i.column ?? 0);
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => key(a.issue) - key(b.issue) || a.order - b.order)
    .map((x) => x.issue);
}

function syntaxIssues(errors: readonly YAMLError[], what: string): CatalogIssue[] {
  return errors.map((err) => ({
    path: '',
    // The parser's message repeats the position and quotes the source; keep its first sentence.
    message: `${what} syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    line: err.linePos?.[0].line,
    column: err.linePos?.[0].col,
  }));
}

function parseYaml(doc: Document, file: string): unknown {
  if (doc.errors.length > 0) throw new CatalogError(file, syntaxIssues(doc.errors, 'YAML'));
  return doc.toJS({ maxAliasCount: 1000 });
}

function parseJson(source: string, doc: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    const value: unknown = JSON.parse(source);
    // JSON.parse keeps the last of two equal keys without a word; the YAML reading of the same text notices.
    const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    if (duplicates.length > 0) throw new CatalogError(file, syntaxIssues(duplicates, 'JSON'));
    return value;
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    // V8 quotes the whole source after the message ('Unexpected token …, "…" is not valid JSON'): drop it.
    const short = message
      .replace(/,\s*(\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    const position = at ? lineCounter.linePos(Number(at[1])) : doc.errors[0]?.linePos?.[0];
    throw new CatalogError(file, [
      { path: '', message: `JSON syntax error: ${short}`, line: position?.line, column: position?.col },
    ]);
  }
}

/** `['stations', 3, 'section', 'role']` → `stations[3].section.role`. */
export function formatPath(p: ProblemPath): string {
  return p.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? seg : `${out}.${seg}`),
    '',
  );
}

/** Line and column of the deepest node of `p` present in the document (the field, or the entry missing it). */
function positionOf(doc: Document, lineCounter: LineCounter, p: ProblemPath): Position {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (const seg of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(seg),
      );
      // Point at the key: for a wrong value the key is on the same line, for an unknown field it is the culprit.
      if (pair && isPair(pair) && isNodeWithRange(pair.key)) found = pair.key;
      node = pair && isPair(pair) ? pair.value : undefined;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isNodeWithRange(node)) found = node;
    } else {
      break;
    }
    if (node === undefined || node === null) break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return {};
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function isNodeWithRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as Node).range);
}
