import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** The web client's budget: all the JS and CSS Vite emits, gzipped, at most 60 KB (60 × 1024 bytes). */
export const BUNDLE_LIMIT_BYTES = 60 * 1024;

export type BundleFile = { name: string; bytes: number; gzipped: number };

/** Each JS and CSS file with its size and its gzipped size (node:zlib, default level), and the totals. */
export function measureBundle(files: Array<{ name: string; content: string | Uint8Array }>): { files: BundleFile[]; bytes: number; gzipped: number } {
  const measured = files
    .filter((f) => /\.(m?js|css)$/.test(f.name))
    .map((f) => {
      const buf = typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.from(f.content);
      return { name: f.name, bytes: buf.length, gzipped: gzipSync(buf).length };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    files: measured,
    bytes: measured.reduce((s, f) => s + f.bytes, 0),
    gzipped: measured.reduce((s, f) => s + f.gzipped, 0),
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** "web bundle: 46.4 KB gzipped (143.3 KB raw, 2 files), limit 60.0 KB" and one line per file. */
export function describeBundle(m: ReturnType<typeof measureBundle>, limit = BUNDLE_LIMIT_BYTES): string {
  const lines = [`web bundle: ${kb(m.gzipped)} gzipped (${kb(m.bytes)} raw, ${m.files.length} files), limit ${kb(limit)}`];
  for (const f of m.files) lines.push(`  ${f.name}  ${kb(f.gzipped)} gzipped, ${kb(f.bytes)} raw`);
  return lines.join('\n');
}

/**
 * A Vite plugin that prints the gzipped size of what the build wrote and fails
 * the build when it is over the limit, so the budget cannot be missed quietly.
 */
export function bundleSize(limit = BUNDLE_LIMIT_BYTES): Plugin {
  return {
    name: 'parley-bundle-size',
    apply: 'build',
    enforce: 'post',
    writeBundle(_options, bundle) {
      const m = measureBundle(Object.values(bundle).map((f) => ({ name: f.fileName, content: f.type === 'chunk' ? f.code : f.source })));
      console.log(describeBundle(m, limit));
      if (m.files.length === 0) this.error('web bundle: no JS or CSS was emitted');
      if (m.gzipped > limit) this.error(`web bundle is ${kb(m.gzipped)} gzipped, over its limit of ${kb(limit)} (${m.gzipped} > ${limit} bytes)`);
    },
  };
}
