import { isServiceName, SERVICES, STACK_HOST, s3Settings } from '../../config/stack.ts';
import { BfError } from '../../util/errors.ts';
import type { ComposeConfig, ContainerState } from '../compose.ts';
import {
  composeHealthCheck,
  elasticsearchCheck,
  kafkaCheck,
  kibanaCheck,
  s3BucketCheck,
  s3ConsoleCheck,
  sparkSqlCheck,
  sparkWorkersCheck,
} from './checks.ts';
import type { ReadinessCheck } from './types.ts';

/** host:port where the compose config publishes a service's container port. */
export function publishedAddress(config: ComposeConfig, service: string, containerPort: number): string {
  const p = config.ports.find((x) => x.service === service && x.target === containerPort);
  if (!p) {
    throw new BfError(`service ${service} publishes no host port for container port ${containerPort}`, {
      hint: `publish it in the compose file (e.g. "127.0.0.1:${containerPort}:${containerPort}") so bf can check it`,
    });
  }
  const host = p.hostIp === '' || p.hostIp === '0.0.0.0' ? STACK_HOST : p.hostIp;
  return `${host}:${p.published}`;
}

function containerPort(
  service: 'spark-master' | 'spark-sql' | 'kafka' | 's3' | 's3-console' | 'elasticsearch' | 'kibana',
  role: string,
): number {
  return SERVICES[service].ports.find((p) => p.role === role)!.containerPort;
}

/**
 * The readiness checks of each service, in order: compose health first, then what proves the service works.
 * Every target is checked against the compose config before anything waits: an unknown service is an error
 * here, never a check that silently waits for nothing.
 */
export function buildChecks(
  config: ComposeConfig,
  services: readonly string[],
  opts: { ps: () => Promise<ContainerState[]>; env?: NodeJS.ProcessEnv },
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  const env = opts.env ?? process.env;
  const url = (service: Parameters<typeof containerPort>[0], role: string) =>
    `http://${publishedAddress(config, service, containerPort(service, role))}`;
  for (const service of services) {
    checks.push(composeHealthCheck(service, opts.ps, config.withHealthcheck.includes(service)));
    if (!isServiceName(service)) continue;
    switch (service) {
      case 'spark-master':
        checks.push(sparkWorkersCheck(service, url('spark-master', 'ui'), 0));
        break;
      case 'spark-worker':
        checks.push(sparkWorkersCheck(service, url('spark-master', 'ui'), 1));
        break;
      case 'spark-sql': {
        const [host, port] = publishedAddress(config, service, containerPort('spark-sql', 'thrift')).split(
          ':',
        );
        checks.push(sparkSqlCheck(service, host as string, Number(port)));
        break;
      }
      case 'kafka':
        checks.push(kafkaCheck(service, publishedAddress(config, 'kafka', containerPort('kafka', 'broker'))));
        break;
      case 's3':
        checks.push(s3BucketCheck(service, url('s3', 'api'), s3Settings(env)));
        break;
      case 's3-console':
        checks.push(s3ConsoleCheck(service, url('s3-console', 'ui'), s3Settings(env)));
        break;
      case 'elasticsearch':
        checks.push(elasticsearchCheck(service, url('elasticsearch', 'http')));
        break;
      case 'kibana':
        checks.push(kibanaCheck(service, url('kibana', 'http')));
        break;
    }
  }
  const unknown = [...new Set(checks.map((c) => c.service).filter((s) => !config.services.includes(s)))];
  if (unknown.length) {
    throw new BfError(`readiness check target(s) not in the compose config: ${unknown.join(', ')}`, {
      hint: `services in the config: ${config.services.join(', ')}`,
    });
  }
  return checks;
}
