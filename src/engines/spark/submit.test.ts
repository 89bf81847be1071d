import { describe, expect, it } from 'vitest';
import { s3LakeConfig } from '../../lake/s3.ts';
import { DEFAULT_SPARK_SETTINGS, sparkConf, submitArgs } from './spark-config.ts';
import { jobScriptText, parseJobOutput, stderrTail } from './submit.ts';

describe('parseJobOutput', () => {
  it('collects BF_RESULT lines in order and the BF_ERROR line', () => {
    const stdout = [
      'noise',
      'BF_RESULT {"index":0,"op":"merge-prices","ms":5,"rows":3}',
      'BF_ERROR {"index":1,"op":"breadth","error":"AnalysisException","message":"boom"}',
      '',
    ].join('\n');
    const out = parseJobOutput(3, stdout, 'a\n\nb\n', 1234);
    expect(out.results).toEqual([{ index: 0, op: 'merge-prices', ms: 5, rows: 3 }]);
    expect(out.error).toEqual({ index: 1, op: 'breadth', error: 'AnalysisException', message: 'boom' });
    expect(out.stderrTail).toEqual(['a', 'b']);
    expect(out.exitCode).toBe(3);
    expect(out.durationMs).toBe(1234);
  });
  it('bounds the stderr tail in lines and line length', () => {
    const text = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(i === 99 ? 1000 : 1, 'x')).join('\n');
    const tail = stderrTail(text, 40);
    expect(tail).toHaveLength(40);
    expect(tail[0]).toBe('60');
    expect(tail[39]?.length).toBe(401);
  });
});

describe('submitArgs', () => {
  const s3 = s3LakeConfig({ BF_S3_PORT: '9100' });
  it('targets the standalone master in client mode, never local mode', () => {
    const args = submitArgs(DEFAULT_SPARK_SETTINGS, s3, {
      appName: 'bf-x',
      script: '/tmp/j/job.py',
      request: '/tmp/j/request.json',
      withPackages: false,
    });
    expect(args.slice(0, 4)).toEqual(['--master', 'spark://spark-master:7077', '--deploy-mode', 'client']);
    expect(args).not.toContain('--packages');
    expect(args.slice(-2)).toEqual(['/tmp/j/job.py', '/tmp/j/request.json']);
    expect(args.join(' ')).not.toMatch(/local\[/);
  });
  it('adds --packages for images without the Delta/S3A jars', () => {
    const args = submitArgs(DEFAULT_SPARK_SETTINGS, s3, {
      appName: 'bf-x',
      script: 's',
      request: 'r',
      withPackages: true,
      ivyDir: '/tmp/ivy',
    });
    const i = args.indexOf('--packages');
    expect(args[i + 1]).toBe('io.delta:delta-spark_2.13:4.0.1,org.apache.hadoop:hadoop-aws:3.4.1');
    expect(args).toContain('spark.jars.ivy=/tmp/ivy');
  });
  it('points S3A at the in-network endpoint and keeps credentials off the command line', () => {
    const conf = sparkConf(DEFAULT_SPARK_SETTINGS, s3);
    expect(conf['spark.hadoop.fs.s3a.endpoint']).toBe('http://s3:9000');
    expect(conf['spark.sql.shuffle.partitions']).toBe('4');
    expect(JSON.stringify(conf)).not.toContain('minioadmin');
    expect(s3.endpoint).toBe('http://127.0.0.1:9100');
  });
  it('ships job.py with every operation the engine sends', () => {
    const script = jobScriptText();
    for (const op of ['merge-prices', 'breadth', 'write-rows', 'read-rows'])
      expect(script).toContain(`"${op}"`);
  });
});
