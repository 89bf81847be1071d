import type { PipelineResult } from '../pipeline/types.ts';
import { BfError } from '../util/errors.ts';

/** Signals counted in Elasticsearch vs in the lake for this run. */
export interface EsCount {
  documents: number;
  lakeSignals: number;
  index: string;
}

/**
 * Counts what the pipeline published. Plugged in by main once the publish/verify stage exists (issue 5);
 * it must query the real index, never derive the number from `result`.
 */
export type EsAssertion = (ctx: { result: PipelineResult; project: string }) => Promise<EsCount>;

/** The floor always applies; the exact ES = lake check applies whenever a count is available. */
export function checkSignalCounts(c: { signals: number; minSignals: number; es?: EsCount }): void {
  if (c.signals < c.minSignals) {
    throw new BfError(`signals: ${c.signals} fired, fewer than min-signals ${c.minSignals}`, {
      hint: 'lower the min-signals input or widen the date range / symbol list',
    });
  }
  if (c.es && c.es.documents !== c.es.lakeSignals) {
    throw new BfError(
      `elasticsearch index ${c.es.index} holds ${c.es.documents} signal documents, the lake ${c.es.lakeSignals}`,
      {
        hint: 'the publish stage lost or duplicated documents: see the elasticsearch and kafka logs in the artifact',
      },
    );
  }
}
