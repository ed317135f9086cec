// NLU evaluation (`flowbench nlu`, the NLU view's evaluate): wall time of a dataset evaluation
// and of 5-fold cross-validation on the sample support flow, and of a synthetic 10 000-utterance
// dataset — the figure behind evaluating inline in the core rather than on a worker. Best of a few runs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FlowDocument } from '../../src-main/common/flow-schema'
import { loadFlowText } from '../../src-main/core/flow/load'
import { crossValidate, evaluateDataset, loadDatasetFile, nluTarget, parseDataset } from '../../src-main/core/nlu-eval'

const ROOT = process.env.FLOWBENCH_ROOT ?? process.cwd()
const RUNS = 5

async function best(work: () => Promise<unknown>): Promise<number> {
  let ms = Infinity
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now()
    await work()
    ms = Math.min(ms, performance.now() - started)
  }
  return Math.round(ms * 10) / 10
}

/** Utterances made of the flow's words, with random intents: realistic lengths, worst-case confusion. */
function syntheticCsv(n: number): string {
  const words = 'I want to report a problem my account is locked can you help me talk to a human bye thanks yes no the app keeps crashing hello please agent'.split(' ')
  const intents = ['greet', 'help', 'report_issue', 'talk_to_human', 'goodbye', 'affirm', 'deny', 'none']
  let seed = 7
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
  const rows = ['text,intent']
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(rand() * 8)
    rows.push(`${Array.from({ length: len }, () => words[Math.floor(rand() * words.length)]).join(' ')},${intents[Math.floor(rand() * intents.length)]}`)
  }
  return `${rows.join('\n')}\n`
}

export default async function bench(): Promise<Record<string, number | string>> {
  const flowFile = join(ROOT, 'resources/samples/flows/support.flow.yaml')
  const document = loadFlowText(readFileSync(flowFile, 'utf8'), 'flows/support.flow.yaml').document as FlowDocument
  const target = nluTarget('flows/support.flow.yaml', document, null)
  const dataset = await loadDatasetFile(join(ROOT, 'resources/samples/datasets/support.nlu.yaml'), 'datasets/support.nlu.yaml')
  const big = parseDataset(syntheticCsv(10_000), 'synthetic.nlu.csv')
  return {
    [`sample dataset (${dataset.utterances.length} utterances): ms`]: await best(() => evaluateDataset(target, dataset)),
    'sample flow, 5-fold cross-validation: ms': await best(() => crossValidate(target, { folds: 5, seed: 1 })),
    'synthetic 10 000 utterances: parse CSV ms': await best(async () => parseDataset(syntheticCsv(10_000), 'synthetic.nlu.csv')),
    'synthetic 10 000 utterances: evaluate ms': await best(() => evaluateDataset(target, big)),
  }
}
