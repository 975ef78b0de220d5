import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/**
 * Serves the bundled web client (dist/web, built by `npm run build`): its
 * hashed assets with a long cache life, and its page for every client-side
 * route (`/`, `/r/<room>`, `/dm`, `/dm/<username>`), never cached so a new
 * release is picked up at once. Assets are looked up in a list made at
 * start-up, so no request path ever reaches the file system.
 */

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** dist/web, whether running from src/ (tsx) or from the compiled dist/src/. */
function defaultWebDir(): string {
  const up = fileURLToPath(new URL('../../', import.meta.url));
  return basename(up) === 'dist' ? join(up, 'web') : join(up, 'dist', 'web');
}

const MISSING_CLIENT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><main><h1>Parley</h1><p>The server is running, but the web client has not been built.
Run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p></main></body></html>`;

export async function webRoutes(dir = defaultWebDir()) {
  let page: string;
  const assets = new Map<string, Buffer>();
  try {
    page = await readFile(join(dir, 'index.html'), 'utf8');
    for (const name of await readdir(join(dir, 'assets'))) assets.set(name, await readFile(join(dir, 'assets', name)));
  } catch {
    page = MISSING_CLIENT;
  }

  const app = new Hono();
  app.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const body = assets.get(file);
    if (!body) return c.text('Not found', 404);
    c.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    // File names carry a content hash: a changed file has a new name.
    c.header('cache-control', 'public, max-age=31536000, immutable');
    return c.body(new Uint8Array(body));
  });
  for (const path of ['/', '/r/:name', '/dm', '/dm/:username', '/settings']) {
    app.get(path, (c) => {
      c.header('cache-control', 'no-cache');
      return c.html(page);
    });
  }
  return app;
}
