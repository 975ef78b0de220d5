import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_LOAD_LIMIT_BYTES, TOTAL_LIMIT_BYTES, bundleSize, describeBundle, firstLoadNames, measureBundle } from '../bundle-size.js';

/**
 * The web client's size budgets (web/bundle-size.ts): what the page loads
 * first (its script, preloaded chunks and style sheets), gzipped, at most
 * 60 KB; everything, screens fetched when first opened included, at most
 * 100 KB. `npm run build` prints both and fails over either; this builds the
 * client as `npm run build` does into a directory of its own and measures it,
 * so CI fails when it grows.
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
  it('the first load is at most 60 KB gzipped and the whole client at most 100 KB; screens opened later are not in the first load', async () => {
    // The build's own check (the bundleSize plugin in web/vite.config.ts) throws when it is over.
    await productionBuild(outDir);
    const m = measureBundle(await filesUnder(outDir));
    console.log(describeBundle(m));
    const first = m.files.filter((f) => f.firstLoad);
    expect(
      first.some((f) => f.name.endsWith('.js')),
      'the page loads no JS',
    ).toBe(true);
    expect(
      first.some((f) => f.name.endsWith('.css')),
      'the page loads no CSS',
    ).toBe(true);
    // Split for real: the room, a call from a conversation and Settings are fetched when opened.
    for (const later of ['room-screen', 'CallScreen', 'SettingsScreen', 'RoomSettings', 'CreateAccountForm']) {
      const file = m.files.find((f) => f.name.includes(later) && f.name.endsWith('.js'));
      expect(file, `${later} has a chunk of its own`).toBeDefined();
      expect(file!.firstLoad, `${later} is not in the first load`).toBe(false);
    }
    expect(m.firstLoad.gzipped).toBeLessThanOrEqual(FIRST_LOAD_LIMIT_BYTES);
    expect(m.gzipped).toBeLessThanOrEqual(TOTAL_LIMIT_BYTES);
  }, 60_000);

  it('reads the first load from the page: its script, preloaded chunks and style sheets', () => {
    const html = `<script type="module" crossorigin src="/assets/index-a.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/vendor-b.js">
      <link rel="stylesheet" crossorigin href="/assets/index-c.css"><link rel="icon" href="data:," />`;
    expect([...firstLoadNames(html)].sort()).toEqual(['assets/index-a.js', 'assets/index-c.css', 'assets/vendor-b.js']);
  });

  it('the build itself fails when the first load or the whole is over its limit', async () => {
    // The same build with a second, tiny limit: it must refuse, naming the size.
    await expect(productionBuild(outDir, [bundleSize({ firstLoad: 1024, total: TOTAL_LIMIT_BYTES })])).rejects.toThrow(
      /the first load is [\d.]+ KB gzipped, over its limit of 1\.0 KB/,
    );
    await expect(productionBuild(outDir, [bundleSize({ firstLoad: FIRST_LOAD_LIMIT_BYTES, total: 2048 })])).rejects.toThrow(
      /the whole bundle is [\d.]+ KB gzipped, over its limit of 2\.0 KB/,
    );
  }, 90_000);
});
