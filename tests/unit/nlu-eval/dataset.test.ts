// Dataset parsing: YAML and CSV utterances, and every kind of mistake reported with its line
// (and column) and what to do.
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { NluDatasetError, formatNotice, loadDatasetFile, parseDataset } from '../../../src-main/core/nlu-eval'

function problems(text: string, file: string): string[] {
  try {
    parseDataset(text, file)
  } catch (err) {
    if (err instanceof NluDatasetError) return err.problems.map(formatNotice)
    throw err
  }
  throw new Error('expected the dataset to be refused')
}

describe('YAML datasets', () => {
  it('reads utterances with intents, entities, the flow and the name', () => {
    const d = parseDataset(
      ['name: Sample', 'flow: flows/a.flow.yaml', 'utterances:', '  - { text: hi, intent: greet }', '  - text: mail me at a@b.co', '    intent: none', '    entities: { email: a@b.co, n: 5 }'].join('\n'),
      'd.nlu.yaml',
    )
    expect(d.name).toBe('Sample')
    expect(d.flow).toBe('flows/a.flow.yaml')
    expect(d.utterances).toEqual([
      { text: 'hi', intent: 'greet', entities: null, line: 4 },
      { text: 'mail me at a@b.co', intent: 'none', entities: { email: 'a@b.co', n: '5' }, line: 5 },
    ])
  })

  it('names file:line:col for each bad utterance, all at once', () => {
    expect(problems(['utterances:', '  - { text: "", intent: greet }', '  - { text: hi }', '  - { text: yo, intent: greet, entity: {} }', '  - { text: x, intent: a, entities: [1] }'].join('\n'), 'd.nlu.yaml')).toEqual([
      'd.nlu.yaml:2:13 `text` must be a non-empty string',
      'd.nlu.yaml:3:5 the utterance has no `intent` (write none for one that should fall back)',
      'd.nlu.yaml:4:32 unknown key "entity" (an utterance has text, intent and entities)',
      'd.nlu.yaml:5:37 `entities` must be a mapping of entity name to value, e.g. { email: ana@example.com }',
    ])
  })

  it('reports a syntax error and a missing utterances list with positions', () => {
    expect(problems('utterances:\n  - { text: hi, intent: greet\n', 'd.nlu.yaml')[0]).toMatch(/^d\.nlu\.yaml:\d+:\d+ /)
    expect(problems('name: x\n', 'd.nlu.yaml')).toEqual(['d.nlu.yaml:1:1 `utterances` must be a list of { text, intent, entities? }'])
    expect(problems('utterances: []\n', 'd.nlu.yaml')).toEqual(['d.nlu.yaml:1:1 the dataset has no utterances: add at least one { text, intent }'])
  })

  it('warns about repeated and contradictory utterances', () => {
    const d = parseDataset('utterances:\n  - { text: hi, intent: greet }\n  - { text: Hi, intent: greet }\n  - { text: hi, intent: bye }\n', 'd.nlu.yaml')
    expect(d.notices.map(formatNotice)).toEqual([
      'd.nlu.yaml:3:1 warning: "Hi" repeats line 2: it is counted twice (remove one)',
      'd.nlu.yaml:4:1 warning: "hi" is expected as bye here and as greet on line 2: one of them is always wrong (decide which intent it is)',
    ])
  })
})

describe('CSV datasets', () => {
  it('reads text,intent[,entities] with quoted commas, multi-line fields and name=value entities', () => {
    const d = parseDataset('text,intent,entities\n"hi, there",greet,\n"two\nlines",help,\nmail a@b.co,none,email=a@b.co; n = 5\n', 'x.nlu.csv')
    expect(d.name).toBe('x')
    expect(d.utterances).toEqual([
      { text: 'hi, there', intent: 'greet', entities: null, line: 2 },
      { text: 'two\nlines', intent: 'help', entities: null, line: 3 },
      { text: 'mail a@b.co', intent: 'none', entities: { email: 'a@b.co', n: '5' }, line: 5 },
    ])
  })

  it('names the line of bad quoting and of a row with too many fields', () => {
    expect(problems('text,intent\n"hi,greet\nyo,greet\n', 'x.nlu.csv')).toEqual(['x.nlu.csv:3:1 a quoted field is never closed: add the closing "'])
    expect(problems('text,intent\nhi, there,greet\n', 'x.nlu.csv')).toEqual(['x.nlu.csv:2:1 this row has a different number of fields than the header: quote a text that contains a comma'])
    expect(problems('text,intent\nsay "hi",greet\n', 'x.nlu.csv')[0]).toMatch(/^x\.nlu\.csv:2:1 a quote inside an unquoted field/)
  })

  it('checks the header: duplicates, unknown and missing columns', () => {
    expect(problems('text,intent,text\nhi,greet,hi\n', 'x.nlu.csv')).toEqual(['x.nlu.csv:1:3 the header names "text" twice: keep one'])
    expect(problems('text,label\nhi,greet\n', 'x.nlu.csv')).toEqual(['x.nlu.csv:1:2 unknown column "label" in the header (the columns are text, intent and, optionally, entities)'])
    expect(problems('text\nhi\n', 'x.nlu.csv')).toEqual(['x.nlu.csv:1:1 the header has no "intent" column (expected text,intent[,entities])'])
    expect(problems('', 'x.nlu.csv')).toEqual(['x.nlu.csv:1:1 the file is empty: start with the header row text,intent[,entities]'])
  })

  it('refuses empty text, empty intents and malformed entities, naming line and column', () => {
    expect(problems('text,intent,entities\n ,greet,\nhi,,\nyo,greet,email\n', 'x.nlu.csv')).toEqual([
      'x.nlu.csv:2:1 empty text: write the utterance (or remove the row)',
      'x.nlu.csv:3:2 empty intent: write the intent this utterance should get (none for one that should fall back)',
      'x.nlu.csv:4:3 entities "email" is not name=value (write name=value;name=value)',
    ])
  })
})

describe('the sample datasets', () => {
  it('parse without problems', async () => {
    const root = join(__dirname, '../../../resources/samples/datasets')
    const yaml = await loadDatasetFile(join(root, 'support.nlu.yaml'), 'datasets/support.nlu.yaml')
    const csv = await loadDatasetFile(join(root, 'support-handoff.nlu.csv'), 'datasets/support-handoff.nlu.csv')
    expect(yaml.utterances.length).toBeGreaterThanOrEqual(40)
    expect(yaml.notices).toEqual([])
    expect(yaml.flow).toBe('flows/support.flow.yaml')
    expect(csv.utterances.length).toBeGreaterThan(10)
    expect(csv.notices).toEqual([])
  })

  it('a missing file is an error naming it', async () => {
    await expect(loadDatasetFile('/nonexistent/x.nlu.yaml', 'x.nlu.yaml')).rejects.toThrow('x.nlu.yaml cannot read the dataset: no such file')
  })
})

describe('the shipped JSON Schema', () => {
  it('is the TypeBox definition, and accepts the sample dataset but not an utterance without intent', async () => {
    const { default: Ajv } = await import('ajv')
    const { parse } = await import('yaml')
    const { readFileSync } = await import('node:fs')
    const { NluDatasetSchema } = await import('../../../src-main/common/nlu-dataset-schema')
    const repo = join(__dirname, '../../..')
    const shipped = JSON.parse(readFileSync(join(repo, 'resources/schema/nlu-dataset.schema.json'), 'utf8')) as Record<string, unknown>
    const { $schema: _s, $id: _i, ...rest } = shipped
    expect(rest).toEqual(JSON.parse(JSON.stringify(NluDatasetSchema)))
    const validate = new Ajv({ strict: false }).compile(shipped)
    expect(validate(parse(readFileSync(join(repo, 'resources/samples/datasets/support.nlu.yaml'), 'utf8')))).toBe(true)
    expect(validate({ utterances: [{ text: 'hi' }] })).toBe(false)
  })
})
