// Totals the vitest JSON reports of the suites CI ran into the one line CI reads:
// "N passed, N failed[, N skipped]", and exits 1 when anything failed.
//
//   node .ci/summarize.mjs [--config vitest.config.ts] \
//     --suite unit --exit-code 0 --report unit.json [--suite stack --exit-code 1 --report stack.json ...]
//
// Nothing can pass silently (each rule is exercised on real vitest reports in test/unit/ci-summarize.test.ts):
// - a suite whose report is missing (it crashed, or was expected and never ran) counts as one failure;
// - a runner that exited non-zero counts as one failure unless the report already explains it with a failure;
// - a test file that failed without a failed test (it did not load, or a beforeAll/afterAll threw) counts as one
//   failure, and the tests it skipped count as failed: vitest marks them "skipped" although nobody skipped them;
// - a test file the suite's `include` globs (from the vitest config) match but the report lacks counts as failed;
// - a test counts as skipped only inside a file that passed, i.e. when it was skipped on purpose (skip, todo).
// Failed static checks (typecheck, lint, ...) are passed in by .ci/run in EXTRA_FAILED and count as failures too.
import { existsSync, globSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Splits argv into suites: each `--suite NAME` opens one; `--exit-code` and `--report` apply to the open one. */
function parseArgs(argv) {
  let config = 'vitest.config.ts';
  const suites = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--config') config = value;
    else if (flag === '--suite') suites.push({ name: value, exitCode: undefined, report: undefined });
    else if (suites.length === 0) throw new Error(`${flag} must follow --suite NAME`);
    else if (flag === '--exit-code') suites.at(-1).exitCode = Number(value);
    else if (flag === '--report') suites.at(-1).report = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  for (const s of suites) {
    if (s.report === undefined || !Number.isInteger(s.exitCode)) {
      throw new Error(`suite ${s.name} needs --exit-code N and --report FILE`);
    }
  }
  return { config, suites };
}

/** The test files a vitest project is meant to run: its `include` globs, resolved against the config's folder. */
async function expectedFiles(configPath, project) {
  const root = resolve(configPath, '..');
  const config = (await import(pathToFileURL(resolve(configPath)).href)).default;
  const entry = (config.test?.projects ?? []).find((p) => p.test?.name === project);
  const include = entry?.test?.include ?? (config.test?.projects ? [] : (config.test?.include ?? []));
  const exclude = entry?.test?.exclude ?? config.test?.exclude ?? [];
  return include
    .flatMap((glob) => globSync(glob, { cwd: root, exclude: ['**/node_modules/**', ...exclude] }))
    .map((file) => resolve(root, file));
}

/** Counts one suite; returns its totals and the lines that explain every failure. */
function countSuite(suite, expected, root) {
  const totals = { passed: 0, failed: 0, skipped: 0, problems: [] };
  const problem = (text) => {
    totals.failed += 1;
    totals.problems.push(`${suite.name}: ${text}`);
  };
  if (!existsSync(suite.report)) {
    problem(`no report at ${suite.report} (runner exit code ${suite.exitCode}); the suite did not run`);
    return totals;
  }
  const report = JSON.parse(readFileSync(suite.report, 'utf8'));
  const seen = new Set();
  for (const file of report.testResults ?? []) {
    const name = relative(root, file.name);
    seen.add(resolve(file.name));
    const fileFailed = file.status !== 'passed';
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') totals.passed += 1;
      else if (test.status === 'failed' || fileFailed) {
        failedHere += 1;
        totals.failed += 1;
        if (test.status !== 'failed')
          totals.problems.push(`${suite.name}: ${name} › ${test.fullName}: did not run`);
      } else totals.skipped += 1;
    }
    const why = `${name} failed outside any test: ${file.message || '(vitest gave no message)'}`;
    if (fileFailed && failedHere === 0) problem(why);
    else if (fileFailed && file.message) totals.problems.push(`${suite.name}: ${why}`);
  }
  for (const file of expected) {
    if (!seen.has(file)) problem(`${relative(root, file)} is in the suite but not in its report`);
  }
  if (suite.exitCode !== 0 && totals.failed === 0) {
    problem(`the runner exited ${suite.exitCode} although its report shows no failure`);
  }
  if ((report.testResults ?? []).length === 0 && expected.length === 0)
    problem('the report holds no test file');
  return totals;
}

const { config, suites } = parseArgs(process.argv.slice(2));
const root = resolve(config, '..');
let passed = 0;
let failed = Number(process.env.EXTRA_FAILED ?? 0);
let skipped = 0;
for (const suite of suites) {
  const totals = countSuite(suite, await expectedFiles(config, suite.name), root);
  passed += totals.passed;
  failed += totals.failed;
  skipped += totals.skipped;
  for (const line of totals.problems) console.error(`summary: ${line}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed === 0 ? 0 : 1;
