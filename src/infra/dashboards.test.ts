import * as core from '@actions/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type KibanaPeer, kibanaImportPeer, PARTIAL_FAILURE } from '../../test/support/kibana-peer.ts';
import { coreLogger } from '../action/core-logger.ts';
import { KIBANA_OBJECTS_FILE } from '../config/publish.ts';
import { REPO_ROOT } from '../config/stack.ts';
import type { Logger } from '../util/log.ts';
import { importDashboards } from './dashboards.ts';

// Kibana cannot run here: the peer answers in Kibana's own import-response shapes (test/support/kibana-peer.ts).

const FILE = `${REPO_ROOT}${KIBANA_OBJECTS_FILE}`;

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const logger: Logger = {
    info: (m) => lines.push({ level: 'info', message: m }),
    warn: (m) => lines.push({ level: 'warn', message: m }),
    error: (m) => lines.push({ level: 'error', message: m }),
    progress: () => {},
  };
  return { logger, lines };
}

describe('importDashboards', () => {
  let peer: KibanaPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
    vi.restoreAllMocks();
  });

  it("a refused object is a warning annotation naming it and Kibana's reason, not an error", async () => {
    peer = await kibanaImportPeer(() => ({ status: 200, body: PARTIAL_FAILURE }));
    // The real @actions/core: a warning is the `::warning::` workflow command on stdout.
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const warnings = await importDashboards({
      url: peer.url,
      file: FILE,
      logger: coreLogger(core),
      required: false,
    });
    vi.restoreAllMocks();
    expect(warnings).toHaveLength(2);
    const annotations = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('::warning::'));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toContain(
      'kibana did not import lens/bf-lens-zweig ("bf — breadth ratio and Zweig EMA10"): missing_references (index-pattern/bf-signals)',
    );
    expect(annotations[1]).toContain('dashboard/bf-dashboard');
    expect(annotations[1]).toContain('belongs to a more recent version of Kibana [10.4.0]');
    expect(out.join('')).not.toContain('::error');
  });

  it('with required, the refused objects fail the start in one error listing them', async () => {
    peer = await kibanaImportPeer(() => ({ status: 200, body: PARTIAL_FAILURE }));
    const { logger } = recordingLogger();
    await expect(importDashboards({ url: peer.url, file: FILE, logger, required: true })).rejects.toThrow(
      /kibana refused 2 saved object\(s\) of bf-dashboard.ndjson: lens\/bf-lens-zweig .*missing_references.*; dashboard\/bf-dashboard/,
    );
  });

  it('an unreachable Kibana is a warning unless required', async () => {
    const { logger, lines } = recordingLogger();
    const warnings = await importDashboards({
      url: 'http://127.0.0.1:1',
      file: FILE,
      logger,
      required: false,
    });
    expect(warnings).toHaveLength(1);
    expect(lines).toEqual([
      { level: 'warn', message: expect.stringContaining('kibana at http://127.0.0.1:1 unreachable') },
    ]);
    await expect(
      importDashboards({ url: 'http://127.0.0.1:1', file: FILE, logger, required: true }),
    ).rejects.toThrow('unreachable');
  });

  it('a clean import logs the count and warns about nothing', async () => {
    peer = await kibanaImportPeer(() => ({
      status: 200,
      body: { success: true, successCount: 7, successResults: [], warnings: [] },
    }));
    const { logger, lines } = recordingLogger();
    expect(await importDashboards({ url: peer.url, file: FILE, logger, required: true })).toEqual([]);
    expect(lines).toEqual([
      { level: 'info', message: 'kibana: imported 7 saved object(s) from bf-dashboard.ndjson' },
    ]);
  });
});
