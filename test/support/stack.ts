/**
 * The one way a stack test starts its stack: a project of its own (unique name) on free host ports for every
 * port variable of the stack, so it never collides with another stack on the machine, and the local images.
 * Spark tests pass `[...SPARK_SERVICES, 's3']` (src/engines/spark/jars.ts): the services the Spark engine needs
 * come from the product, not from a list each test keeps.
 */
import { SERVICES, type ServiceName } from '../../src/config/stack.ts';
import { type StartedStack, startStack } from '../../src/infra/stack.ts';
import { type Logger, silentLogger } from '../../src/util/log.ts';
import { freePort } from '../../src/util/net.ts';

/** Every host port variable of the stack (one per published port of every service). */
export const PORT_ENVS = Object.values(SERVICES).flatMap((s) => s.ports.map((p) => p.env));

/** This process's environment with a free host port for every port variable of the stack. */
export async function freePortEnv(base: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of PORT_ENVS) env[name] = String(await freePort());
  return env;
}

export interface TestStack {
  stack: StartedStack;
  /** The environment the stack was started with (its ports): give it to every client and `bf` child process. */
  env: NodeJS.ProcessEnv;
}

/** Starts `services` (and what they depend on) with the local images on free ports; the caller downs it. */
export async function startTestStack(
  services: readonly ServiceName[],
  opts: { logger?: Logger; waitSeconds?: number } = {},
): Promise<TestStack> {
  const env = await freePortEnv();
  const stack = await startStack({
    uniqueProject: true,
    local: true,
    env,
    services: [...services],
    logger: opts.logger ?? silentLogger,
    ...(opts.waitSeconds === undefined ? {} : { waitSeconds: opts.waitSeconds }),
  });
  return { stack, env };
}
