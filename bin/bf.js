#!/usr/bin/env node
// Node >= 24 runs the TypeScript sources directly (type stripping); no build step for the CLI.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv);
