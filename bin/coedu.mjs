#!/usr/bin/env node
// The `coedu` command: runs the TypeScript CLI through tsx's loader, so there is no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/server/cli/coedu.ts');
process.exitCode = await main(process.argv.slice(2));
