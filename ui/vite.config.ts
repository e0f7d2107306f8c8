import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Relative base so the same build works from the bridge, from Tauri's asset protocol and from a
// file on a phone; no CDN, nothing fetched at run time.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: { target: 'es2020', sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
});
