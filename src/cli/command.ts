import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The shape of a `qingliu` sub-command: pure of process globals so tests can run it with their own streams. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text, printed by `qingliu <name> --help`. */
  help: string;
  /** Returns the process exit code: 0 success, 1 failure, 2 invalid input or usage. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for bad arguments or input; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `parseArgs`, its complaint (an unknown option, a missing value) turned into a UsageError, followed by `help` if given. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, help?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(help === undefined ? message : `${message}\n\n${help}`);
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
