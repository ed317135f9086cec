// `flowbench plugin new`: writes a TypeScript plugin a plugin author can test and build at once:
// package.json with the flowbench manifest, src/index.ts, a test using the conformance kit, a
// tsconfig and an esbuild build script.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

export interface ScaffoldOptions {
  /** The package name, e.g. `crm-lookup` or `@acme/flowbench-plugin-crm`. */
  name: string
  /** The folder to create; it must not exist or be empty. */
  dir: string
  /** The integration id it serves (default: derived from the name). */
  integration?: string
  /** The Flowbench installation the plugin builds against (its package root). */
  flowbenchRoot: string
}

export interface ScaffoldResult {
  dir: string
  integration: string
  /** Created files, relative to `dir`, forward slashes. */
  files: string[]
}

/** A problem with what was asked (bad name, folder taken): the command reports it as bad usage. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError'
}

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/
const INTEGRATION_ID = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The folder name for a package name: `@acme/crm` → `crm`. */
export function pluginFolderName(name: string): string {
  return name.replace(/^@[^/]+\//, '')
}

/** `flowbench-plugin-crm-lookup` → `crm_lookup`. */
export function integrationIdFor(name: string): string {
  const base = pluginFolderName(name).replace(/^flowbench-plugin-/, '').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '')
  const id = /^[A-Za-z_]/.test(base) ? base : `plugin_${base}`
  return id === 'plugin_' ? 'integration' : id
}

function posixRelative(from: string, to: string): string {
  const rel = relative(from, to).split(sep).join('/')
  return rel === '' ? '.' : rel
}

export function scaffoldPlugin(options: ScaffoldOptions): ScaffoldResult {
  const { name, dir } = options
  if (!PACKAGE_NAME.test(name) || name.length > 214) {
    throw new ScaffoldError(`"${name}" is not a valid plugin name: use lower-case letters, digits, - . _ (optionally @scope/name)`)
  }
  const id = options.integration ?? integrationIdFor(name)
  if (!INTEGRATION_ID.test(id)) throw new ScaffoldError(`"${id}" is not a valid integration id: use letters, digits and _, starting with a letter`)
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new ScaffoldError(`${dir} already exists and is not empty`)

  const sdk = `file:${posixRelative(dir, options.flowbenchRoot)}`
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        description: `A Flowbench plugin serving the ${id} integration.`,
        type: 'module',
        main: 'dist/index.js',
        scripts: { build: 'node build.mjs', test: 'vitest run', typecheck: 'tsc -p tsconfig.json' },
        flowbench: { apiVersion: 1, integrations: [id] },
        devDependencies: { '@types/node': '^20.19.0', esbuild: '^0.28.2', flowbench: sdk, typescript: '^6.0.0', vitest: '^4.1.12' },
      },
      null,
      2,
    )}\n`,
    'src/index.ts': `// ${name}: a Flowbench plugin serving the \`${id}\` integration.
import { definePlugin, type CallContext, type IntegrationRequest, type IntegrationResponse } from 'flowbench/plugin'

/**
 * Answers one call. \`req.params\` is the object the flow's request_mapping built; \`req.config\` is
 * the flow's \`integrations.${id}\` section. Answer a status_code (2xx is a success) and data; answer
 * a 4xx with an \`error\` for a request you cannot serve. Pass ctx.signal to anything you wait on
 * (fetch, ctx.clock.sleep): the call is aborted when it times out.
 */
export async function answer(req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
  const query = req.params['query']
  if (typeof query !== 'string' || query.trim() === '') return { status_code: 400, error: 'params.query is required' }

  // Replace this with the call to your backend, for example:
  //   const res = await fetch(\`\${req.config['base_url']}/search?q=\${encodeURIComponent(query)}\`, { signal: ctx.signal })
  //   return { status_code: res.status, data: await res.json() }
  const latency = req.config['latency_ms']
  if (typeof latency === 'number' && latency > 0) await ctx.clock.sleep(latency, ctx.signal)
  ctx.log.debug(\`${id}: \${query}\`)
  return { status_code: 200, data: { query, answer: \`You asked about \${query}\`, answered_at: new Date(ctx.clock.now()).toISOString() } }
}

export default definePlugin({
  integrations: {
    ${id}: {
      call: answer,
      // The flow's integrations.${id} section overrides these.
      defaults: { timeout_ms: 5000, retries: 1 },
    },
  },
})
`,
    'test/plugin.test.ts': `import { describe, expect, it } from 'vitest'
import { assertPluginConformance, type CallContext } from 'flowbench/plugin'
import plugin, { answer } from '../src/index'

function context(): CallContext {
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  return { signal: new AbortController().signal, clock: { now: () => 0, sleep: async () => undefined }, log, integrationId: '${id}', conversationId: 'test' }
}

describe('${id}', () => {
  it('answers a query', async () => {
    const r = await answer({ method: 'GET', params: { query: 'order 42' }, config: {} }, context())
    expect(r.status_code).toBe(200)
    expect(r.data).toMatchObject({ query: 'order 42' })
  })

  it('refuses a request without a query', async () => {
    expect(await answer({ method: 'GET', params: {}, config: {} }, context())).toEqual({ status_code: 400, error: 'params.query is required' })
  })

  it('passes the Flowbench conformance kit', async () => {
    await assertPluginConformance(plugin, {
      requests: { ${id}: { params: { query: 'order 42' }, config: { latency_ms: 200 } } },
      invalidRequests: { ${id}: [{ params: {} }] },
    })
  })
})
`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          isolatedModules: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['src/**/*.ts', 'test/**/*.ts'],
      },
      null,
      2,
    )}\n`,
    'build.mjs': `// Bundles src/index.ts into the one JavaScript file Flowbench loads (package.json "main").
import { build } from 'esbuild'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

await build({
  absWorkingDir: here,
  entryPoints: ['src/index.ts'],
  outfile: resolve(here, 'dist/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
})
`,
    'README.md': `# ${name}

A Flowbench plugin serving the \`${id}\` integration.

\`\`\`sh
npm install      # links the Flowbench SDK (flowbench/plugin) and the build tools
npm test         # its tests, including Flowbench's conformance kit
npm run build    # src/index.ts → dist/index.js, the file Flowbench loads
\`\`\`

Put (or keep) this folder in a workspace's \`plugins/\` folder and use the integration from a
flow; the flow's \`integrations.${id}\` section configures it (timeout_ms, retries,
circuit_breaker, and your own keys such as base_url):

\`\`\`yaml
integrations:
  ${id}: { timeout_ms: 3000, retries: 2 }
states:
  lookup:
    type: integration
    config:
      integration_id: ${id}
      request_mapping: { query: "{input}" }
      response_mapping: { answer: answer }
\`\`\`

Ship \`dist/\` with the plugin: Flowbench runs the built JavaScript, it does not build plugins.
`,
    '.gitignore': 'node_modules/\n',
  }
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
  }
  return { dir, integration: id, files: Object.keys(files) }
}
