// `flowbench run FLOW`: a conversation with a flow in the terminal. On a terminal it is an
// interactive chat (with /approve, /reject, /wait, /restart, /quit); otherwise it reads one
// message per line and prints `bot> text` per reply and `[state]` per turn (or, with --json,
// one turn result per line). A flow that does not load exits 2 naming file, line and column.
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { TurnResult } from '../../../common/turn'
import type { Mocks } from '../../../common/test-schema'
import type { FakeClock, IntegrationProvider, NluProvider } from '../../../core/engine'
import type { PluginLoadSpec, PluginSet, withMocks } from '../../../core/plugins'
import type { FlowPluginInfo } from '../../../core/runner/plugins'
import type { ResolvedMocks } from '../../../core/runner/plan'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'

interface RunCommandOptions extends PluginCommandOptions {
  json?: boolean
  mocks?: string
  userId?: string
  profile?: string
}

type ChatCommand =
  | { kind: 'message'; text: string }
  | { kind: 'approve' | 'reject' | 'restart' | 'quit' | 'help' | 'state' }
  | { kind: 'wait'; ms: number }
  | { kind: 'invalid'; message: string }

const HELP = [
  'Type a message and press Enter. Commands:',
  '  /approve, /reject   answer the workflow approval that is waiting',
  '  /wait 30s           advance the conversation clock (timeouts fire): ms, s, m or h',
  '  /state              show slots, variables and the last intent',
  '  /restart            start the conversation again',
  '  /quit               leave (Ctrl-D works too)',
].join('\n')

export function registerRun(program: Command, setExitCode: SetExitCode): void {
  const run = program
    .command('run')
    .description('chat with a flow in the terminal (reads one message per line when stdin is not a terminal)')
    .argument('<flow>', 'the flow file')
    .option('--json', 'print each turn result as one JSON line')
    .option('--mocks <file>', 'integration and NLU mocks: a test file (its `mocks`) or a file holding a mocks section')
    .option('--user-id <id>', 'the user id of the conversation')
    .option('--profile <json>', 'the user profile, as a JSON object')
  addPluginOptions(run)
    .action(async (flowArg: string, options: RunCommandOptions) => {
      const [{ loadFlowFile }, { DocumentParseError, parseDocumentText }, engineModule, mocksModule, { parseDuration }, { findWorkspaceRoot }, { flowPluginInfo, isMocked }] = await Promise.all([
        import('../../../core/flow/load'),
        import('../../../core/document/parse'),
        import('../../../core/engine'),
        import('../../../core/runner/mocks'),
        import('../../../core/runner/duration'),
        import('../../../core/workspace/discover'),
        import('../../../core/runner/plugins'),
      ])
      const { compileFlow, Engine, FakeClock } = engineModule
      let compiled
      let info: FlowPluginInfo
      try {
        const loaded = await loadFlowFile(resolve(flowArg), flowArg)
        compiled = compileFlow(loaded.document)
        info = flowPluginInfo(loaded.document)
      } catch (err) {
        if (err instanceof DocumentParseError) throw new UsageError(err.message)
        throw new UsageError(`${flowArg}: ${err instanceof Error ? err.message : String(err)}`)
      }
      let mocks: Mocks = {}
      if (options.mocks !== undefined) {
        const { readFile } = await import('node:fs/promises')
        let text: string
        try {
          text = await readFile(resolve(options.mocks), 'utf8')
        } catch {
          throw new UsageError(`cannot read the mocks file ${options.mocks}`)
        }
        try {
          const value = parseDocumentText(text, options.mocks).value as { mocks?: Mocks } & Mocks
          mocks = value.mocks ?? value
        } catch (err) {
          throw new UsageError(err instanceof Error ? err.message : String(err))
        }
      }
      let profile: Record<string, unknown> | undefined
      if (options.profile !== undefined) {
        try {
          profile = JSON.parse(options.profile) as Record<string, unknown>
        } catch {
          profile = undefined
        }
        if (!profile || typeof profile !== 'object' || Array.isArray(profile)) throw new UsageError('--profile takes a JSON object, e.g. \'{"returning_user": true}\'')
      }
      const { mergeMocks } = await import('../../../core/runner/plan')
      const resolved = mergeMocks(mocks, undefined)
      const spec = pluginSpec(findWorkspaceRoot(resolve(flowArg)), options)
      const plugins = await loadFlowPlugins(info, resolved, spec, isMocked)

      // Integration calls nobody mocks (and no plugin serves) fail as a missing provider would, so the flow's error paths show.
      const newConversation = () => {
        const clock = new FakeClock(Date.now())
        const mocked = new mocksModule.MockIntegrations(resolved.integrations, 'fail')
        const providers = plugins ? withPlugins(plugins, compiled.integrations, info, resolved, mocked, clock, isMocked) : undefined
        const engine = new Engine(compiled, {
          integrations: providers?.integrations ?? mocked,
          nlu: new mocksModule.SnapshotNlu(resolved.nlu, false, providers?.nlu),
          seed: 0,
        })
        return engine.createConversation({
          ...(options.userId !== undefined ? { user_id: options.userId } : {}),
          ...(profile ? { user_profile: profile } : {}),
          // Generated replies and plugin summaries come from the plugins as they stand (they have no mocks).
          ...(plugins ? { generators: plugins.set.generators, summarizer: plugins.set.summarizers } : {}),
          clock,
        })
      }

      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !options.json
      const color = interactive && !process.env.NO_COLOR
      const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
      const out = (s: string) => process.stdout.write(`${s}\n`)
      const print = (turn: TurnResult) => {
        if (options.json) {
          out(JSON.stringify(turn))
          return
        }
        if (turn.expired) out(paint('2', '(the session had expired: it started again)'))
        for (const r of turn.replies) out(`${paint('36', 'bot>')} ${r.text}`)
        for (const e of turn.errors) out(paint('31', `error> ${e.code}: ${e.message}`))
        const detail = interactive && turn.intent !== null ? paint('2', ` intent ${turn.intent} (${(turn.confidence ?? 0).toFixed(2)})`) : ''
        out(`${paint('2', `[${turn.state}]`)}${detail}`)
        if (interactive && turn.ended) out(paint('2', '-- the conversation has ended; /restart to begin again'))
      }

      let conversation = newConversation()
      let last = await conversation.start()
      print(last)
      const rl = createInterface({ input: process.stdin, ...(interactive ? { output: process.stdout, prompt: `${paint('33', 'you>')} ` } : {}), terminal: interactive })
      if (interactive) {
        out(paint('2', 'Type /help for commands.'))
        rl.prompt()
      }
      for await (const raw of rl) {
        const line = raw.replace(/\r$/, '')
        const cmd = parseChatLine(line, interactive, parseDuration)
        if (cmd === undefined) {
          if (interactive) rl.prompt()
          continue
        }
        if (cmd.kind === 'quit') break
        switch (cmd.kind) {
          case 'help': out(HELP); break
          case 'invalid': out(paint('31', cmd.message)); break
          case 'state':
            out(JSON.stringify({ state: last.state, intent: last.intent, slots: last.slots, variables: last.variables, missing_slots: last.missing_slots, workflow: last.workflow ?? null }, null, 2))
            break
          case 'restart':
            conversation = newConversation()
            last = await conversation.start()
            print(last)
            break
          case 'message': last = await conversation.send({ type: 'message', text: cmd.text }); print(last); break
          case 'approve': last = await conversation.send({ type: 'approve' }); print(last); break
          case 'reject': last = await conversation.send({ type: 'reject' }); print(last); break
          case 'wait': last = await conversation.wait(cmd.ms); print(last); break
        }
        if (interactive) rl.prompt()
      }
      rl.close()
      setExitCode(0)
    })
}

type IsMocked = (mocks: ResolvedMocks, id: string) => boolean

interface FlowPlugins {
  set: PluginSet
  withMocks: typeof withMocks
}

/**
 * The plugins, loaded only when the flow can reach one (an integration without a mock, an NLU
 * plugin in settings.nlu), so a fully mocked flow starts as fast as ever. Broken plugins are
 * named on stderr, once.
 */
async function loadFlowPlugins(info: FlowPluginInfo, mocks: ResolvedMocks, spec: PluginLoadSpec, isMocked: IsMocked): Promise<FlowPlugins | undefined> {
  const needsPlugins = info.nlu !== undefined || info.summarizer !== undefined || info.generators.length > 0 || info.integrations.some((id) => !isMocked(mocks, id))
  if (!needsPlugins) return undefined
  const { loadPluginsCached, pluginProblems, withMocks: mocksFirst } = await import('../../../core/plugins')
  const set = await loadPluginsCached(spec)
  for (const line of pluginProblems(set.plugins)) process.stderr.write(`flowbench: warning: ${line}\n`)
  return { set, withMocks: mocksFirst }
}

/**
 * A conversation's providers: mocks first, then the plugins. An integration whose plugin cannot
 * run (disabled by --no-plugins, broken) fails with the loader's reason instead of a bare
 * "no provider". The NLU plugin's calls hold the fake clock still while they run.
 */
function withPlugins(
  plugins: FlowPlugins,
  section: Readonly<Record<string, unknown>>,
  info: FlowPluginInfo,
  mocks: ResolvedMocks,
  mocked: IntegrationProvider,
  clock: FakeClock,
  isMocked: IsMocked,
): { integrations: IntegrationProvider; nlu: NluProvider | undefined } {
  const served = plugins.set.integrations.forFlow(section)
  const both = plugins.withMocks((id) => isMocked(mocks, id), mocked, served)
  const integrations: IntegrationProvider = {
    has: (id) => both.has(id) || plugins.set.integrations.unavailable(id) !== undefined,
    call: (id, req, ctx) => (both.has(id) ? both.call(id, req, ctx) : served.call(id, req, ctx)),
    defaults: (id) => both.defaults?.(id),
    realtime: (id) => both.realtime?.(id) === true,
  }
  if (info.nlu === undefined) return { integrations, nlu: undefined }
  const provider = plugins.set.nlu.select(info.nlu)
  return { integrations, nlu: { classify: (text, ctx) => clock.holdWhile(provider.classify(text, ctx)) } }
}

/**
 * A line of input as a chat command. Piped input treats only the known commands as commands
 * (so a message may start with "/"); blank lines are skipped (undefined).
 */
function parseChatLine(line: string, interactive: boolean, parseDuration: (text: string) => number | undefined): ChatCommand | undefined {
  const trimmed = line.trim()
  if (!trimmed) return undefined
  const m = /^\/(\w+)(?:\s+(.*))?$/.exec(trimmed)
  if (!m) return { kind: 'message', text: line }
  const [, name, arg] = m
  switch (name) {
    case 'approve': case 'reject': case 'restart': case 'quit': case 'help': case 'state':
      if (!interactive && (name === 'help' || name === 'state')) return { kind: 'message', text: line }
      return { kind: name }
    case 'exit':
      return { kind: 'quit' }
    case 'wait': {
      const ms = arg === undefined ? undefined : parseDuration(arg)
      return ms === undefined ? { kind: 'invalid', message: '/wait takes a duration: <n>ms, <n>s, <n>m or <n>h (e.g. /wait 30s)' } : { kind: 'wait', ms }
    }
    default:
      return interactive ? { kind: 'invalid', message: `unknown command /${name} (type /help)` } : { kind: 'message', text: line }
  }
}
