import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml and its variants, as Compose itself reads them: `docker compose config`
 * (Compose v2) or, where only Debian's `docker-compose` is installed, that. Docker cannot run
 * here, so this checks what can be checked without it: every variant parses, and what it runs.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  return ['docker-compose'];
}
const compose = composeCommand();

type Service = {
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: Array<string | { source: string; target: string }>;
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  image?: string;
};
type Config = { services: Record<string, Service> };

async function config(...args: string[]): Promise<Config> {
  const { stdout } = await promisify(execFile)(compose[0]!, [...compose.slice(1), ...args, 'config'], {
    cwd: root,
    encoding: 'utf8',
    // What a fresh checkout has: no .env, none of the variables set.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });
  return parse(stdout) as Config;
}

// Compose 1 takes seconds to start: the three variants are read at once.
let plain: Config;
let cluster: Config;
let monitoring: Config;
beforeAll(async () => {
  [plain, cluster, monitoring] = await Promise.all([
    config(),
    config('-f', 'docker-compose.yml', '-f', 'docker-compose.cluster.yml'),
    config('--profile', 'monitoring'),
  ]);
});

const sources = (s: Service) => (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0]! : v.source));

describe('docker-compose.yml', () => {
  it('runs two replicas behind Caddy, which alone is published, with proxy trust, metrics and a drain delay', () => {
    const { services } = plain;
    // (Compose 1 lists the services of every profile; Compose 2 only those that run.)
    const running = Object.keys(services).filter((s) => !services[s]!.profiles?.length);
    expect(running.sort()).toEqual(['app1', 'app2', 'coturn', 'mysql', 'proxy', 'redis']);
    for (const name of ['app1', 'app2']) {
      const app = services[name]!;
      expect(app.ports ?? []).toEqual([]);
      expect(app.environment).toMatchObject({ TRUST_PROXY: '1', METRICS_PORT: '9091', REDIS_URL: 'redis://redis:6379', PORT: '3000' });
      expect(Number(app.environment!.SHUTDOWN_DRAIN_DELAY_MS)).toBeGreaterThan(1000);
    }
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^caddy:/);
    expect(proxy.environment).toMatchObject({ PARLEY_UPSTREAMS: 'app1:3000 app2:3000', PARLEY_SITE: ':80' });
    expect(JSON.stringify(proxy.ports)).toMatch(/80/);
    for (const source of sources(proxy).filter((s) => s.startsWith('/'))) expect(existsSync(source), source).toBe(true);
  });

  it('with docker-compose.cluster.yml, runs Redis as a six-node cluster that the replicas wait for', () => {
    const { services } = cluster;
    const nodes = Object.keys(services).filter((s) => /^redis(-\d)?$/.test(s));
    expect(nodes).toHaveLength(6);
    for (const name of ['app1', 'app2']) {
      const app = services[name]!;
      expect(app.environment!.REDIS_CLUSTER_NODES).toMatch(/^redis:6379,/);
      expect(app.depends_on).toMatchObject({ 'redis-cluster-init': { condition: 'service_completed_successfully' } });
    }
    expect(JSON.stringify(services['redis-cluster-init'])).toContain('--cluster-replicas 1');
  });

  it('with the monitoring profile, adds Prometheus and Grafana, whose files exist', () => {
    const { services } = monitoring;
    expect(services.prometheus?.profiles).toEqual(['monitoring']);
    expect(services.grafana?.profiles).toEqual(['monitoring']);
    for (const s of ['prometheus', 'grafana']) {
      for (const source of sources(services[s]!).filter((v) => v.startsWith('/'))) expect(existsSync(source), source).toBe(true);
    }
  });
});
