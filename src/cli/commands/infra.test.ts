import { describe, expect, it } from 'vitest';
import { UsageError } from '../../util/errors.ts';
import { formatStatus, infraCommand, parseServiceList, parseTail, parseWaitSeconds } from './infra.ts';

describe('parseWaitSeconds', () => {
  it.each(['0', '30', '2.5'])('accepts %s', (v) => expect(parseWaitSeconds(v)).toBe(Number(v)));
  it.each(['-1', 'abc', 'NaN', '', 'Infinity', '10s'])('rejects %j naming the flag and the value', (v) => {
    expect(() => parseWaitSeconds(v)).toThrow(UsageError);
    expect(() => parseWaitSeconds(v)).toThrow(`--wait: invalid value "${v}"`);
  });
});

describe('parseTail and parseServiceList', () => {
  it('tail takes integers only', () => {
    expect(parseTail('50')).toBe(50);
    expect(() => parseTail('-3')).toThrow('--tail: invalid value "-3"');
    expect(() => parseTail('1.5')).toThrow(UsageError);
  });
  it('services splits and trims; empty names are an error', () => {
    expect(parseServiceList('kafka, s3')).toEqual(['kafka', 's3']);
    expect(() => parseServiceList('kafka,,s3')).toThrow('--services: invalid value "kafka,,s3"');
  });
});

describe('infra command', () => {
  async function run(...args: string[]): Promise<unknown> {
    const cmd = infraCommand().exitOverride();
    for (const c of cmd.commands) c.exitOverride();
    return cmd.parseAsync(['node', 'infra', ...args]).catch((e: unknown) => e);
  }
  it('rejects a negative --wait before touching Docker', async () => {
    const err = await run('start', '--wait', '-5');
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe('--wait: invalid value "-5"');
    expect((err as UsageError).exitCode).toBe(2);
  });
  it('rejects a non-number --wait on restart too', async () => {
    const err = await run('restart', 'kafka', '--wait', 'soon');
    expect((err as UsageError).message).toBe('--wait: invalid value "soon"');
  });
  it('has every subcommand', () => {
    expect(infraCommand().commands.map((c) => c.name())).toEqual([
      'start',
      'stop',
      'restart',
      'status',
      'health',
      'logs',
    ]);
  });
});

describe('formatStatus', () => {
  it('lays out one row per service', () => {
    const out = formatStatus([
      {
        service: 'elasticsearch',
        container: 'bf-elasticsearch-1',
        state: 'running',
        health: 'healthy',
        ports: ['127.0.0.1:9200->9200/tcp'],
        uptimeSeconds: 125,
      },
      {
        service: 'kibana',
        container: '',
        state: 'not created',
        health: '',
        ports: [],
        uptimeSeconds: undefined,
      },
    ]);
    expect(out.split('\n')).toEqual([
      'SERVICE        STATE        HEALTH   UPTIME  PORTS',
      'elasticsearch  running      healthy  2m5s    127.0.0.1:9200->9200/tcp',
      'kibana         not created  -        -       -',
    ]);
  });
});
