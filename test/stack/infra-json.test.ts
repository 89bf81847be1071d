/**
 * `bf infra status|health --json` where no stack runs, on the real Docker engine (provisioned by .ci/run before
 * this suite): a project with no containers, and the same engine behind a socket nobody listens on. Without the
 * Docker CLI at all, and the documents' shapes, are checked by test/e2e/infra-json.test.ts; with a stack up, by
 * test/stack/infra.test.ts.
 * Run: npx vitest run --project stack test/stack/infra-json.test.ts
 */
import { describe, expect, it } from 'vitest';
import { infraStatusShape } from '../../src/report/schemas.ts';
import { runBf } from '../support/run-bf.ts';

/** A project nobody starts: its services exist in the compose file only. */
const project = `bf-json-none-${process.pid}`;
/** The real docker client pointed at a socket no daemon serves: what a stopped engine looks like to it. */
const noDaemon = { DOCKER_HOST: `unix:///tmp/bf-no-daemon-${process.pid}.sock` };

describe('bf infra status --json with no stack', () => {
  it('bf.infra.status/v1 with every service of the compose file not created', async () => {
    const r = await runBf(['infra', 'status', '--json', '--project', project]);
    expect(r.code, r.stderr).toBe(0);
    const doc = infraStatusShape.parse(JSON.parse(r.stdout));
    expect(doc.schema).toBe('bf.infra.status/v1');
    expect(doc.project).toBe(project);
    expect(doc.services.map((s) => s.service)).toEqual(
      expect.arrayContaining(['elasticsearch', 'kafka', 's3', 'spark-master']),
    );
    for (const s of doc.services) {
      expect(s).toMatchObject({ state: 'not created', container: '', ports: [], uptime_seconds: null });
    }
  });
});

describe('bf infra health --json with no stack', () => {
  it('exit 1 naming the project and how to start it, no document', async () => {
    const r = await runBf(['infra', 'health', '--json', '--project', project]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`project ${project} has no containers`);
    expect(r.stderr).toContain(`bf infra start --project ${project}`);
  });
});

describe('a Docker daemon that does not answer', () => {
  for (const command of ['status', 'health']) {
    it(`bf infra ${command} --json: exit 1, no document, the daemon named with what to do`, async () => {
      const r = await runBf(['infra', command, '--json', '--project', project], noDaemon);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^error: the Docker daemon is unreachable, so docker compose ps .* could not run: /,
      );
      expect(r.stderr).toContain('bf-no-daemon');
      expect(r.stderr).toMatch(/hint: check the engine with `docker info`/);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    });
  }
});
