/**
 * A JSON catalog is located by a scan of its text (src/catalog/json-source.ts) instead of the YAML document: the
 * positions must be exactly those the YAML source map gives for the same text (JSON is YAML), which is how the
 * loader located JSON catalogs before.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { CatalogError, parseCatalog, type CatalogIssue } from '../../src/catalog/index.js';
import { hasDuplicateKey, jsonPositions, linePosition, lineStarts } from '../../src/catalog/json-source.js';

const SMALL = fileURLToPath(new URL('../fixtures/catalogs/small-valid.json', import.meta.url));

/** The YAML source map's answer (the loader's `positionOf`, restated for plain JSON documents). */
function yamlPositions(text: string, paths: (string | number)[][]): ({ line: number; column: number } | undefined)[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  return paths.map((p) => yamlPosition(doc.contents, lineCounter, p));
}

function yamlPosition(
  contents: unknown,
  lineCounter: LineCounter,
  p: readonly (string | number)[],
): { line: number; column: number } | undefined {
  let node: unknown = contents;
  let found = node as Node | undefined;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(seg),
      );
      if (pair && isScalar(pair.key)) found = pair.key;
      node = pair?.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node) found = node as Node;
    } else break;
    if (node === undefined || node === null) break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function scanPosition(text: string, paths: (string | number)[][]): ({ line: number; column: number } | undefined)[] {
  const starts = lineStarts(text);
  return jsonPositions(text, paths).map((offset) => (offset === undefined ? undefined : linePosition(starts, offset)));
}

/** Every path to a node of `value`, plus a missing member and a missing element below each container. */
function pathsOf(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
    out.push([...prefix, value.length], [...prefix, 'x']);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
    out.push([...prefix, 'no-such-key', 0]);
  } else {
    out.push([...prefix, 'below-a-scalar']);
  }
  return out;
}

const layouts: [string, (v: unknown) => string][] = [
  ['minified', (v) => JSON.stringify(v)],
  ['two spaces', (v) => JSON.stringify(v, null, 2)],
  ['tabs and CRLF', (v) => JSON.stringify(v, null, '\t').replace(/\n/g, '\r\n')],
  ['spaces around colons', (v) => JSON.stringify(v, null, 1).replace(/": /g, '"  :  ')],
];

describe('positions of a JSON catalog without the YAML parser', () => {
  const catalog = JSON.parse(readFileSync(SMALL, 'utf8')) as unknown;

  it.each(layouts)('match the YAML source map for every node of the fixture, %s', (_name, layout) => {
    const text = layout(catalog);
    const paths = pathsOf(catalog);
    expect(scanPosition(text, paths)).toEqual(yamlPositions(text, paths));
  });

  it('match for random JSON and paths, numeric keys and escapes included', () => {
    const key = fc.oneof(
      fc.constantFrom('a', 'b', '0', '1', '3', 'é', 'a"b', 'a\\b', '\u0000x'),
      fc.string({ maxLength: 4 }),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string(),
        fc.boolean(),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, fc.constantFrom(...layouts), (value, [, layout]) => {
        const text = layout(value);
        const paths = pathsOf(value).concat([[0], ['0'], [1, 'a'], ['1', 0]]);
        expect(scanPosition(text, paths)).toEqual(yamlPositions(text, paths));
      }),
      { numRuns: 300 },
    );
  });

  it('finds duplicate keys at any depth, after escapes are decoded', () => {
    expect(hasDuplicateKey('{"a": 1, "b": {"a": 2}}')).toBe(false);
    expect(hasDuplicateKey('{"a": [{"x": 1}, {"x": 2}], "b": "a"}')).toBe(false);
    expect(hasDuplicateKey('{"a": 1, "a": 2}')).toBe(true);
    expect(hasDuplicateKey('[{"k": {"x": 1, "y": [1, {"z": 0, "z": 1}]}}]')).toBe(true);
    expect(hasDuplicateKey('{"a": 1, "\\u0061": 2}')).toBe(true);
    expect(hasDuplicateKey('{"a\\"": "a\\"", "b": ["a\\"", "a\\""]}')).toBe(false);
  });
});

describe('a JSON catalog reports what the same text read as YAML reports', () => {
  const issues = (text: string, file: string): CatalogIssue[] => {
    try {
      return [...parseCatalog(text, file).warnings];
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      return err.issues.map((i) => ({ ...i }));
    }
  };
  const base = JSON.parse(readFileSync(SMALL, 'utf8')) as Record<string, unknown> & {
    stations: Record<string, unknown>[];
    units: Record<string, unknown>[];
  };

  it.each(layouts)('errors and warnings with paths and positions, %s', (_name, layout) => {
    const broken = structuredClone(base);
    broken.stations[0]!.river = 'no-such-river';
    broken.stations[1]!.location = { lat: 'north', lon: 120 };
    broken.stations[2]!.unknown_field = true;
    delete broken.stations[3]!.kind;
    broken.units[0]!.channels = [];
    const text = layout(broken);
    const fromScan = issues(text, 'c.json');
    expect(fromScan.length).toBeGreaterThan(3);
    expect(fromScan.every((i) => i.line !== undefined)).toBe(true);
    expect(fromScan).toEqual(issues(text, 'c.yaml'));
    // A valid catalog's warnings too.
    const warned = structuredClone(base);
    for (const unit of warned.units) delete unit.channels;
    const valid = layout(warned);
    expect(issues(valid, 'w.json').length).toBeGreaterThan(0);
    expect(issues(valid, 'w.json')).toEqual(issues(valid, 'w.yaml'));
  });
});
