import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * The web client's budgets, gzipped (1 KB = 1024 bytes):
 * - first load, 60 KB: the JS and CSS the page itself names (its script, the chunks it preloads
 *   and its style sheets), which is what the browser must fetch before the sign-in screen or
 *   Home can show;
 * - total, 100 KB: every JS and CSS file, screens fetched when first opened included (a room, a
 *   call, Settings, creating an account, and what a call fetches only when used: screen share and
 *   camera, sending files). Those cost a person nothing until they open them, and code split into
 *   chunks compresses a little worse than one file. The total was 80 KB until screen share,
 *   camera and files came (issue 15, docs/performance.md): they are a call's features, fetched
 *   in a call, so they were given 20 KB more rather than squeezed into what the first load needs.
 *   Past 100 KB the client has grown by another screen's worth, which should again be a decision.
 */
export const FIRST_LOAD_LIMIT_BYTES = 60 * 1024;
export const TOTAL_LIMIT_BYTES = 100 * 1024;
type Limits = { firstLoad: number; total: number };
const LIMITS: Limits = { firstLoad: FIRST_LOAD_LIMIT_BYTES, total: TOTAL_LIMIT_BYTES };

type BundleFile = { name: string; bytes: number; gzipped: number; firstLoad: boolean };
type BundleMeasure = { files: BundleFile[]; bytes: number; gzipped: number; firstLoad: { bytes: number; gzipped: number } };

/** The asset files (`assets/x.js`) that index.html itself loads: its module script, modulepreloads and style sheets. */
export function firstLoadNames(html: string): Set<string> {
  const names = new Set<string>();
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="\/?([^"]+\.(?:m?js|css))"/g)) names.add(m[1]!);
  return names;
}

/**
 * Each JS and CSS file with its size and its gzipped size (node:zlib, default level), whether
 * the page loads it first (from `index.html` among `files`), and the totals.
 */
export function measureBundle(files: Array<{ name: string; content: string | Uint8Array }>): BundleMeasure {
  const html = files.find((f) => f.name === 'index.html');
  const first = html ? firstLoadNames(Buffer.from(html.content).toString('utf8')) : new Set<string>();
  const measured = files
    .filter((f) => /\.(m?js|css)$/.test(f.name))
    .map((f) => {
      const buf = Buffer.from(f.content);
      return { name: f.name, bytes: buf.length, gzipped: gzipSync(buf).length, firstLoad: first.has(f.name) };
    })
    .sort((a, b) => Number(b.firstLoad) - Number(a.firstLoad) || a.name.localeCompare(b.name));
  const sum = (list: BundleFile[], key: 'bytes' | 'gzipped') => list.reduce((s, f) => s + f[key], 0);
  const firstFiles = measured.filter((f) => f.firstLoad);
  return {
    files: measured,
    bytes: sum(measured, 'bytes'),
    gzipped: sum(measured, 'gzipped'),
    firstLoad: { bytes: sum(firstFiles, 'bytes'), gzipped: sum(firstFiles, 'gzipped') },
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/**
 * "web bundle: first load 53.1 KB gzipped (limit 60.0 KB); total 72.9 KB gzipped (limit 80.0 KB),
 * 16 files", then one line per file, those of the first load marked.
 */
export function describeBundle(m: BundleMeasure, limits: Limits = LIMITS): string {
  const lines = [
    `web bundle: first load ${kb(m.firstLoad.gzipped)} gzipped (${kb(m.firstLoad.bytes)} raw), limit ${kb(limits.firstLoad)}; ` +
      `total ${kb(m.gzipped)} gzipped (${kb(m.bytes)} raw, ${m.files.length} files), limit ${kb(limits.total)}`,
  ];
  for (const f of m.files) lines.push(`  ${f.firstLoad ? '*' : ' '} ${f.name}  ${kb(f.gzipped)} gzipped, ${kb(f.bytes)} raw`);
  lines.push('  (* first load)');
  return lines.join('\n');
}

/** What is over budget, in words; empty when nothing is. */
function overBudget(m: BundleMeasure, limits: Limits = LIMITS): string[] {
  const over: string[] = [];
  if (m.firstLoad.gzipped > limits.firstLoad)
    over.push(
      `the first load is ${kb(m.firstLoad.gzipped)} gzipped, over its limit of ${kb(limits.firstLoad)} (${m.firstLoad.gzipped} > ${limits.firstLoad} bytes)`,
    );
  if (m.gzipped > limits.total)
    over.push(`the whole bundle is ${kb(m.gzipped)} gzipped, over its limit of ${kb(limits.total)} (${m.gzipped} > ${limits.total} bytes)`);
  return over;
}

/**
 * A Vite plugin that prints the gzipped sizes of what the build wrote and fails the build when
 * the first load or the whole is over its limit, so the budget cannot be missed quietly.
 */
export function bundleSize(limits: Limits = LIMITS): Plugin {
  return {
    name: 'parley-bundle-size',
    apply: 'build',
    enforce: 'post',
    writeBundle(_options, bundle) {
      const m = measureBundle(Object.values(bundle).map((f) => ({ name: f.fileName, content: f.type === 'chunk' ? f.code : f.source })));
      console.log(describeBundle(m, limits));
      if (m.files.length === 0) this.error('web bundle: no JS or CSS was emitted');
      if (m.firstLoad.gzipped === 0) this.error('web bundle: index.html loads no JS or CSS');
      const over = overBudget(m, limits);
      if (over.length > 0) this.error(`web bundle: ${over.join('; ')}`);
    },
  };
}
