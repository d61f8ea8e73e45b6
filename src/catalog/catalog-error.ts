/** A catalog that cannot be used, with every problem found in it. */

export interface CatalogIssue {
  /** Dotted path to the field, e.g. `stations[3].section.target_class`; '' for the whole file. */
  path: string;
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
}

/** One line per issue: `FILE: path.to.field: what is wrong (line L, column C)`. */
export function formatIssue(file: string, issue: CatalogIssue): string {
  const where =
    issue.line === undefined
      ? ''
      : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return `${file}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}${where}`;
}

export class CatalogError extends Error {
  readonly file: string;
  readonly issues: readonly CatalogIssue[];

  constructor(file: string, issues: readonly CatalogIssue[]) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'));
    this.name = 'CatalogError';
    this.file = file;
    this.issues = issues;
  }
}
