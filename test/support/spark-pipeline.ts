/**
 * `bf pipeline run --engine spark` of demo_small on sample data against a running stack, as a user runs it (no
 * publish: the Spark stacks of the tests and fault benches run no Kafka). Shared by test/stack/spark-engine.test.ts
 * and bench/faults.
 */
export function sparkPipelineArgs(project: string, out: string, ...more: string[]): string[] {
  return [
    'pipeline',
    'run',
    '--engine',
    'spark',
    '--no-publish',
    '--symbol-list',
    'demo_small',
    '--source',
    'sample',
    '--local',
    '--project',
    project,
    '--out',
    out,
    ...more,
  ];
}
