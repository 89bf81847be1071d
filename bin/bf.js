#!/usr/bin/env node
// Node >= 24 runs the TypeScript sources directly (type stripping); no build step for the CLI: the checked-in
// bundle of them (dist/cli/) only makes the start cheaper, and only while it matches them (./bundled.js).
// The version check comes first and the CLI is imported only after it: a static import of a .ts file
// would fail on an older Node before any line here ran.
import module from 'node:module';
import { bundledCli } from './bundled.js';
import { nodeVersionProblem } from './node-check.js';

const problem = nodeVersionProblem(process.versions.node, process.platform, process.arch);
if (problem) {
  process.stderr.write(problem);
  process.exit(2);
}
// V8's compile cache (in the OS temp dir; Node checks each entry against its source) spares every later run the
// TypeScript stripping and compiling of bf's modules: about a third of a command's start-up.
module.enableCompileCache?.();
// The bundled CLI when it is current (./bundled.js), else the sources.
const { main } = await import(bundledCli(new URL('..', import.meta.url)) ?? '../src/cli/main.ts');
process.exitCode = await main(process.argv);
