import type { CoreApi } from '../main-runner.ts';

/** A recording stand-in for the slice of @actions/core the runners use (orchestration unit tests only). */
export interface FakeCore extends CoreApi {
  inputs: Record<string, string>;
  state: Map<string, string>;
  outputs: Map<string, string>;
  secrets: string[];
  failed: string[];
  annotations: { level: 'error' | 'warning' | 'notice'; message: string; title?: string }[];
  /** Every call in order, e.g. `saveState:project`, `group:bf: stack`, `summary.write`. */
  calls: string[];
  summaries: string[];
}

export function fakeCore(inputs: Record<string, string> = {}): FakeCore {
  const f = {
    inputs,
    state: new Map<string, string>(),
    outputs: new Map<string, string>(),
    secrets: [] as string[],
    failed: [] as string[],
    annotations: [] as FakeCore['annotations'],
    calls: [] as string[],
    summaries: [] as string[],
  };
  let buffer = '';
  const summary = {
    addRaw(text: string) {
      buffer += text;
      return summary;
    },
    async write() {
      f.calls.push('summary.write');
      f.summaries.push(buffer);
      buffer = '';
      return summary;
    },
  };
  const core = {
    ...f,
    getInput: (name: string) => inputs[name] ?? '',
    saveState: (name: string, value: unknown) => {
      f.calls.push(`saveState:${name}`);
      f.state.set(name, String(value));
    },
    getState: (name: string) => f.state.get(name) ?? '',
    setOutput: (name: string, value: unknown) => {
      f.outputs.set(name, String(value));
    },
    setFailed: (message: string | Error) => {
      f.failed.push(String(message));
    },
    setSecret: (s: string) => {
      f.secrets.push(s);
    },
    info: () => {},
    debug: () => {},
    notice: (m: string | Error, p?: { title?: string }) => {
      f.annotations.push({ level: 'notice', message: String(m), title: p?.title });
    },
    warning: (m: string | Error, p?: { title?: string }) => {
      f.annotations.push({ level: 'warning', message: String(m), title: p?.title });
    },
    error: (m: string | Error, p?: { title?: string }) => {
      f.annotations.push({ level: 'error', message: String(m), title: p?.title });
    },
    group: async <T>(name: string, fn: () => Promise<T>) => {
      f.calls.push(`group:${name}`);
      return fn();
    },
    summary,
  };
  return core as unknown as FakeCore;
}
