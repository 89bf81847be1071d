import { runMain } from './main-runner.ts';
import { realMainDeps } from './wiring.ts';

await runMain(realMainDeps(import.meta.url));
