import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The office console (issue 15): a second entry beside the field app, built on its own into
// dist-console/. The server serves console.html at `/` and the built files at `/assets/…`, so
// the base is the root. Vitest runs from vite.config.ts, whose src/**/*.test.ts covers the
// console's tests too.
export default defineConfig({
  base: '/',
  plugins: [svelte()],
  build: {
    target: 'es2020',
    sourcemap: false,
    outDir: 'dist-console',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
    rollupOptions: { input: 'console.html' },
  },
  // `npx vite -c vite.console.config.ts` in front of `xuncha-server serve` (port 8080): the
  // console's API is same-origin in production, so the dev server passes /api through.
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: true },
    },
  },
});
