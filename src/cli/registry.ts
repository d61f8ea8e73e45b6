import type { Command } from './command.js';

/**
 * Every sub-command, in the order `qingliu --help` lists them. Command modules keep their top level light
 * (heavy components are imported inside `run`), so `qingliu evaluate` starts fast.
 */
export async function loadCommands(): Promise<Command[]> {
  const modules = await Promise.all([
    // one line per command module: import('./commands/NAME.js'),
    import('./commands/evaluate.js'),
    import('./commands/catalog.js'),
    import('./commands/mqtt-auth.js'),
    import('./commands/keys.js'),
    import('./commands/simulate.js'),
    import('./commands/store.js'),
    import('./commands/report.js'),
    import('./commands/db.js'),
  ]);
  return modules.map((m: { command: Command }) => m.command);
}
