// NLU datasets: utterances with the intent (and entities) they should get, read from YAML
// (*.nlu.yaml) or CSV (*.nlu.csv). Every problem names file, line (and column where known) and
// what to do; all problems of a file are reported together (docs/nlu-evaluation.md, "Datasets").
import { readFile } from 'node:fs/promises'
import { parse as parseCsv } from 'csv-parse/sync'
import { NO_INTENT, type NluNotice } from '../../common/api-nlu'
import { isRecord } from '../../common/record'
import { DocumentParseError, parseDocumentText, type ParsedDocument, type PathSegment } from '../document/parse'

export interface DatasetUtterance {
  text: string
  /** The expected intent, NO_INTENT for an utterance that should fall back. */
  intent: string
  /** Expected entities as text, or null when the utterance does not say (then entities are not scored). */
  entities: Record<string, string> | null
  /** 1-based line in the file. */
  line: number
}

export interface NluDataset {
  file: string
  name: string
  /** `flow:` of a YAML dataset (as written), else null. */
  flow: string | null
  utterances: DatasetUtterance[]
  /** Warnings (duplicates); errors throw NluDatasetError instead. */
  notices: NluNotice[]
}

/** A dataset that cannot be used; `problems` lists every error with its position. */
export class NluDatasetError extends Error {
  override name = 'NluDatasetError'
  constructor(readonly problems: NluNotice[]) {
    super(problems.map(formatNotice).join('\n'))
  }
}

/** `file:line:col message` (the form every Flowbench command uses). */
export function formatNotice(n: NluNotice): string {
  const where = n.file === undefined ? '' : n.line === undefined ? `${n.file} ` : `${n.file}:${n.line}:${n.column ?? 1} `
  return `${where}${n.severity === 'warning' ? 'warning: ' : ''}${n.message}`
}

/** Whether a path names an NLU dataset: *.nlu.yaml, *.nlu.yml or *.nlu.csv. */
export function isDatasetPath(path: string): boolean {
  return /\.nlu\.(ya?ml|csv)$/i.test(path)
}

const YAML_ROOT_KEYS = new Set(['name', 'flow', 'description', 'utterances'])
const YAML_ITEM_KEYS = new Set(['text', 'intent', 'entities'])
const CSV_COLUMNS = ['text', 'intent', 'entities'] as const

/** Reads and parses a dataset file; `file` is how messages name it. */
export async function loadDatasetFile(absPath: string, file: string): Promise<NluDataset> {
  let text: string
  try {
    text = await readFile(absPath, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message
    throw new NluDatasetError([{ severity: 'error', file, message: `cannot read the dataset: ${reason}` }])
  }
  return parseDataset(text, file)
}

/** Parses dataset text; CSV when the name ends in .csv, else YAML (or JSON). */
export function parseDataset(text: string, file: string): NluDataset {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return /\.csv$/i.test(file) ? parseCsvDataset(body, file) : parseYamlDataset(body, file)
}

function finish(file: string, name: string, flow: string | null, utterances: DatasetUtterance[], errors: NluNotice[]): NluDataset {
  if (errors.length === 0 && utterances.length === 0) errors.push({ severity: 'error', file, line: 1, message: 'the dataset has no utterances: add at least one { text, intent }' })
  if (errors.length > 0) throw new NluDatasetError(errors)
  return { file, name, flow, utterances, notices: duplicates(file, utterances) }
}

/** The same text twice: a warning (counted twice), or a contradiction when the intents differ. */
function duplicates(file: string, utterances: readonly DatasetUtterance[]): NluNotice[] {
  const seen = new Map<string, DatasetUtterance>()
  const out: NluNotice[] = []
  for (const u of utterances) {
    const key = u.text.trim().toLowerCase()
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, u)
      continue
    }
    out.push({
      severity: 'warning',
      file,
      line: u.line,
      message:
        first.intent === u.intent
          ? `"${u.text}" repeats line ${first.line}: it is counted twice (remove one)`
          : `"${u.text}" is expected as ${u.intent} here and as ${first.intent} on line ${first.line}: one of them is always wrong (decide which intent it is)`,
    })
  }
  return out
}

// ---- YAML ------------------------------------------------------------------------------------

function parseYamlDataset(text: string, file: string): NluDataset {
  let parsed: ParsedDocument
  try {
    parsed = parseDocumentText(text, file)
  } catch (err) {
    if (err instanceof DocumentParseError) {
      throw new NluDatasetError(err.problems.map((p) => ({ severity: 'error', file, ...(p.line !== undefined ? { line: p.line, column: p.column ?? 1 } : {}), message: p.message })))
    }
    throw err
  }
  const errors: NluNotice[] = []
  const at = (path: PathSegment[], message: string, key = false): void => {
    const pos = key ? parsed.locateKey(path) : parsed.locate(path)
    errors.push({ severity: 'error', file, ...(pos ? { line: pos.line, column: pos.column } : {}), message })
  }
  const doc = parsed.value
  if (!isRecord(doc)) {
    at([], 'a dataset is a mapping with `utterances:` (a list of { text, intent, entities? })')
    throw new NluDatasetError(errors)
  }
  for (const key of Object.keys(doc)) if (!YAML_ROOT_KEYS.has(key)) at([key], `unknown key "${key}" (a dataset has name, flow, description and utterances)`, true)
  const name = typeof doc['name'] === 'string' && doc['name'].trim() !== '' ? doc['name'] : baseName(file)
  if (doc['name'] !== undefined && typeof doc['name'] !== 'string') at(['name'], '`name` must be a string')
  let flow: string | null = null
  if (doc['flow'] !== undefined) {
    if (typeof doc['flow'] === 'string' && doc['flow'].trim() !== '') flow = doc['flow']
    else at(['flow'], '`flow` must be the path of a flow file, e.g. flows/support.flow.yaml')
  }
  const list = doc['utterances']
  if (!Array.isArray(list)) {
    at(list === undefined ? [] : ['utterances'], '`utterances` must be a list of { text, intent, entities? }', list === undefined)
    throw new NluDatasetError(errors)
  }
  const utterances: DatasetUtterance[] = []
  list.forEach((item, i) => {
    const path: PathSegment[] = ['utterances', i]
    const line = parsed.locate(path)?.line ?? 1
    if (!isRecord(item)) {
      at(path, 'an utterance is a mapping { text, intent, entities? }')
      return
    }
    let ok = true
    for (const key of Object.keys(item)) {
      if (!YAML_ITEM_KEYS.has(key)) {
        at([...path, key], `unknown key "${key}" (an utterance has text, intent and entities)`, true)
        ok = false
      }
    }
    const t = item['text']
    if (typeof t !== 'string' || t.trim() === '') {
      at(t === undefined ? path : [...path, 'text'], t === undefined ? 'the utterance has no `text`' : '`text` must be a non-empty string')
      ok = false
    }
    const intent = item['intent']
    if (typeof intent !== 'string' || intent.trim() === '') {
      at(intent === undefined ? path : [...path, 'intent'], intent === undefined ? `the utterance has no \`intent\` (write ${NO_INTENT} for one that should fall back)` : `\`intent\` must be an intent name (or ${NO_INTENT})`)
      ok = false
    }
    let entities: Record<string, string> | null = null
    const raw = item['entities']
    if (raw !== undefined && raw !== null) {
      if (!isRecord(raw)) {
        at([...path, 'entities'], '`entities` must be a mapping of entity name to value, e.g. { email: ana@example.com }')
        ok = false
      } else {
        entities = {}
        for (const [k, v] of Object.entries(raw)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') entities[k] = String(v)
          else {
            at([...path, 'entities', k], `the value of entity "${k}" must be a string or a number`)
            ok = false
          }
        }
      }
    }
    if (ok) utterances.push({ text: t as string, intent: (intent as string).trim(), entities, line })
  })
  return finish(file, name, flow, utterances, errors)
}

// ---- CSV -------------------------------------------------------------------------------------

interface CsvRow {
  record: string[]
  info: { lines: number }
  raw: string
}

const CSV_ERROR_HINTS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed: add the closing "',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field: quote the whole field and double the inner quote ("say ""hi""")',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote: double a quote inside a quoted field ("")',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'this row has a different number of fields than the header: quote a text that contains a comma',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'this row has a different number of fields than the header: quote a text that contains a comma',
}

function parseCsvDataset(text: string, file: string): NluDataset {
  let rows: CsvRow[]
  try {
    rows = parseCsv(text, { info: true, raw: true, skip_empty_lines: true, relax_column_count: false }) as unknown as CsvRow[]
  } catch (err) {
    const e = err as { code?: string; lines?: number; column?: number | string; message?: string }
    const hint = (e.code && CSV_ERROR_HINTS[e.code]) ?? `the CSV does not parse: ${String(e.message).replace(/^[^:]*:\s*/, '')}`
    throw new NluDatasetError([{ severity: 'error', file, ...(typeof e.lines === 'number' ? { line: e.lines } : {}), message: hint }])
  }
  const startLine = (row: CsvRow): number => row.info.lines - (row.raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0)
  const errors: NluNotice[] = []
  if (rows.length === 0) throw new NluDatasetError([{ severity: 'error', file, line: 1, message: 'the file is empty: start with the header row text,intent[,entities]' }])
  const header = rows[0]!
  const headerLine = startLine(header)
  const columns = header.record.map((c) => c.trim().toLowerCase())
  const index: Partial<Record<(typeof CSV_COLUMNS)[number], number>> = {}
  columns.forEach((c, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(c)) {
      errors.push({ severity: 'error', file, line: headerLine, column: i + 1, message: `unknown column "${header.record[i]}" in the header (the columns are text, intent and, optionally, entities)` })
      return
    }
    const key = c as (typeof CSV_COLUMNS)[number]
    if (index[key] !== undefined) errors.push({ severity: 'error', file, line: headerLine, column: i + 1, message: `the header names "${c}" twice: keep one` })
    else index[key] = i
  })
  for (const need of ['text', 'intent'] as const) {
    if (index[need] === undefined && !errors.some((e) => e.line === headerLine)) errors.push({ severity: 'error', file, line: headerLine, message: `the header has no "${need}" column (expected text,intent[,entities])` })
  }
  if (errors.length > 0) throw new NluDatasetError(errors)
  const utterances: DatasetUtterance[] = []
  for (const row of rows.slice(1)) {
    const line = startLine(row)
    const cell = (i: number | undefined) => (i === undefined ? '' : (row.record[i] ?? ''))
    const t = cell(index.text)
    const intent = cell(index.intent).trim()
    let ok = true
    if (t.trim() === '') {
      errors.push({ severity: 'error', file, line, column: index.text! + 1, message: 'empty text: write the utterance (or remove the row)' })
      ok = false
    }
    if (intent === '') {
      errors.push({ severity: 'error', file, line, column: index.intent! + 1, message: `empty intent: write the intent this utterance should get (${NO_INTENT} for one that should fall back)` })
      ok = false
    }
    let entities: Record<string, string> | null = null
    const rawEntities = cell(index.entities).trim()
    if (index.entities !== undefined && rawEntities !== '') {
      entities = {}
      for (const part of rawEntities.split(';')) {
        if (part.trim() === '') continue
        const eq = part.indexOf('=')
        const name = eq < 0 ? '' : part.slice(0, eq).trim()
        if (eq < 0 || name === '') {
          errors.push({ severity: 'error', file, line, column: index.entities + 1, message: `entities "${part.trim()}" is not name=value (write name=value;name=value)` })
          ok = false
          continue
        }
        entities[name] = part.slice(eq + 1).trim()
      }
    }
    if (ok) utterances.push({ text: t, intent, entities, line })
  }
  return finish(file, baseName(file), null, utterances, errors)
}

function baseName(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.nlu\.(ya?ml|csv)$/i, '')
}
