import { createHash } from 'node:crypto';
import type { ColumnSpec, Row } from './engine.ts';

/**
 * Digests of a table's rows in order: of all of them, and of the first `prefix` (for `TableWrite.appendable`: when
 * the stored version's digest equals the digest of the first rows of the next version, those rows are stored as they
 * are and only the rest need writing). The columns (names and types) go in first; then each value typed, a tag byte
 * and its bytes (a number as its IEEE double, a string as its UTF-8 length and bytes), so two different row lists
 * never share an encoding. SHA-256.
 */
export function rowsDigests(
  rows: readonly Row[],
  columns: readonly ColumnSpec[],
  prefix: number | null,
): { all: string; prefix: string | null } {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(columns.map((c) => [c.name, c.type])));
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let at = 0;
  const flush = () => {
    hash.update(buf.subarray(0, at));
    at = 0;
  };
  let prefixDigest: string | null = null;
  const names = columns.map((c) => c.name);
  for (let r = 0; r <= rows.length; r++) {
    if (r === prefix) {
      flush();
      prefixDigest = hash.copy().digest('hex');
    }
    if (r === rows.length) break;
    const row = rows[r]!;
    for (const name of names) {
      const v = row[name] ?? null;
      if (at + 9 > BUFFER_BYTES) flush();
      if (v === null) buf[at++] = TAG.null;
      else if (typeof v === 'number') {
        buf[at] = TAG.number;
        buf.writeDoubleLE(v, at + 1);
        at += 9;
      } else if (typeof v === 'boolean') buf[at++] = v ? TAG.true : TAG.false;
      else {
        const text = String(v);
        // UTF-8 takes at most 3 bytes per UTF-16 unit.
        if (at + 5 + text.length * 3 > BUFFER_BYTES) flush();
        if (5 + text.length * 3 > BUFFER_BYTES) {
          const bytes = Buffer.from(text, 'utf8');
          buf[at] = TAG.string;
          buf.writeUInt32LE(bytes.length, at + 1);
          at += 5;
          flush();
          hash.update(bytes);
        } else {
          const n = buf.write(text, at + 5, 'utf8');
          buf[at] = TAG.string;
          buf.writeUInt32LE(n, at + 1);
          at += 5 + n;
        }
      }
    }
  }
  flush();
  return { all: hash.digest('hex'), prefix: prefixDigest };
}

const BUFFER_BYTES = 64 * 1024;
const TAG = { null: 0, number: 1, string: 2, true: 3, false: 4 } as const;
