import { basename } from 'node:path';
import { describeFailure, importKibanaObjects } from '../publish/kibana.ts';
import { BfError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';

export interface DashboardImport {
  /** Kibana's base URL. */
  url: string;
  /** The NDJSON of saved objects (infra/kibana/bf-dashboard.ndjson). */
  file: string;
  logger: Logger;
  /** true: a refused object or an unreachable Kibana throws; false: each is one warning and the run goes on. */
  required: boolean;
}

/**
 * Kibana is up: import the saved objects (data views, the breadth dashboard). Kibana is a viewer of what the
 * pipeline wrote, so by default each object it refuses is a warning naming the object and Kibana's reason
 * (in the Action, a warning annotation); `required` turns them into one error listing all of them.
 * Returns the warnings logged.
 */
export async function importDashboards(req: DashboardImport): Promise<string[]> {
  const name = basename(req.file);
  let problems: string[];
  try {
    const result = await importKibanaObjects(req.url, req.file);
    req.logger.info(`kibana: imported ${result.successCount} saved object(s) from ${name}`);
    problems = result.failures.map(describeFailure);
  } catch (e) {
    if (req.required) throw e;
    problems = [
      e instanceof BfError && e.hint ? `${e.message} (${e.hint})` : String((e as Error)?.message ?? e),
    ];
  }
  if (problems.length === 0) return [];
  if (req.required) {
    throw new BfError(
      `kibana refused ${problems.length} saved object(s) of ${name}: ${problems.join('; ')}`,
      {
        hint: `fix ${name} (regenerate it with: node infra/kibana/generate.ts) and import again`,
      },
    );
  }
  const warnings = problems.map(
    (p) => `kibana did not import ${p}; the run continues (kibana-required: true makes this fatal)`,
  );
  for (const w of warnings) req.logger.warn(w);
  return warnings;
}
