// Builds the desktop app: the Electron main process, the sandboxed preload and the Vue renderer.
// `electron-vite build` works without the Electron binary, so the browser workbench
// (`flowbench serve`, which serves out/renderer) is built by the same command.
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = __dirname

/**
 * Left to Node's require at run time: piscina starts its own worker file, hdr-histogram-js loads
 * wasm beside itself, and ws' optional native speed-ups may be absent. Everything else (lowdb and
 * the other ESM-only packages) is bundled, because a CJS main cannot require them.
 */
const RUNTIME_EXTERNALS = ['piscina', 'hdr-histogram-js', 'bufferutil', 'utf-8-validate', 'fsevents']

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/hosts/electron/main.ts') },
        external: RUNTIME_EXTERNALS,
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can require nothing but `electron`: bundle everything into one CJS file.
      externalizeDeps: false,
      isolatedEntries: true,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/hosts/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    // Relative asset URLs work both from file:// (Electron) and from `flowbench serve`.
    base: './',
    plugins: [vue()],
    resolve: {
      alias: [
        // monaco-yaml's worker still imports the pre-0.56 deep path, which monaco-editor's
        // `exports` map now sends to the wrong folder; point it at the file itself.
        {
          find: /^monaco-editor\/esm\/vs\/(.*)$/,
          replacement: resolve(root, 'node_modules/monaco-editor/esm/vs/$1'),
        },
      ],
    },
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
})
