/** Stand-alone entry for development: `npx tsx packages/reach/src/cli-main.ts graph build …`. */
import { runReachCli } from './cli.ts';

process.exitCode = await runReachCli(process.argv.slice(2));
