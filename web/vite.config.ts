import { defineConfig } from 'vite';
import { bundleSize } from './bundle-size.js';

/**
 * The web client. `npm run build` writes it to dist/web, which the server
 * serves; `npm run dev` runs this dev server with hot reload, proxying the
 * API, the room event streams and Socket.IO to the Parley server on :3000.
 */
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  // Prints the gzipped size of the JS and CSS and fails the build over 60 KB.
  plugins: [bundleSize()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No inline scripts or styles: the server's CSP allows only files from its own origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api },
      '/socket.io': { target: api, ws: true },
    },
  },
});
