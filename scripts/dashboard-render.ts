/**
 * Draws a Grafana dashboard's panels, laid out by their gridPos, as SVG line charts in one HTML
 * page: the series come from a real Prometheus (scripts/dashboard-picture.ts). Only what the
 * picture needs: time series panels, row headings, units of the dashboard's panels.
 */

export type Series = { name: string; points: Array<[number, number]> };
export type DashboardPanel = {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Array<{ expr: string; legendFormat?: string }>;
};
export type DrawnPanel = { panel: DashboardPanel; series: Series[] };
/** The time range every chart spans, in Unix seconds. */
type Range = { start: number; end: number };

const PAGE_WIDTH = 1400;
const COLUMN = PAGE_WIDTH / 24;
const ROW = 36;
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#37d6d6', '#ff85c0', '#c8f26d', '#a0785a', '#e0e0e0', '#2e8b57'];

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '');
}

/** A value in the panel's unit, as Grafana would roughly write it. */
function format(value: number, unit: string | undefined): string {
  if (unit === 's') return value === 0 ? '0' : value < 1 ? `${trim(value * 1000)} ms` : `${trim(value)} s`;
  if (unit === 'bytes') return value >= 1 << 30 ? `${trim(value / (1 << 30))} GiB` : `${trim(value / (1 << 20))} MiB`;
  if (unit === 'percentunit') return `${trim(value * 100)}%`;
  if (unit === 'reqps') return `${trim(value)} req/s`;
  if (unit === 'ops') return `${trim(value)}/s`;
  return trim(value);
}

/** A round step giving about `count` ticks from 0 to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const [step] = [1, 2, 2.5, 5, 10].map((m) => m * power).filter((s) => s >= raw);
  return step ?? raw;
}

const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

function chart(drawn: DrawnPanel, range: Range, width: number, height: number): string {
  const unit = drawn.panel.fieldConfig?.defaults?.unit;
  const left = 78;
  const right = 10;
  const top = 8;
  const bottom = 22;
  const w = width - left - right;
  const h = height - top - bottom;
  const all = drawn.series.flatMap((s) => s.points);
  if (all.length === 0) return `<svg width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2}" class="empty">No data</text></svg>`;
  const t0 = range.start;
  const t1 = range.end;
  const peak = Math.max(...all.map((p) => p[1]));
  const step = peak > 0 ? niceStep(peak, 4) : 1;
  const yMax = peak > 0 ? Math.ceil(peak / step) * step : 1;
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * w;
  const y = (v: number) => top + h - (v / yMax) * h;
  const parts: string[] = [];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${escapeHtml(format(v, unit))}</text>`);
  }
  const ticks = Math.max(2, Math.floor(w / 120));
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + ((t1 - t0) * i) / ticks;
    parts.push(`<text x="${x(t)}" y="${height - 6}" class="tick" text-anchor="${i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}">${clock(t)}</text>`);
  }
  drawn.series.forEach((s, i) => {
    // A gap of more than a few steps (no sample) breaks the line, as in Grafana.
    let d = '';
    let last = -Infinity;
    for (const [t, v] of s.points) {
      d += `${t - last > 10 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      last = t;
    }
    parts.push(`<path d="${d}" stroke="${COLORS[i % COLORS.length]}" class="line"/>`);
  });
  return `<svg width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function panelHtml(drawn: DrawnPanel, range: Range): string {
  const { x, y, w, h } = drawn.panel.gridPos;
  const box = `left:${x * COLUMN + 4}px;top:${y * ROW + 4}px;width:${w * COLUMN - 8}px;height:${h * ROW - 8}px`;
  if (drawn.panel.type === 'row') return `<div class="row" style="${box}">${escapeHtml(drawn.panel.title)}</div>`;
  const legend = drawn.series.map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${escapeHtml(s.name)}</span>`).join('');
  const legendRows = Math.min(3, Math.ceil(drawn.series.length / Math.max(1, Math.floor((w * COLUMN) / 200))));
  const chartHeight = h * ROW - 8 - 32 - Math.max(1, legendRows) * 18 - 8;
  return `<div class="panel" style="${box}"><div class="title">${escapeHtml(drawn.panel.title)}</div>${chart(drawn, range, w * COLUMN - 18, chartHeight)}<div class="legend">${legend}</div></div>`;
}

export function dashboardHtml(title: string, subtitle: string, range: Range, panels: DrawnPanel[]): string {
  const height = Math.max(...panels.map((p) => p.panel.gridPos.y + p.panel.gridPos.h)) * ROW + 8;
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; color: #ccccdc; font: 14px/1.3 Inter, 'DejaVu Sans', sans-serif; }
  header { padding: 14px 18px 6px; } h1 { font-size: 19px; margin: 0 0 2px; color: #fff; } header p { margin: 0; color: #9fa1ad; }
  .board { position: relative; width: ${PAGE_WIDTH}px; height: ${height}px; }
  .panel { position: absolute; box-sizing: border-box; background: #181b1f; border: 1px solid #2c3235; border-radius: 3px; padding: 6px 8px; overflow: hidden; }
  .title { font-weight: 600; color: #e6e6f0; height: 24px; font-size: 15px; }
  .row { position: absolute; font-size: 15px; font-weight: 600; color: #fff; padding-top: 8px; }
  .grid { stroke: #2c3235; stroke-width: 1; } .tick { fill: #a8aab5; font-size: 12.5px; }
  .line { fill: none; stroke-width: 1.6; } .empty { fill: #9fa1ad; text-anchor: middle; }
  .legend { font-size: 12.5px; max-height: 56px; overflow: hidden; } .legend span { display: inline-block; margin-right: 12px; white-space: nowrap; }
  .legend i { display: inline-block; width: 12px; height: 3px; margin: 0 5px 3px 0; vertical-align: middle; }
  </style></head><body><header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header>
  <div class="board">${panels.map((p) => panelHtml(p, range)).join('')}</div></body></html>`;
}
