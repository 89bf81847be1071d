import { describe, expect, it } from 'vitest';
import { CHANGE_LOG_ENTRIES } from '../config/lake.ts';
import {
  type ChangeLog,
  changesOf,
  changesSince,
  deltaVersionId,
  nextChangeLog,
  nextDeltaChangeLog,
} from './changes.ts';

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

describe('the change log of a Delta prices table (ids are its versions)', () => {
  it('chains the commits it saw and reads the changes since a stored version', () => {
    const v0 = nextDeltaChangeLog(null, {}, { parent: null, version: deltaVersionId(0) });
    const v1 = nextDeltaChangeLog(v0, { A: '2024-01-05' }, { parent: 'delta-0', version: 'delta-1' });
    const v2 = nextDeltaChangeLog(
      v1,
      { A: '2020-01-02', B: '2024-01-08' },
      { parent: 'delta-1', version: 'delta-2' },
    );
    expect(changesOf(v2, 'delta-0', 'delta-2')).toEqual(
      new Map([
        ['A', '2020-01-02'],
        ['B', '2024-01-08'],
      ]),
    );
    expect(changesOf(v2, 'delta-1', 'delta-2')).toEqual(
      new Map([
        ['A', '2020-01-02'],
        ['B', '2024-01-08'],
      ]),
    );
    expect(changesOf(v2, 'delta-2', 'delta-2')).toEqual(new Map());
    // Nothing stored, or the same version without a log: nothing / no change.
    expect(changesOf(v2, null, 'delta-2')).toBeNull();
    expect(changesOf(null, 'delta-2', 'delta-2')).toEqual(new Map());
  });

  it('knows nothing when the log is not the table’s current version (a run stopped after the commit)', () => {
    const v0 = nextDeltaChangeLog(null, {}, { parent: null, version: 'delta-0' });
    const v1 = nextDeltaChangeLog(v0, { A: '2024-01-05' }, { parent: 'delta-0', version: 'delta-1' });
    // delta-2 committed, its log never written.
    expect(changesOf(v1, 'delta-0', 'delta-2')).toBeNull();
    // The next merge sees a log ending at delta-1 while it commits delta-3 from delta-2: it starts afresh there.
    const v3 = nextDeltaChangeLog(v1, { B: '2024-01-09' }, { parent: 'delta-2', version: 'delta-3' });
    expect(v3.entries).toHaveLength(1);
    expect(changesOf(v3, 'delta-0', 'delta-3')).toBeNull();
    expect(changesOf(v3, 'delta-2', 'delta-3')).toEqual(new Map([['B', '2024-01-09']]));
  });
});
