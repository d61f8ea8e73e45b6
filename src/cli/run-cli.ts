import { cliCommand } from '../cli-hint.js';
import { UsageError, type CliIo, type Command } from './command.js';
import { loadCommands } from './registry.js';

function usage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'qingliu — water-quality monitoring (清流水质监测)',
    '',
    'Usage: qingliu <command> [options]',
    ...(cliCommand('x') === 'qingliu x' ? [] : [`  from a checkout: ${cliCommand('<command> [options]')}`]),
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`${cliCommand('<command> --help')}\` for a command's options.`,
    '',
  ].join('\n');
}

/** Dispatches argv to a command; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`qingliu: unknown command "${name}"\n\n${usage(commands)}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`qingliu ${name}: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`qingliu ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
