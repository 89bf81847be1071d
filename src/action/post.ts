import { runPost } from './post-runner.ts';
import { realPostDeps } from './wiring.ts';

await runPost(realPostDeps());
