import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Relative base so the same build works from the bridge, from Tauri's asset protocol and from a
// file on a phone; no CDN, nothing fetched at run time.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: { target: 'es2020', sourcemap: false, chunkSizeWarningLimit: 400 },
  // `npm run dev` in front of `xuncha bridge` (port 8787): open http://localhost:5173/?token=…
  // with the secret the bridge printed. The bridge answers only its own Host and Origin, so the
  // proxy speaks as the bridge's page; the secret and JSON are still required.
  server: {
    proxy: {
      '/api': {
        target: 'http://127.0.0.1:8787',
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.removeHeader('origin')),
      },
    },
  },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
});
