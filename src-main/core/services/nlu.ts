// The `nlu` service (see src-main/common/api-nlu.ts): the workspace's NLU datasets, evaluation
// (dataset or cross-validation), "try an utterance" and comparison, through the same
// nlu-eval code as `flowbench nlu`. The flow's NLU plugin loads per the workspace's trust.
import { readFile } from 'node:fs/promises'
import { ApiError, type NluClassification, type NluDatasetInfo, type NluFlowInfo, type NluService } from '../../common/api'
import { isRecord } from '../../common/record'
import { DocumentParseError } from '../document/parse'
import { compileFlow } from '../engine'
import { isSlashedPattern } from '../engine/pattern'
import { FlowLoadError, loadFlowText } from '../flow/load'
import {
  NluDatasetError,
  NluEvaluationError,
  classifyUtterance,
  compareReports,
  crossValidate,
  evaluateDataset,
  formatNotice,
  loadDatasetFile,
  nluPluginId,
  targetFor,
  type NluDataset,
  type NluTarget,
} from '../nlu-eval'
import type { FeatureService, ServiceContext } from './context'
import { listWorkspaceFiles } from './files'
import { toWorkspacePath } from './paths'

const MAX_UTTERANCE = 2000

export function createNluService(ctx: ServiceContext): FeatureService<NluService> {
  const { workspace } = ctx

  const loadTarget = async (path: unknown): Promise<NluTarget> => {
    const abs = workspace.resolve(path)
    const flow = toWorkspacePath(workspace.current().root, abs)
    let text: string
    try {
      text = await readFile(abs, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('not_found', `${flow} does not exist`)
      throw err
    }
    try {
      return await targetFor(flow, loadFlowText(text, flow).document, () => ctx.plugins().catch(() => null))
    } catch (err) {
      if (err instanceof FlowLoadError || err instanceof DocumentParseError) {
        throw new ApiError('invalid_flow', `${flow} does not load: fix its problems first`, {
          problems: err.problems.map((p) => ({ line: p.line ?? 1, column: p.column ?? 1, path: p.path ?? '', message: p.message })),
        })
      }
      if (err instanceof NluEvaluationError) throw new ApiError('bad_request', err.message)
      throw err
    }
  }

  const loadDataset = async (path: unknown): Promise<NluDataset> => {
    const abs = workspace.resolve(path)
    const file = toWorkspacePath(workspace.current().root, abs)
    try {
      return await loadDatasetFile(abs, file)
    } catch (err) {
      if (err instanceof NluDatasetError) {
        const first = err.problems[0]
        throw new ApiError(/no such file/.test(first?.message ?? '') ? 'not_found' : 'bad_request', `${err.problems.map(formatNotice).join('\n')}`, {
          problems: err.problems.map((p) => ({ line: p.line ?? 1, column: p.column ?? 1, path: '', message: p.message })),
        })
      }
      throw err
    }
  }

  const options = (request: Record<string, unknown>): { folds?: number; seed?: number } => {
    const out: { folds?: number; seed?: number } = {}
    for (const key of ['folds', 'seed'] as const) {
      const v = request[key]
      if (v === undefined || v === null) continue
      if (typeof v !== 'number' || !Number.isInteger(v) || (key === 'folds' && v < 2)) {
        throw new ApiError('bad_request', key === 'folds' ? 'folds must be a whole number of at least 2' : 'seed must be a whole number')
      }
      out[key] = v
    }
    return out
  }

  const run = async (flow: unknown, dataset: unknown, request: Record<string, unknown>) => {
    const target = await loadTarget(flow)
    try {
      if (dataset === undefined || dataset === null || dataset === '') return await crossValidate(target, options(request))
      return await evaluateDataset(target, await loadDataset(dataset))
    } catch (err) {
      if (err instanceof NluEvaluationError) throw new ApiError('bad_request', err.message)
      throw err
    }
  }

  const request = (value: unknown, what: string): Record<string, unknown> => {
    if (!isRecord(value)) throw new ApiError('bad_request', `${what} takes an object`)
    return value
  }

  const service: NluService = {
    async flows() {
      const root = workspace.current().root
      const files = (await listWorkspaceFiles(root)).filter((f) => f.kind === 'flow')
      const out: NluFlowInfo[] = []
      for (const f of files) {
        try {
          const { document } = loadFlowText(await readFile(workspace.resolve(f.path), 'utf8'), f.path)
          const compiled = compileFlow(document)
          const intents = isRecord(document.intents) ? document.intents : {}
          const examples = Object.values(intents).reduce<number>((n, list) => n + (Array.isArray(list) ? list.filter((e) => typeof e === 'string' && !isSlashedPattern(e) && e.trim() !== '').length : 0), 0)
          out.push({ path: f.path, name: compiled.name, intents: compiled.nlu.declaredNames().length, examples, nlu: nluPluginId(document) ?? 'built-in', threshold: compiled.threshold, problem: null })
        } catch (err) {
          const problem = err instanceof DocumentParseError ? (err.problems[0] ? `${err.problems[0].line ?? 1}:${err.problems[0].column ?? 1} ${err.problems[0].message}` : err.message) : err instanceof Error ? err.message : String(err)
          out.push({ path: f.path, name: f.path.split('/').pop()!, intents: 0, examples: 0, nlu: 'built-in', threshold: 0.7, problem: `does not load: ${problem.split('\n')[0]}` })
        }
      }
      return out
    },

    async datasets() {
      const root = workspace.current().root
      const files = (await listWorkspaceFiles(root)).filter((f) => f.kind === 'dataset' && /\.nlu\.(ya?ml|csv)$/i.test(f.path))
      const out: NluDatasetInfo[] = []
      for (const f of files) {
        try {
          const d = await loadDatasetFile(workspace.resolve(f.path), f.path)
          out.push({ path: f.path, name: d.name, flow: d.flow, utterances: d.utterances.length, problem: null })
        } catch (err) {
          const problem = err instanceof NluDatasetError ? formatNotice(err.problems[0]!) : err instanceof Error ? err.message : String(err)
          out.push({ path: f.path, name: f.path.split('/').pop()!, flow: null, utterances: null, problem })
        }
      }
      return out
    },

    async evaluate(req) {
      const r = request(req, 'evaluate')
      return run(r['flow'], r['dataset'], r)
    },

    async classify(flow, text): Promise<NluClassification> {
      if (typeof text !== 'string' || text.trim() === '') throw new ApiError('bad_request', 'type an utterance to classify')
      if (text.length > MAX_UTTERANCE) throw new ApiError('bad_request', `an utterance of at most ${MAX_UTTERANCE} characters`)
      return classifyUtterance(await loadTarget(flow), text)
    },

    async compare(req) {
      const r = request(req, 'compare')
      const a = await run(r['flowA'], r['dataset'], r)
      const b = await run(r['flowB'] ?? r['flowA'], r['datasetB'] ?? r['dataset'], r)
      return compareReports(a, b)
    },
  }
  return { service }
}
