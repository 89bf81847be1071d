/**
 * Facts about the embedded lake's lock (src/lake/lock.ts), in one place: file names, how long a run waits for
 * another bf process, and the environment variables that change it.
 */

/** The lock file in the workdir: a kernel (fcntl) byte-range lock is taken on it; it is never deleted. */
export const LAKE_LOCK_FILE = 'lake.lock';
/** The lock file inside an `--out` directory, so two runs never interleave their report files. */
export const OUT_DIR_LOCK_FILE = '.bf-out.lock';

/** How long a run waits for another bf process holding the lock before failing with its name (10 minutes). */
export const LOCK_TIMEOUT_MS = 10 * 60_000;
/** `BF_LOCK_TIMEOUT`: the wait above, in seconds (0 = fail at once when another process holds the lock). */
export const LOCK_TIMEOUT_ENV = 'BF_LOCK_TIMEOUT';
/** Poll period while waiting; jittered ±50 % so two waiters do not retry in lock-step. */
export const LOCK_POLL_MS = 50;
/** A waiting run repeats its "waiting for … held by …" line this often. */
export const LOCK_NOTICE_EVERY_MS = 15_000;

/**
 * `BF_TEST_LOCK_HOLD_MS`: tests only. After taking a lock exclusively, keep holding it this long before working,
 * so a test can SIGKILL a real `bf` process while it holds the lock. Never set it otherwise.
 */
export const TEST_LOCK_HOLD_ENV = 'BF_TEST_LOCK_HOLD_MS';

/**
 * `BF_TEST_SWAP_DELAY_MS`: tests only. Wait this long between writing a table's new version and renaming it in,
 * which widens the read-merge-rename window two racing runs could collide in. Never set it otherwise.
 */
export const TEST_SWAP_DELAY_ENV = 'BF_TEST_SWAP_DELAY_MS';

/**
 * Versions of `prices` whose changes the table keeps (src/lake/changes.ts): a run whose stored features are older
 * than that recomputes in full. 64 nightly fetches = three months.
 */
export const CHANGE_LOG_ENTRIES = 64;

/**
 * Appends to `prices` (a fetch of new days only) and to `features` (an incremental run) go into files of their own
 * named `delta-…` beside the table's other file, linked, not copied; past this many such files the next write
 * merges them (a quarter of nightly runs).
 */
export const LAKE_DELTA_FILES_MAX = 64;
export const DELTA_FILE_PREFIX = 'delta-';
