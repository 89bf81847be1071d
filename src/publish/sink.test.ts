import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import {
  backlogOf,
  bulkItemErrors,
  bulkOperations,
  commitOffsets,
  esUnavailable,
  sinkProgressLine,
} from './sink.ts';

describe('sink (pure parts)', () => {
  it('bulkOperations: index with _id = key, tombstone = delete, values passed verbatim', () => {
    const ops = bulkOperations(
      [
        { topic: 'bf.signals', key: 'l:zweig_breadth_thrust:2020-01-02', value: '{"a":1}' },
        { topic: 'bf.breadth', key: 'l:2020-01-02', value: '{\n"b":2}' },
        { topic: 'bf.signals', key: 'l:x:2020-01-03', value: '' },
      ],
      (t) => (t === 'bf.signals' ? 'bf-signals' : 'bf-breadth'),
    );
    expect(ops).toEqual([
      { index: { _index: 'bf-signals', _id: 'l:zweig_breadth_thrust:2020-01-02' } },
      '{"a":1}',
      { index: { _index: 'bf-breadth', _id: 'l:2020-01-02' } },
      '{"b":2}',
      { delete: { _index: 'bf-signals', _id: 'l:x:2020-01-03' } },
    ]);
    expect(() => bulkOperations([{ topic: 't', key: '', value: '{}' }], () => 'i')).toThrow('without key');
  });

  it('bulkItemErrors picks the rejected items with index, id and reason', () => {
    const errs = bulkItemErrors([
      { index: { _index: 'bf-signals', _id: 'ok', status: 201, result: 'created' } },
      {
        index: {
          _index: 'bf-signals',
          _id: 'bad',
          status: 400,
          error: {
            type: 'document_parsing_exception',
            reason: 'failed to parse field [value] of type [integer]',
            caused_by: { reason: 'Value [1.5] has a decimal part' },
          },
        },
      },
      { delete: { _index: 'bf-signals', _id: 'gone', status: 404, result: 'not_found' } },
    ]);
    expect(errs).toEqual([
      {
        index: 'bf-signals',
        id: 'bad',
        status: 400,
        type: 'document_parsing_exception',
        reason: 'failed to parse field [value] of type [integer] (Value [1.5] has a decimal part)',
      },
    ]);
  });

  it('backlogOf: messages up to the high watermarks, from the committed offset or the start', () => {
    expect(
      backlogOf([
        { topic: 'a', partition: 0, committed: -1n, highWatermark: 10n },
        { topic: 'a', partition: 1, committed: 4n, highWatermark: 10n },
        { topic: 'b', partition: 0, committed: 7n, highWatermark: 7n },
      ]),
    ).toBe(16);
    expect(backlogOf([])).toBe(0);
  });

  it('sinkProgressLine: done of the backlog; never a total below what is done; no total when unknown', () => {
    expect(sinkProgressLine(120, 3, 480)).toBe(
      '  … sink: 120/480 document(s) indexed or deleted in 3 batch(es)',
    );
    // messages published while the sink runs: done passes the starting backlog
    expect(sinkProgressLine(500, 4, 480)).toBe(
      '  … sink: 500/500 document(s) indexed or deleted in 4 batch(es)',
    );
    expect(sinkProgressLine(7, 1, undefined)).toBe(
      '  … sink: 7 document(s) indexed or deleted in 1 batch(es)',
    );
  });

  it('commitOffsets: last offset + 1 per partition', () => {
    const m = (topic: string, partition: number, offset: bigint) => ({
      topic,
      partition,
      offset,
      leaderEpoch: 0,
    });
    expect(
      commitOffsets([m('a', 0, 5n), m('a', 0, 7n), m('a', 1, 2n), m('b', 0, 0n), m('a', 0, 6n)]),
    ).toEqual([
      { topic: 'a', partition: 0, offset: 8n, leaderEpoch: 0 },
      { topic: 'a', partition: 1, offset: 3n, leaderEpoch: 0 },
      { topic: 'b', partition: 0, offset: 1n, leaderEpoch: 0 },
    ]);
  });
});

describe('esUnavailable', () => {
  const response = (statusCode: number) =>
    new errors.ResponseError({
      body: {},
      statusCode,
      headers: {},
      warnings: null,
      meta: {} as never,
    });
  it('waits for an unreachable node or a 502/503, not for a rejected request', () => {
    expect(esUnavailable(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'))).toBe(true);
    expect(esUnavailable(new errors.NoLivingConnectionsError('none', {} as never))).toBe(true);
    expect(esUnavailable(new errors.TimeoutError('timed out'))).toBe(true);
    expect(esUnavailable(response(503))).toBe(true);
    expect(esUnavailable(response(400))).toBe(false);
    expect(esUnavailable(response(404))).toBe(false);
    expect(esUnavailable(new Error('other'))).toBe(false);
  });
});
