import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { REPO_ROOT } from '../config/stack.ts';
import {
  ensureSparkJars,
  JARS_LIST,
  jarsKey,
  SPARK_JARS_ENV,
  SPARK_SERVICES,
} from '../engines/spark/jars.ts';
import { sparkJarsCacheKey, withCachedSparkJars } from '../engines/spark/jars-cache.ts';
import { ComposeProject, withDependencies } from '../infra/compose.ts';
import { preflight } from '../infra/preflight.ts';
import { imagesOf, pullImages } from '../infra/pull.ts';
import { composeProjectFor, startStack, validateServices } from '../infra/stack.ts';
import { findActionRoot } from './action-root.ts';
import { uploadArtifact } from './artifact-upload.ts';
import { captureDiagnostics } from './diagnostics.ts';
import { teardownByLabel } from './label-teardown.ts';
import type { MainDeps, StackRequest } from './main-runner.ts';
import type { PostDeps } from './post-runner.ts';

function composeFor(req: StackRequest): ComposeProject {
  return composeProjectFor({
    project: req.project,
    composeFiles: req.composeFiles,
    env: req.env,
    logger: req.log,
  });
}

/** The real collaborators: @actions/core, docker compose through bf infra, the pipeline, the Results service. */
export function realMainDeps(moduleUrl: string): MainDeps {
  return {
    core,
    env: process.env,
    actionRoot: findActionRoot(moduleUrl),
    now: () => performance.now(),
    preflight: async (req) => {
      // Config errors and unknown service names fail here, before anything starts.
      const compose = composeFor(req);
      const config = await compose.config();
      if (req.services.length > 0) validateServices(config, req.services);
      const ports = config.ports.filter(
        (p) =>
          (req.services.length === 0 || req.services.includes(p.service)) &&
          (req.kibana || p.service !== 'kibana'),
      );
      await preflight({ ports, exec: compose.exec, logger: req.log });
    },
    pullImages: async (req) => {
      const compose = composeFor(req);
      const config = await compose.config();
      const selected = (req.services.length > 0 ? req.services : config.services).filter(
        (s) => req.kibana || s !== 'kibana',
      );
      return pullImages({
        compose,
        images: imagesOf(config, withDependencies(config, selected)),
        logger: req.log,
      });
    },
    startStack: async (req) => {
      // The Spark jars dir (mounted into the Spark services) comes from the Actions cache when it has it.
      const compose = composeFor(req);
      const config = await compose.config();
      const wanted = req.services.length > 0 ? withDependencies(config, req.services) : config.services;
      if (wanted.some((s) => (SPARK_SERVICES as readonly string[]).includes(s))) {
        const dir = compose.env[SPARK_JARS_ENV] as string;
        await withCachedSparkJars({
          cache,
          dir,
          key: sparkJarsCacheKey(jarsKey(readFileSync(join(REPO_ROOT, JARS_LIST), 'utf8'))),
          fill: () => ensureSparkJars(dir, { exec: compose.exec, env: compose.env, logger: req.log }),
          logger: req.log,
        });
      }
      await startStack({
        project: req.project,
        composeFiles: req.composeFiles,
        env: req.env,
        services: req.services.length > 0 ? req.services : undefined,
        waitSeconds: req.waitTimeoutMs / 1000,
        kibana: req.kibana,
        kibanaRequired: req.kibanaRequired,
        // main's own pull stage ran already
        pull: false,
        skipPreflight: true,
        // Post captures the logs into the artifact and then runs down --volumes: keep the containers until then.
        keepOnFailure: true,
        logger: req.log,
      });
    },
    // Lazy: the pipeline chunk pulls in the embedded engine's native module (@duckdb/node-api), which a bundle
    // cannot carry. Loading it only here keeps main.js loadable (inputs, preflight, stack) without node_modules.
    runPipeline: async (opts) => (await import('../pipeline/run.ts')).runPipeline(opts),
    // Counted in the real index, independently of the pipeline's own end-of-run check.
    countEsDocuments: async ({ result }) => {
      const { publishConfig } = await import('../config/publish.ts');
      const { documentIds } = await import('../publish/verify.ts');
      const cfg = publishConfig(process.env);
      const ids = await documentIds(cfg, cfg.indices.signals, result.symbolList.name);
      return { documents: ids.length, lakeSignals: result.events.length, index: cfg.indices.signals };
    },
    uploadArtifact,
  };
}

export function realPostDeps(): PostDeps {
  return {
    core,
    stackFor: (state) => {
      const compose = new ComposeProject({
        name: state.project,
        files: state.composeFiles,
        env: { ...process.env, ...state.composeEnv },
      });
      return {
        captureDiagnostics: (dir) => captureDiagnostics(compose, dir),
        down: (opts) =>
          state.composeFiles.length > 0 && state.composeFiles.every((f) => existsSync(f))
            ? compose.down(opts)
            : teardownByLabel(compose.exec, state.project, opts),
      };
    },
    uploadArtifact,
  };
}
