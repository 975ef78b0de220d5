import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';

/**
 * The Grafana dashboard (deploy/grafana/parley-dashboard.json) may only ask for series the
 * server really exposes: every metric name in every panel's expressions is checked against
 * what a running server's /metrics declares, so renaming a metric without the dashboard fails here.
 */

type Panel = { type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: Array<{ expr: string }> };
type Dashboard = { schemaVersion: number; panels: Panel[]; templating: { list: Array<{ name: string; type: string; definition?: string }> } };

const dashboardFile = new URL('../../deploy/grafana/parley-dashboard.json', import.meta.url);
let server: TestServer;
let dashboard: Dashboard;

beforeAll(async () => {
  server = await startTestServer({ METRICS_PORT: '0' });
  dashboard = JSON.parse(await readFile(dashboardFile, 'utf8'));
});
afterAll(async () => {
  await server?.stop();
});

/**
 * The metrics the endpoint declares (`# TYPE` lines: present even before anything was counted),
 * and every series name they give, a histogram's _bucket, _sum and _count included.
 */
async function exposed(): Promise<{ metrics: string[]; series: Set<string> }> {
  const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  const metrics: string[] = [];
  const series = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    metrics.push(name!);
    series.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) series.add(name! + suffix);
  }
  return { metrics, series };
}

/** The metric names an expression reads (ours and the process's: parley_, process_, nodejs_). */
const metricsIn = (expr: string) => [...expr.matchAll(/\b(?:parley|process|nodejs)_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

describe('the Grafana dashboard', () => {
  it('reads only metrics the server exposes', async () => {
    const { metrics, series } = await exposed();
    const used = new Set<string>();
    for (const panel of dashboard.panels) for (const t of panel.targets ?? []) for (const name of metricsIn(t.expr)) used.add(name);
    for (const v of dashboard.templating.list) for (const name of metricsIn(v.definition ?? '')) used.add(name);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !series.has(name))).toEqual([]);
    // And every metric of ours has a panel.
    const shown = (m: string) => [...used].some((u) => u === m || u.startsWith(`${m}_`));
    expect(metrics.filter((m) => m.startsWith('parley_') && !shown(m))).toEqual([]);
  });

  it('is a dashboard Grafana imports: a Prometheus datasource variable, panels on the 24-column grid that do not overlap', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps another panel`).toBe(false);
          cells.add(`${i},${j}`);
        }
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });
});
