/** What a person reads for the errno codes a file-system call can fail with. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
};

/** `cannot mkdir /x/lake: permission denied (EACCES)` for a Node file-system error naming a path; else undefined. */
export function describeFsError(err: unknown): string | undefined {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown; dest?: unknown };
  if (!(err instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return undefined;
  const reason = REASONS[e.code] ?? e.code;
  const what = typeof e.syscall === 'string' ? `${e.syscall} ` : 'use ';
  const dest = typeof e.dest === 'string' ? ` → ${e.dest}` : '';
  return `cannot ${what}${e.path}${dest}: ${reason} (${e.code})`;
}
