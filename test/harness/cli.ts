import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

/** Runs `qingliu ARGS` in this process with its own streams and environment; returns the exit code and output. */
export async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdinText?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(args, { stdin, stdout, stderr, env });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
