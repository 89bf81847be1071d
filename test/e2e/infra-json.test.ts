import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { infraHealthShape } from '../../src/report/schemas.ts';
import { runBf } from '../support/run-bf.ts';

// `bf infra status|health --json` on a machine without Docker, as a user runs them: a real child process with a
// PATH that has no docker. The unit suite runs before .ci/run provisions Docker, so whatever needs the engine
// (no stack running, a daemon that does not answer, a stack up) is in test/stack/infra-json.test.ts and
// test/stack/infra.test.ts.

/** Only Node's own directory on PATH: no docker. */
const withoutDocker = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? '/root' };
/** A project nobody starts. */
const project = `bf-json-none-${process.pid}`;

for (const command of ['status', 'health']) {
  describe(`bf infra ${command} --json`, () => {
    it('without Docker: exit 1, no document on stdout, a message naming docker and what to do (no stack trace)', async () => {
      const r = await runBf(['infra', command, '--json', '--project', project], withoutDocker, {
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
}

describe('bf infra health --json', () => {
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
