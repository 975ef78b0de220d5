import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_LIMIT_BYTES, bundleSize, describeBundle, measureBundle } from '../bundle-size.js';

/**
 * The web client's size budget (issue 11): all the JS and CSS of the built
 * client, gzipped, at most 60 KB. `npm run build` prints the figure and fails
 * over it (web/bundle-size.ts); this builds the client as `npm run build` does
 * into a directory of its own and measures it, so CI fails when it grows.
 */
const CONFIG = path.resolve(import.meta.dirname, '../vite.config.ts');
let outDir: string;
let nodeEnv: string | undefined;

/** Builds the client into `dir` with web/vite.config.ts (and any extra plugins). */
async function productionBuild(dir: string, plugins: Plugin[] = []) {
  return build({ configFile: CONFIG, logLevel: 'silent', plugins, build: { outDir: dir, emptyOutDir: true } });
}

async function filesUnder(dir: string): Promise<Array<{ name: string; content: Uint8Array }>> {
  const out: Array<{ name: string; content: Uint8Array }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.push({ name: path.relative(dir, full), content: await readFile(full) });
  }
  return out;
}

beforeAll(async () => {
  // As `npm run build` builds it: vitest sets NODE_ENV=test, and Vite would then keep development code in (about 3.6 KB more).
  nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  outDir = await mkdtemp(path.join(tmpdir(), 'parley-bundle-'));
});
afterAll(async () => {
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
  await rm(outDir, { recursive: true, force: true });
});

describe('web bundle size', () => {
  it('the built client, all its JS and CSS gzipped, is at most 60 KB', async () => {
    // The build's own check (the bundleSize plugin in web/vite.config.ts) throws when it is over.
    await productionBuild(outDir);
    const m = measureBundle(await filesUnder(outDir));
    console.log(describeBundle(m));
    expect(m.files.some((f) => f.name.endsWith('.js')), 'the build wrote no JS').toBe(true);
    expect(m.files.some((f) => f.name.endsWith('.css')), 'the build wrote no CSS').toBe(true);
    expect(m.gzipped).toBeLessThanOrEqual(BUNDLE_LIMIT_BYTES);
  }, 60_000);

  it('the build itself fails when the bundle is over its limit', async () => {
    // The same build with a second, tiny limit: it must refuse, naming the size.
    await expect(productionBuild(outDir, [bundleSize(1024)])).rejects.toThrow(/web bundle is [\d.]+ KB gzipped, over its limit of 1\.0 KB/);
  }, 60_000);
});
