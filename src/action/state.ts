/** What main hands to post through the runner's state file (`core.saveState` → `STATE_<name>` in post). */
export interface ActionState {
  project: string;
  composeFiles: string[];
  /** Env for docker compose (image overrides), so post addresses the same config. */
  composeEnv: Record<string, string>;
  artifactDir: string;
  artifactName: string;
  keepUp: boolean;
  /** Set once main has uploaded the report artifact. */
  artifactUploaded: boolean;
  /** Set as main's very last step: absent in post means main failed or was cancelled. */
  mainSucceeded: boolean;
}

export const STATE_KEYS = {
  project: 'project',
  composeFiles: 'compose-files',
  composeEnv: 'compose-env',
  artifactDir: 'artifact-dir',
  artifactName: 'artifact-name',
  keepUp: 'keep-up',
  artifactUploaded: 'artifact-uploaded',
  mainSucceeded: 'main-succeeded',
} as const satisfies Record<keyof ActionState, string>;

export interface StateStore {
  saveState(name: string, value: string): void;
  getState(name: string): string;
}

export function saveStackState(
  store: StateStore,
  s: Omit<ActionState, 'artifactUploaded' | 'mainSucceeded'>,
): void {
  store.saveState(STATE_KEYS.project, s.project);
  store.saveState(STATE_KEYS.composeFiles, JSON.stringify(s.composeFiles));
  store.saveState(STATE_KEYS.composeEnv, JSON.stringify(s.composeEnv));
  store.saveState(STATE_KEYS.artifactDir, s.artifactDir);
  store.saveState(STATE_KEYS.artifactName, s.artifactName);
  store.saveState(STATE_KEYS.keepUp, String(s.keepUp));
}

function parseJson<T>(raw: string, fallback: T): T {
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

/** Undefined when main never saved a project (it failed before starting anything): nothing to tear down. */
export function readState(store: Pick<StateStore, 'getState'>): ActionState | undefined {
  const project = store.getState(STATE_KEYS.project);
  if (!project) return undefined;
  return {
    project,
    composeFiles: parseJson<string[]>(store.getState(STATE_KEYS.composeFiles), []),
    composeEnv: parseJson<Record<string, string>>(store.getState(STATE_KEYS.composeEnv), {}),
    artifactDir: store.getState(STATE_KEYS.artifactDir),
    artifactName: store.getState(STATE_KEYS.artifactName) || 'bf-report',
    keepUp: store.getState(STATE_KEYS.keepUp) === 'true',
    artifactUploaded: store.getState(STATE_KEYS.artifactUploaded) === 'true',
    mainSucceeded: store.getState(STATE_KEYS.mainSucceeded) === 'true',
  };
}
