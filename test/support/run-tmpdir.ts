import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every test file's temp dirs (mkdtemp under os.tmpdir()) and every bf process the tests start
 * land in one directory per run, removed when the run ends. Tests create thousands of work dirs (lakes, CSVs, lock
 * files); a run used to leave ~5 GB of them in /tmp on the CI machine. Set before the workers start, so they and the
 * processes they spawn inherit it. BF_KEEP_TEST_TMP=1 keeps the directory to look into a failure.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bf-test-run-'));
  // mkdtemp makes it 0700; tests that run bf as another user (nobody, where root would ignore file modes) must
  // reach their own dirs inside it, as they do directly under /tmp.
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    if (process.env.BF_KEEP_TEST_TMP === '1') {
      process.stderr.write(`test temp files kept in ${dir}\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
