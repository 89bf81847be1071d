/**
 * A compose project name unique to this job run, so parallel jobs on one self-hosted runner don't collide
 * and post tears down exactly what main started. Outside Actions: `bf-action-<pid>`.
 */
export function actionProjectName(env: NodeJS.ProcessEnv): string {
  const parts = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter((p): p is string => !!p);
  const raw = parts.length > 0 ? `bf-${parts.join('-')}` : `bf-action-${process.pid}`;
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 60);
}
