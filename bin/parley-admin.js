#!/usr/bin/env node
// `npm run admin -- <command>` and the `parley-admin` bin (docs/admin.md).
//
// In a checkout with the development dependencies, the TypeScript source runs through tsx, so the
// command is never older than the code beside it. The production image has neither src/ nor tsx:
// there the build's dist/src/admin/main.js runs.
import { existsSync } from 'node:fs';

const source = new URL('../src/admin/main.ts', import.meta.url);
const built = new URL('../dist/src/admin/main.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const tsx = existsSync(source) ? await loadTsx() : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('parley-admin: neither src/admin/main.ts with tsx nor dist/src/admin/main.js is here; run `npm run build` first\n');
  process.exit(1);
}
