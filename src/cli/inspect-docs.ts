import type { DoctorReport } from '../doctor/checks.ts';
import type { HealthReport, ServiceStatus } from '../infra/stack.ts';
import { leftoverNote } from '../lake/browse/leftovers.ts';
import type {
  HistoryEntry,
  LakeBrowser,
  ShowResult,
  TableSummary,
  VerifyReport,
} from '../lake/browse/types.ts';
import type { TableName } from '../lake/tables.ts';
import {
  doctorShape,
  infraHealthShape,
  infraStatusShape,
  JSON_SCHEMAS,
  lakeHistoryShape,
  lakeLsShape,
  lakeShowShape,
  lakeVerifyShape,
} from '../report/schemas.ts';

/**
 * The `--json` documents of the commands that look at things without changing them: `bf lake ls|show|history|
 * verify`, `bf doctor`, `bf infra status|health`. Same rules as json-docs.ts: one versioned shape each
 * (src/report/schemas.ts), snake_case keys, checked here before printing so a drift is a bug, not output.
 */

type Lake = Pick<LakeBrowser, 'engine' | 'location'>;
const lakeAt = (b: Lake) => ({ engine: b.engine, location: b.location });

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Keys of plain objects in snake_case, at every depth (for facts whose keys are bf's own names). */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [snake(k), snakeKeys(v)]),
    );
  }
  return value;
}

const tableDoc = (t: TableSummary) => ({
  table: t.table,
  rows: t.rows,
  files: t.files,
  bytes: t.bytes,
  last_write: t.lastWrite,
  source: t.source,
  synthetic: t.synthetic,
  version: t.version,
  ...(t.symbols ? { symbols: t.symbols } : {}),
  ...(t.dateRange !== undefined ? { date_range: t.dateRange } : {}),
});

export const lakeLsDoc = (b: Lake, tables: readonly TableSummary[]) =>
  lakeLsShape.parse({ schema: JSON_SCHEMAS.lakeLs, ...lakeAt(b), tables: tables.map(tableDoc) });

export const lakeShowDoc = (b: Lake, r: ShowResult) =>
  lakeShowShape.parse({
    schema: JSON_SCHEMAS.lakeShow,
    ...lakeAt(b),
    table: r.table,
    columns: r.columns.map((c) => ({ name: c.name, type: c.type })),
    rows: r.rows,
  });

export const lakeHistoryDoc = (b: Lake, table: TableName, history: readonly HistoryEntry[]) =>
  lakeHistoryShape.parse({
    schema: JSON_SCHEMAS.lakeHistory,
    ...lakeAt(b),
    table,
    history: history.map((h) => ({
      version: h.version,
      timestamp: h.timestamp,
      operation: h.operation,
      rows: h.rows,
      files: h.files,
      metrics: h.metrics,
    })),
  });

export const lakeVerifyDoc = (b: Lake, r: VerifyReport) =>
  lakeVerifyShape.parse({
    schema: JSON_SCHEMAS.lakeVerify,
    engine: b.engine,
    // The report's own location: the lake it read.
    location: r.location,
    tables: r.tables.map((t) => ({ table: t.table, rows: t.rows, files: t.files, problem: t.problem })),
    first_problem: r.firstProblem,
    leftovers: r.leftovers.map((l) => ({
      kind: l.kind,
      location: l.location,
      run: l.run,
      objects: l.objects,
      bytes: l.bytes,
      age_s: l.ageMs === null ? null : Math.round(l.ageMs / 1000),
      note: leftoverNote(l.kind),
    })),
  });

export const doctorDoc = (r: DoctorReport) =>
  doctorShape.parse({
    schema: JSON_SCHEMAS.doctor,
    embedded: r.embedded,
    stack: r.stack,
    checks: r.checks.map((c) => ({
      name: c.name,
      path: c.path,
      status: c.status,
      detail: c.detail,
      ...(c.hint ? { hint: c.hint } : {}),
      ...(c.facts ? { facts: snakeKeys(c.facts) } : {}),
    })),
  });

export const infraStatusDoc = (project: string, rows: readonly ServiceStatus[]) =>
  infraStatusShape.parse({
    schema: JSON_SCHEMAS.infraStatus,
    project,
    services: rows.map((r) => ({
      service: r.service,
      container: r.container,
      state: r.state,
      health: r.health,
      ports: r.ports,
      uptime_seconds: r.uptimeSeconds ?? null,
    })),
  });

export const infraHealthDoc = (r: HealthReport) =>
  infraHealthShape.parse({
    schema: JSON_SCHEMAS.infraHealth,
    project: r.project,
    ok: r.ok,
    services: r.services.map((s) => ({
      service: s.service,
      ok: s.ok,
      checks: s.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
    })),
  });
