// Enforces the layering of style.md: common is pure, core never touches Electron or the UI,
// the renderer reaches the core only through the typed API in common.
import tseslint from 'typescript-eslint'
import vueParser from 'vue-eslint-parser'

const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net', 'crypto', 'url', 'stream', 'events', 'util']
const restrict = (patterns, message) => ['error', { patterns: [{ group: patterns, message }] }]

export default [
  { ignores: ['node_modules/**', 'out/**', 'coverage/**', 'test-results/**', 'playwright-report/**', '**/dist/**', 'resources/**', '**/*.generated.js'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' } },
  },
  {
    files: ['src-main/common/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...NODE_BUILTINS, 'electron', '**/core/**', '**/hosts/**', 'vue', 'pinia'], 'src-main/common is pure TypeScript: no Node, Electron, core, host or UI imports.') },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['electron', '**/hosts/**', '**/src-renderer/**', 'vue', 'pinia', 'monaco-editor*'], 'The core never imports Electron, a host or the UI: hosts pass what it needs into createCore().') },
  },
  {
    files: ['src-main/hosts/cli/**/*.ts', 'src-main/hosts/server/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['electron', '**/hosts/electron/**', '**/hosts/preload/**'], 'The CLI and serve hosts run without Electron.') },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: { 'no-restricted-imports': restrict([...NODE_BUILTINS, 'electron', '**/src-main/core/**', '**/src-main/hosts/**'], 'The renderer reaches the core only through the typed API (src-main/common/api.ts).') },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['electron', '**/src-renderer/**'], 'Plugins run in the engine\'s workers: no Electron or UI imports.') },
  },
]
