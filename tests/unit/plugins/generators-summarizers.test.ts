// The SDK's generators and summarizer contributions: declared in package.json, loaded like nlu,
// checked against what the entry exports, served to the engine (a test run streams the sample
// plugin's generator and a plugin summariser compresses memory), and checked by the conformance kit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { checkPluginConformance } from '../../../src-main/common/plugin-api'
import { loadPlugins } from '../../../src-main/core/plugins'
import { compileFlow, Engine, FakeClock } from '../../../src-main/core/engine/index'
import { runTests } from '../../../src-main/core/runner/service'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const temps: string[] = []
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flowbench-gen-'))
  temps.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const EMPTY_BUILTIN = (): string => workspace({})

const STORY_PLUGIN = {
  'plugins/story/package.json': JSON.stringify({
    name: 'flowbench-plugin-story',
    version: '1.0.0',
    type: 'module',
    main: 'index.js',
    flowbench: { apiVersion: 1, generators: ['story'], summarizers: ['terse'] },
  }),
  'plugins/story/index.js': `
export default {
  generators: {
    story: {
      async *generate(req, ctx) {
        for (const w of ('Once upon ' + req.prompt).split(/(?<= )/)) {
          await ctx.clock.sleep(1, ctx.signal)
          yield w
        }
      },
    },
  },
  summarizer: {
    summarize(turns, options) {
      return (options.previousSummary ?? '') + '[' + turns.filter((t) => t.role === 'user').map((t) => t.text).join('|') + ']'
    },
  },
}
`,
}

describe('generators and summarizers from plugins', () => {
  it('load from the manifest and serve the engine; the status lists them', async () => {
    const root = workspace(STORY_PLUGIN)
    const set = await loadPlugins({ builtinDir: EMPTY_BUILTIN(), workspaceRoot: root, allowWorkspaceCode: true })
    const status = set.plugins.find((p) => p.name === 'flowbench-plugin-story')!
    expect(status).toMatchObject({ status: 'loaded', generators: ['story'], summarizers: ['terse'] })
    expect(set.generators.names()).toEqual(['story'])
    expect(set.generators.realtime('story')).toBe(true)
    expect(set.summarizers.ids()).toEqual(['flowbench-plugin-story', 'story', 'terse'])

    const flow = compileFlow({
      name: 'f',
      initial_state: 'tell',
      settings: { memory: { max_turns: 2, summarizer: 'terse' } },
      states: {
        tell: { type: 'response', config: { generate: { generator: 'story', prompt: 'a time {input}' } }, transitions: [{ condition: 'any_input', target_state: 'tell' }] },
      },
    } as never)
    const engine = new Engine(flow, { generators: set.generators, summarizer: set.summarizers })
    const conv = engine.createConversation({ clock: new FakeClock() })
    const chunks: string[] = []
    await conv.start()
    const t = await conv.send({ type: 'message', text: 'there' }, { onChunk: (c) => chunks.push(c.text) })
    expect(chunks).toEqual(['Once ', 'upon ', 'a ', 'time ', 'there'])
    expect(t.replies).toEqual([{ text: 'Once upon a time there', state: 'tell', chunks: 5 }])
    await conv.send({ type: 'message', text: 'again' })
    const third = await conv.send({ type: 'message', text: 'more' })
    expect(third.memory).toMatchObject({ summarizer: 'terse', compressions: 1 })
    expect(third.memory!.summary).toMatch(/^\[.*there.*\]$/)
  })

  it('a generator the manifest declares but the entry does not export is a problem naming the plugin', async () => {
    const root = workspace({
      'plugins/half/package.json': JSON.stringify({ name: 'flowbench-plugin-half', version: '1.0.0', type: 'module', main: 'index.js', flowbench: { apiVersion: 1, generators: ['missing'], summarizers: ['s'] } }),
      'plugins/half/index.js': 'export default { generators: { other: { async *generate() { yield "x" } } } }',
    })
    const set = await loadPlugins({ builtinDir: EMPTY_BUILTIN(), workspaceRoot: root, allowWorkspaceCode: true })
    const status = set.plugins.find((p) => p.name === 'flowbench-plugin-half')!
    expect(status.status).toBe('error')
    expect(status.error).toBe('plugin "flowbench-plugin-half": package.json declares generator "missing" but the entry index.js exports no generators.missing with a generate(req, ctx) async generator')
    // The engine is told why the generator cannot run.
    expect(set.generators.select('missing')).toEqual({ unavailable: `generator "missing" cannot run: ${status.error}` })
    expect(set.summarizers.select('s')).toEqual({ unavailable: `summarizer "s" cannot run: ${status.error}` })
  })

  it('an untrusted workspace never runs its generators; the turn says why', async () => {
    const root = workspace(STORY_PLUGIN)
    const set = await loadPlugins({ builtinDir: EMPTY_BUILTIN(), workspaceRoot: root, allowWorkspaceCode: false })
    const reason = set.generators.select('story')
    expect(reason).toEqual({ unavailable: expect.stringContaining('does not run until you trust this workspace') })
    const flow = compileFlow({ name: 'f', initial_state: 'tell', states: { tell: { type: 'response', config: { generate: { generator: 'story' } } } } } as never)
    const t = await new Engine(flow, { generators: set.generators }).createConversation({ clock: new FakeClock() }).start()
    expect(t.errors).toEqual([{ code: 'generation_failed', message: (reason as { unavailable: string }).unavailable, state: 'tell' }])
  })

  it('a test run streams the sample plugin generator and checks the full text', async () => {
    const root = workspace({
      'flowbench.json': '{}',
      'flows/explain.flow.yaml': `name: explain
initial_state: ask
states:
  ask:
    type: response
    config: { response_templates: { default: "Which metric?" } }
    transitions: [{ condition: any_input, target_state: explain }]
  explain:
    type: response
    config: { generate: { generator: explain_metric, prompt: "{input}" } }
`,
      'tests/explain.test.yaml': `flow: ../flows/explain.flow.yaml
tests:
  - name: explains cpu
    steps:
      - user: cpu
        expect: { reply: "CPU usage is the share of processor time the service spends working. The alert fires above 90%.", ended: true }
`,
    })
    const report = await runTests(
      { root, workers: 1, plugins: { builtinDir: join(ROOT, 'resources/samples/plugins'), workspaceRoot: root, allowWorkspaceCode: true } },
      { version: '9.9.9' },
    )
    const test = report.suites[0]!.tests[0]!
    expect(test).toMatchObject({ name: 'explains cpu', status: 'passed' })
  })

  it('the conformance kit checks generators and summarizers', async () => {
    const good = {
      generators: { g: { async *generate() { yield 'a'; yield 'b' } } },
      summarizer: { summarize: () => 'short' },
    }
    const ok = await checkPluginConformance(good)
    expect(ok.failures).toEqual([])
    expect(ok.checks.map((c) => `${c.target} > ${c.check}`)).toEqual(
      expect.arrayContaining(['generator "g" > streams', 'generator "g" > honours an aborted signal', 'summarizer > summarizes']),
    )
    const bad = await checkPluginConformance({
      generators: { n: { async *generate() { yield 1 } }, p: { generate: () => 'text' } },
      summarizer: { summarize: async () => 42 },
    })
    expect(bad.failures.map((f) => `${f.target} > ${f.check}: ${f.message}`)).toEqual([
      'generator "n" > streams: yielded a number; every chunk must be a string',
      'generator "p" > streams: generate() must return an async iterable (write it as async *generate(req, ctx))',
      'summarizer > summarizes: must answer a string, got a number',
    ])
  })
})
