// NLU evaluation: datasets, cross-validation, metrics and reports over the engine's own NLU
// (docs/nlu-evaluation.md). The CLI (`flowbench nlu`) and the `nlu` service both start here.
import type { FlowDocument } from '../../common/flow-schema'
import { loadFlowFile } from '../flow/load'
import type { PluginSet } from '../plugins'
import { nluTarget, type NluTarget } from './evaluate'

export { NluDatasetError, formatNotice, isDatasetPath, loadDatasetFile, parseDataset } from './dataset'
export type { DatasetUtterance, NluDataset } from './dataset'
export { NluEvaluationError, classifyUtterance, compareReports, crossValidate, evaluateDataset, isNluReport, nluTarget } from './evaluate'
export type { NluTarget } from './evaluate'
export { DEFAULT_FOLDS, DEFAULT_SEED } from './folds'
export { formatNluComparison, formatNluReport } from './console'
export { renderNluHtml, renderNluSection } from './html'

/** The NLU plugin id a flow's settings.nlu names, if any. */
export function nluPluginId(document: FlowDocument): string | null {
  const settings = document.settings as Record<string, unknown> | undefined
  return settings !== undefined && settings !== null && typeof settings['nlu'] === 'string' && settings['nlu'] !== '' ? settings['nlu'] : null
}

/**
 * Loads a flow file and its NLU. `plugins` is asked only when the flow names an NLU plugin.
 * Throws FlowLoadError (file:line:col) for a flow that does not load, NluEvaluationError for one
 * without intents.
 */
export async function loadNluTarget(absPath: string, display: string, plugins: () => Promise<PluginSet | null>): Promise<NluTarget> {
  const { document } = await loadFlowFile(absPath, display)
  return targetFor(display, document, plugins)
}

/** The target for a loaded document (the plugin provider looked up when settings.nlu names one). */
export async function targetFor(display: string, document: FlowDocument, plugins: () => Promise<PluginSet | null>): Promise<NluTarget> {
  const id = nluPluginId(document)
  if (id === null) return nluTarget(display, document, null)
  const set = await plugins()
  const provider = set?.nlu.select(id) ?? { classify: () => Promise.reject(new Error(`no NLU plugin "${id}" is loaded (settings.nlu)`)) }
  return nluTarget(display, document, provider)
}
