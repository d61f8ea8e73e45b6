/**
 * Cheap source positions for a JSON catalog that `JSON.parse` has already accepted, so that a valid JSON
 * catalog never goes through the YAML parser (whose document model costs ~80 MB and ~2 s for 2,000 stations).
 *
 * - `hasDuplicateKey`: JSON.parse silently keeps the last of two equal keys; the caller then falls back to the
 *   YAML reading of the text, which reports the duplicate with its position.
 * - `jsonPositions`: for many problem paths in one pass, the offset `load.ts` reports for each — the key of the
 *   deepest object member on the path, or the deepest array element, or the root value — i.e. exactly what the
 *   YAML document's source map gives for the same text (test/catalog/json-source.test.ts compares the two).
 *
 * Both expect valid JSON (they do not validate it) and throw on text they cannot follow.
 */
import type { ProblemPath } from './validate.js';

const QUOTE = 34;
const BACKSLASH = 92;

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

class Cursor {
  i = 0;
  constructor(readonly text: string) {}

  skipWhitespace(): number {
    const { text } = this;
    while (this.i < text.length && isWhitespace(text.charCodeAt(this.i))) this.i++;
    return this.i < text.length ? text.charCodeAt(this.i) : -1;
  }

  expect(c: number): void {
    if (this.skipWhitespace() !== c) throw new Error(`JSON scan: expected ${String.fromCharCode(c)} at ${this.i}`);
    this.i++;
  }

  /** Reads a string starting at its opening quote; returns its decoded value. */
  string(): string {
    const { text } = this;
    const start = this.i;
    let escaped = false;
    let j = start + 1;
    for (;;) {
      const c = text.charCodeAt(j);
      if (Number.isNaN(c)) throw new Error('JSON scan: unterminated string');
      if (c === BACKSLASH) {
        escaped = true;
        j += 2;
        continue;
      }
      if (c === QUOTE) break;
      j++;
    }
    this.i = j + 1;
    return escaped ? (JSON.parse(text.slice(start, j + 1)) as string) : text.slice(start + 1, j);
  }

  /** Skips one value of any kind (containers by counting brackets outside strings). */
  skipValue(): void {
    const { text } = this;
    const first = this.skipWhitespace();
    if (first === QUOTE) {
      this.string();
      return;
    }
    if (first !== 123 /* { */ && first !== 91 /* [ */) {
      // A number, true, false or null: up to the next delimiter.
      while (this.i < text.length) {
        const c = text.charCodeAt(this.i);
        if (c === 44 || c === 125 || c === 93 || isWhitespace(c)) break;
        this.i++;
      }
      return;
    }
    let depth = 0;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === QUOTE) {
        this.string();
        continue;
      }
      this.i++;
      if (c === 123 || c === 91) depth++;
      else if ((c === 125 || c === 93) && --depth === 0) return;
    }
    throw new Error('JSON scan: unterminated container');
  }
}

/** True when some object in the (valid) JSON text has two members with the same key. */
export function hasDuplicateKey(text: string): boolean {
  const cur = new Cursor(text);
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (;;) {
    const c = cur.skipWhitespace();
    if (c < 0) return false;
    if (c === QUOTE) {
      const value = cur.string();
      const top = stack.at(-1);
      if (expectKey && top) {
        if (top.has(value)) return true;
        top.add(value);
      }
      expectKey = false;
      continue;
    }
    cur.i++;
    if (c === 123 /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 91 /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
}

interface Trie {
  /** Children by `${typeof seg}:${seg}`. */
  children: Map<string, Trie>;
  /** Where this node's value starts (its key's position for an object member), once the scan reached it. */
  offset?: number;
}

const childKey = (seg: string | number) => `${typeof seg}:${seg}`;

/**
 * For each path, the offset of the deepest node of the path present in the document: an object member's key,
 * an array element, or the root value.
 */
export function jsonPositions(text: string, paths: readonly ProblemPath[]): (number | undefined)[] {
  const root: Trie = { children: new Map() };
  for (const p of paths) {
    let node = root;
    for (const seg of p) {
      const key = childKey(seg);
      let child = node.children.get(key);
      if (!child) {
        child = { children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
  }
  const cur = new Cursor(text);
  cur.skipWhitespace();
  root.offset = cur.i;
  visit(cur, root);
  return paths.map((p) => {
    let node = root;
    let offset = root.offset;
    for (const seg of p) {
      const child = node.children.get(childKey(seg));
      if (child?.offset === undefined) break;
      node = child;
      offset = child.offset;
    }
    return offset;
  });
}

/** Scans the value at the cursor, descending only into members and elements that some path names. */
function visit(cur: Cursor, node: Trie): void {
  if (node.children.size === 0) {
    cur.skipValue();
    return;
  }
  const c = cur.skipWhitespace();
  if (c === 123 /* { */) {
    cur.i++;
    if (cur.skipWhitespace() === 125) {
      cur.i++;
      return;
    }
    for (;;) {
      cur.skipWhitespace();
      const keyAt = cur.i;
      const key = cur.string();
      cur.expect(58 /* : */);
      // A member matches a path segment by its text: "3" is the segment 3 as well as "3".
      const asNumber = String(Number(key)) === key ? node.children.get(childKey(Number(key))) : undefined;
      const asString = node.children.get(childKey(key));
      // The first of equal keys wins, as in the YAML document (duplicates are refused before this anyway).
      const targets = [asString, asNumber].filter((t): t is Trie => t !== undefined && t.offset === undefined);
      for (const t of targets) t.offset = keyAt;
      if (targets.length === 0) cur.skipValue();
      else if (targets.length === 1) visit(cur, targets[0]!);
      else {
        const start = cur.i;
        for (const t of targets) {
          cur.i = start;
          visit(cur, t);
        }
      }
      const next = cur.skipWhitespace();
      cur.i++;
      if (next === 125) return;
      if (next !== 44) throw new Error(`JSON scan: expected , or } at ${cur.i - 1}`);
    }
  }
  if (c === 91 /* [ */) {
    cur.i++;
    if (cur.skipWhitespace() === 93) {
      cur.i++;
      return;
    }
    for (let index = 0; ; index++) {
      const child = node.children.get(childKey(index));
      if (child) {
        child.offset = cur.skipWhitespace() >= 0 ? cur.i : undefined;
        visit(cur, child);
      } else {
        cur.skipValue();
      }
      const next = cur.skipWhitespace();
      cur.i++;
      if (next === 93) return;
      if (next !== 44) throw new Error(`JSON scan: expected , or ] at ${cur.i - 1}`);
    }
  }
  cur.skipValue();
}

/** Offsets where lines start; a line ends at '\n', as for the YAML parser's LineCounter. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of `offset`. */
export function linePosition(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (starts[mid]! <= offset) low = mid + 1;
    else high = mid;
  }
  return { line: low, column: offset - starts[low - 1]! + 1 };
}
