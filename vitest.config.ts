import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

// Unit, component and CLI tests. E2E lives in tests/e2e and runs under Playwright.
export default defineConfig({
  plugins: [vue()],
  // Plugins import the SDK by its package name, as an outside author would.
  resolve: { alias: { 'flowbench/plugin': fileURLToPath(new URL('./src-main/common/plugin-api.ts', import.meta.url)) } },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/cli/**/*.test.ts', 'plugins/**/*.test.ts', 'resources/samples/plugins/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tests/e2e/**', '**/dist/**'],
    environment: 'node',
    testTimeout: 20000,
    hookTimeout: 30000,
    pool: 'forks',
    globalSetup: ['tests/global-setup.ts'],
    coverage: {
      provider: 'v8',
      include: ['src-main/**/*.ts'],
      exclude: ['src-main/hosts/electron/**', 'src-main/hosts/preload/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
})
