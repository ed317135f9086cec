// Renderer-only Vite config: the UI dev loop without Electron, and building the renderer alone.
// `npm run build` uses electron.vite.config.ts, whose `renderer` section this mirrors.
//
// Dev loop: start `npx flowbench serve <workspace>`, then
//   FLOWBENCH_SERVE=http://127.0.0.1:<port> npx vite --config src-renderer/vite.config.ts
// and open http://localhost:5173/?token=<token from serve's URL>. The API socket is proxied to
// serve (which accepts only its own origin, so the proxy presents that).
// eslint-disable-next-line no-restricted-imports -- the build config runs in Node; only the renderer's code is restricted
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const serve = process.env.FLOWBENCH_SERVE

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [vue()],
  resolve: {
    alias: [
      // monaco-yaml's worker imports `monaco-editor/esm/vs/editor/editor.worker.js`, a deep path
      // monaco-editor 0.56+ no longer exports; point it at the file itself.
      { find: /^monaco-editor\/esm\/(.*)$/, replacement: `${here('../node_modules/monaco-editor/esm/')}$1` },
    ],
  },
  server: serve
    ? {
        proxy: {
          '/api': {
            target: serve,
            ws: true,
            changeOrigin: true,
            configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('origin', new URL(serve).origin)),
          },
        },
      }
    : undefined,
  build: {
    outDir: here('../out/renderer'),
    emptyOutDir: true,
    rollupOptions: { input: { index: here('index.html') } },
  },
})
