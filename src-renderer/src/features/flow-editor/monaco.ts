// The only place Monaco is loaded and configured: workers, the YAML/JSON language services with
// the shipped flow/test schemas, the workbench's editor themes, and the flow's state-name providers.
import * as monaco from 'monaco-editor/editor'
import 'monaco-editor/features/register.all'
import 'monaco-editor/languages/definitions/yaml/register'
import { jsonDefaults } from 'monaco-editor/languages/features/json/register'
import EditorWorker from 'monaco-editor/editor/editor.worker?worker'
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker'
import { configureMonacoYaml, type JSONSchema } from 'monaco-yaml'
import YamlWorker from './yaml.worker?worker'
import type { JsonSchema } from '../../../../src-main/common/api'
import loadSchemaJson from '../../../../resources/schema/load.schema.json'

export { monaco }

declare global {
  // Monaco looks its workers up on the global object.
  var MonacoEnvironment: monaco.Environment | undefined
}

globalThis.MonacoEnvironment = {
  getWorker(_moduleId: string, label: string): Worker {
    if (label === 'json') return new JsonWorker()
    if (label === 'yaml') return new YamlWorker()
    return new EditorWorker()
  },
}

/** Models are addressed by workspace-relative path under this scheme-less root. */
const MODEL_ROOT = 'file:///workspace/'

export function modelUri(path: string): monaco.Uri {
  return monaco.Uri.parse(MODEL_ROOT + path.split('/').map(encodeURIComponent).join('/'))
}

export function pathOfModel(model: monaco.editor.ITextModel): string | null {
  const s = model.uri.toString(true)
  return s.startsWith(MODEL_ROOT) ? decodeURIComponent(s.slice(MODEL_ROOT.length)) : null
}

export const isFlowPath = (path: string): boolean => /\.flow\.(json|ya?ml)$/i.test(path)

const FLOW_SCHEMA_URI = 'flowbench://schema/flow.schema.json'
const TEST_SCHEMA_URI = 'flowbench://schema/test.schema.json'
const LOAD_SCHEMA_URI = 'flowbench://schema/load.schema.json'

let yaml: ReturnType<typeof configureMonacoYaml> | null = null

interface LegacyWorkerOptions {
  label?: string
  createData?: unknown
  host?: Record<string, (...args: unknown[]) => unknown>
  keepIdleModels?: boolean
}

/**
 * monaco-yaml 5 creates its worker through monaco-worker-manager with the pre-0.55
 * `createWebWorker({moduleId, label, createData})`; Monaco 0.57 takes `{worker}`. This does what
 * Monaco's own language services do now: get the worker from MonacoEnvironment, send it the
 * create data (after the start message it ignores), then hand it to `createWebWorker`.
 */
function legacyCreateWebWorker(opts: LegacyWorkerOptions): monaco.editor.MonacoWebWorker<object> {
  const worker = Promise.resolve(globalThis.MonacoEnvironment!.getWorker!('workerMain.js', opts.label ?? 'yaml')).then((w) => {
    w.postMessage('ignore')
    w.postMessage(opts.createData)
    return w
  })
  return monaco.editor.createWebWorker({ worker, host: opts.host, keepIdleModels: opts.keepIdleModels })
}

const monacoForYaml = { ...monaco, editor: { ...monaco.editor, createWebWorker: legacyCreateWebWorker } } as unknown as typeof monaco

/** Hands the shipped JSON Schemas to the YAML and JSON services (completion, hover, test validation). */
export function configureSchemas(flow: JsonSchema | null, test: JsonSchema | null): void {
  const schemas = [
    ...(flow ? [{ uri: FLOW_SCHEMA_URI, fileMatch: ['**/*.flow.yaml', '**/*.flow.yml', '**/*.flow.json'], schema: flow }] : []),
    ...(test ? [{ uri: TEST_SCHEMA_URI, fileMatch: ['**/*.test.yaml', '**/*.test.yml', '**/*.test.json'], schema: test }] : []),
    // Load scenarios: completion and hover from the generated schema, bundled with the renderer.
    { uri: LOAD_SCHEMA_URI, fileMatch: ['**/*.load.yaml', '**/*.load.yml', '**/*.load.json'], schema: loadSchemaJson as unknown as JsonSchema },
  ]
  jsonDefaults.setDiagnosticsOptions({ validate: true, allowComments: false, enableSchemaRequest: false, schemas })
  const options = {
    enableSchemaRequest: false,
    hover: true,
    completion: true,
    validate: true,
    format: { enable: true },
    schemas: schemas.map((s) => ({ ...s, schema: s.schema as unknown as JSONSchema })),
  }
  if (yaml) void yaml.update(options)
  else yaml = configureMonacoYaml(monacoForYaml, options)
}

/** Owner of the engine's markers on flow models. */
export const ENGINE_MARKER_OWNER = 'flowbench'

let markerFilterInstalled = false
/**
 * Flow files are validated by the engine (same messages and positions as `flowbench lint`); the
 * YAML/JSON services would report the same schema problems a second time in other words, so
 * their markers are dropped on flow models. Test files keep them: the schema is their validator.
 */
export function installFlowMarkerFilter(): void {
  if (markerFilterInstalled) return
  markerFilterInstalled = true
  monaco.editor.onDidChangeMarkers((uris) => {
    for (const uri of uris) {
      const model = monaco.editor.getModel(uri)
      const path = model && pathOfModel(model)
      if (!model || !path || !isFlowPath(path)) continue
      for (const owner of ['yaml', 'json']) {
        if (monaco.editor.getModelMarkers({ resource: uri, owner }).length) monaco.editor.setModelMarkers(model, owner, [])
      }
    }
  })
}

let themesDefined = false
export function defineThemes(): void {
  if (themesDefined) return
  themesDefined = true
  monaco.editor.defineTheme('flowbench-light', {
    base: 'vs',
    inherit: true,
    rules: [],
    colors: {
      'editor.background': '#ffffff',
      'editorLineNumber.foreground': '#9aa3ad',
      'editorLineNumber.activeForeground': '#1f2328',
      'editor.lineHighlightBackground': '#f3f5f8',
      'editorGutter.background': '#ffffff',
    },
  })
  monaco.editor.defineTheme('flowbench-dark', {
    base: 'vs-dark',
    inherit: true,
    rules: [],
    colors: {
      'editor.background': '#1e2024',
      'editorLineNumber.foreground': '#5c636d',
      'editorLineNumber.activeForeground': '#c9d1d9',
      'editor.lineHighlightBackground': '#25282d',
      'editorGutter.background': '#1e2024',
    },
  })
}
