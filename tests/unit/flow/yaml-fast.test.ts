// The fast YAML reader must answer exactly what the full `yaml` parser answers, or step aside:
// it must never accept a document the full parser rejects, nor read one differently.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument, stringify, type ToStringOptions } from 'yaml'
import { parseYamlFast } from '../../../src-main/core/document/yaml-fast'
import { parseDocumentText } from '../../../src-main/core/document/parse'

/** What the full parser reads, or undefined when it reports an error. */
function fullParse(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false })
  if (doc.errors.length) return undefined
  try {
    return doc.toJS({ maxAliasCount: 1000 })
  } catch {
    return undefined // e.g. an alias without its anchor
  }
}

function agrees(text: string): boolean {
  const expected = fullParse(text)
  const fast = parseYamlFast(text)
  if (!fast) return true
  if (expected === undefined) return false
  expect(fast.value).toStrictEqual(expected)
  return true
}

const word = fc.constantFrom(
  'a', 'b', 'x y', 'true', 'False', 'null', '~', '1', '-1', '+2', '007', '0x1f', '0o17', '1.5', '.5', '1e3', '.inf', '-.Inf', '.nan',
  '', ' ', ':', ': ', '#', ' #', 'a#b', 'a: b', '-', '- x', '"', "'", '\\', '{', '}', '[', ']', ',', '|', '>', '&', '*', '!', '%', '@',
  '`', '?', 'é', '\n', '\n\n', 'x\n', ' x', 'x ', '---', '...', 'http://a.b', '10:30', '1_000', '\u2028', '\u00a0', '\t',
)
const text = fc.array(word, { maxLength: 4 }).map((a) => a.join(''))
const key = fc.oneof(text, fc.constantFrom('name', 'steps', 'expect', 'user', 'a b', 'k:v', '1', 'true', '<<', '__proto__'))
const leaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v
const document = fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 })
const styles = fc.record({
  indent: fc.constantFrom(2, 4),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
  minContentWidth: fc.constantFrom(0, 20),
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
  defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
  collectionStyle: fc.constantFrom('any', 'block', 'flow'),
  flowCollectionPadding: fc.boolean(),
}) as fc.Arbitrary<ToStringOptions>

/** Small edits that turn a valid document into an odd or invalid one. */
const mutation = fc.record({
  at: fc.nat(),
  insert: fc.constantFrom(' # note', '#', ' ', '  ', '\n', '\n  x: 1', '\n- y', ':', ': ', '- ', '"', "'", '[', '{', '}', ']', ',', '|', '>-', '\n#c\n', '\n  # c\n', '\n #c', '&a ', '*a', '!!str ', '? ', '\t', '---\n', '\\'),
  remove: fc.nat({ max: 2 }),
})

describe('parseYamlFast', () => {
  it('agrees with the full parser on generated documents in every style', () => {
    fc.assert(fc.property(document, styles, (doc, style) => agrees(stringify(doc, style))), { numRuns: 1000, seed: 42 })
  }, 120_000)

  it('steps aside on edited documents the full parser rejects, and agrees on the rest', () => {
    fc.assert(
      fc.property(document, styles, fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, style, edits) => {
        let t = stringify(doc, style)
        for (const e of edits) {
          const at = e.at % (t.length + 1)
          t = t.slice(0, at) + e.insert + t.slice(at + e.remove)
        }
        return agrees(t)
      }),
      { numRuns: 1500, seed: 7 },
    )
  }, 120_000)

  it('reads hand-written flows and tests (comments, block scalars, compact lists) like the full parser', () => {
    const samples = [
      'a: 1 # one\n# full line\nb:\n- x\n- y  # trailing\nc: |\n  line 1\n\n  line 2\nd: >-\n  folded\n  text\n',
      'steps:\n  - user: "hi there"\n    expect: { state: greeting, reply: { contains: "Hello" } }\n  - wait: 30s\n',
      '---\nname: x\nlist: [a, "b", \'c\', 1, true, ~]\nmap: {a: 1, "b c": [x]}\nempty_map: {}\nempty_list: []\n',
      'text: |-\n  keep\n    indented\n  lines\nnext: value\n',
      'deep:\n  - - a\n    - b\n  - key: v\n    other:\n      - 1\n',
      'quoted: "tab\\there \\u00e9 \\"q\\""\nsingle: \'it\'\'s\'\nurl: http://example.com/a#b\ntime: 10:30\n',
    ]
    for (const s of samples) {
      expect(parseYamlFast(s), s).toBeDefined()
      expect(agrees(s)).toBe(true)
    }
  })

  it('takes the fast path on the lint fixtures and reads them like the full parser', () => {
    const dir = join(__dirname, '../../fixtures/lint/clean/flows')
    for (const f of readdirSync(dir)) {
      const t = readFileSync(join(dir, f), 'utf8')
      expect(parseYamlFast(t), f).toBeDefined()
      expect(agrees(t)).toBe(true)
    }
  })

  it('steps aside on anchors, tags, multi-line scalars and duplicate keys', () => {
    for (const s of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: one\n  two\n', 'a: "one\n  two"\n', 'a: 1\na: 2\n', 'a: [1,\n  2]\n', '? a\n: b\n']) {
      expect(parseYamlFast(s), s).toBeUndefined()
    }
  })

  it('positions come from the full parser on demand, even on the fast path', () => {
    const parsed = parseDocumentText('a: 1\nb:\n  c: [x, y]\n', 'f.yaml')
    expect(parsed.value).toEqual({ a: 1, b: { c: ['x', 'y'] } })
    expect(parsed.locate(['b', 'c', 1])).toEqual({ line: 3, column: 10 })
    expect(parsed.locateKey(['b', 'c'])).toEqual({ line: 3, column: 3 })
  })
})
