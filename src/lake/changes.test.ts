import { describe, expect, it } from 'vitest';
import { CHANGE_LOG_ENTRIES } from '../config/lake.ts';
import { type ChangeLog, changesSince, nextChangeLog } from './changes.ts';

describe('the prices change log', () => {
  it('merges the changes since a version, earliest date per symbol', () => {
    const v1 = nextChangeLog(null, {});
    const v2 = nextChangeLog(v1, { A: '2024-01-05', B: '2024-01-05' });
    const v3 = nextChangeLog(v2, { A: '2020-03-02', C: '2024-01-08' });
    expect(changesSince(v3, v1.version)).toEqual(
      new Map([
        ['A', '2020-03-02'],
        ['B', '2024-01-05'],
        ['C', '2024-01-08'],
      ]),
    );
    expect(changesSince(v3, v2.version)).toEqual(
      new Map([
        ['A', '2020-03-02'],
        ['C', '2024-01-08'],
      ]),
    );
    expect(changesSince(v3, v3.version)).toEqual(new Map());
  });

  it('knows nothing about a version it does not reach back to', () => {
    let log: ChangeLog = nextChangeLog(null, {});
    const first = log.version;
    for (let i = 0; i < CHANGE_LOG_ENTRIES; i++) log = nextChangeLog(log, { A: '2024-01-01' });
    expect(log.entries).toHaveLength(CHANGE_LOG_ENTRIES);
    // The oldest entry kept starts from `first`: still known.
    expect(changesSince(log, first)).toEqual(new Map([['A', '2024-01-01']]));
    log = nextChangeLog(log, { A: '2024-01-01' });
    expect(changesSince(log, first)).toBeNull();
    expect(changesSince(log, 'not-a-version')).toBeNull();
    // A new table's first version has no parent: no earlier state can be compared with it.
    expect(changesSince(nextChangeLog(null, { A: '2024-01-01' }), 'x')).toBeNull();
  });

  it('stops at a broken chain', () => {
    const v1 = nextChangeLog(null, {});
    const v2 = nextChangeLog(v1, { A: '2024-01-05' });
    const other = nextChangeLog(nextChangeLog(null, {}), { B: '2024-01-05' });
    const spliced: ChangeLog = { version: other.version, entries: [...v2.entries, other.entries.at(-1)!] };
    expect(changesSince(spliced, v1.version)).toBeNull();
  });
});
