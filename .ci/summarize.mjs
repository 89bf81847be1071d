// Totals vitest JSON reports (one per suite) into the single line CI reads: "N passed, N failed[, N skipped]".
// A suite whose report is missing (it crashed or never ran) counts as one failure, so it cannot pass silently.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
// Failed static checks (typecheck, lint) are passed in by .ci/run and count as failures too.
let failed = Number(process.env.EXTRA_FAILED ?? 0);
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`summary: no report at ${file}; counting the suite as one failure`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.numTotalTests === 0) {
    console.error(`summary: ${file} ran no test; counting it as one failure`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed === 0 ? 0 : 1;
