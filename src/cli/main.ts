/** Entry point of the `qingliu` command line. */
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  // eslint-disable-next-line no-restricted-properties -- the CLI entry hands the environment to config parsing
  env: process.env,
});
process.exitCode = code;
