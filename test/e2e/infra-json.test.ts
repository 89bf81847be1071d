import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { infraHealthShape, infraStatusShape } from '../../src/report/schemas.ts';
import { runBf } from '../support/run-bf.ts';

// `bf infra status|health --json` where no stack runs, as a user runs them: a real child process and the real
// Docker CLI (or a PATH without it). Their documents with a stack up are checked by test/stack/infra.test.ts.

/** Only Node's own directory on PATH: no docker. */
const withoutDocker = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? '/root' };
/** A project nobody starts: its services exist in the compose file only. */
const project = `bf-json-none-${process.pid}`;

const hasCompose = (() => {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// Under CI the Docker CLI is provisioned (.ci/run): missing there is a failure, not a skip.
const withCompose = hasCompose || process.env.CI === 'true' ? it : it.skip;

describe('bf infra status --json', () => {
  withCompose(
    'no stack running: bf.infra.status/v1 with every service of the compose file not created',
    async () => {
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
    },
  );

  it('without Docker: exit 1, no document on stdout, a message naming docker and what to do (no stack trace)', async () => {
    const r = await runBf(['infra', 'status', '--json', '--project', project], withoutDocker, {
      replaceEnv: true,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: docker CLI not found on PATH\nhint: install Docker .*provision-docker\.sh/,
    );
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('bf infra health --json', () => {
  withCompose('no stack running: exit 1 naming the project and how to start it, no document', async () => {
    const r = await runBf(['infra', 'health', '--json', '--project', project]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`project ${project} has no containers`);
    expect(r.stderr).toContain(`bf infra start --project ${project}`);
  });

  it('without Docker: exit 1 naming docker', async () => {
    const r = await runBf(['infra', 'health', '--json', '--project', project], withoutDocker, {
      replaceEnv: true,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: docker CLI not found on PATH/);
  });

  it('the shape a health document has (as the stack suite checks it): a stray key is refused', () => {
    const doc = {
      schema: 'bf.infra.health/v1',
      project,
      ok: true,
      services: [
        { service: 'kafka', ok: true, checks: [{ name: 'kafka metadata', ok: true, detail: '1 broker' }] },
      ],
    };
    expect(infraHealthShape.parse(doc)).toEqual(doc);
    expect(() => infraHealthShape.parse({ ...doc, services: [{ ...doc.services[0], uptime: 1 }] })).toThrow();
  });
});
