// Where a test and its steps are written in a test file, so a failure can jump to its step.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml'

export interface TextPosition {
  line: number
  column: number
}

/** `name [2]` (an expansion of an `each` test) is written as `name`. */
export function baseTestName(name: string): string {
  return name.replace(/ \[\d+\]$/, '')
}

function get(node: unknown, key: string): Node | null {
  if (!isMap(node)) return null
  for (const pair of node.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key
    if (k === key) return (pair.value as Node | null) ?? null
  }
  return null
}

/**
 * The position of `tests[i].steps[step]` (or of the test when `step` is undefined or missing) in a
 * YAML or JSON test file; null when the file does not parse or has no such test.
 */
export function locateTestStep(text: string, testName: string, step?: number): TextPosition | null {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  if (doc.errors.length) return null
  const tests = get(doc.contents, 'tests')
  if (!isSeq(tests)) return null
  const wanted = baseTestName(testName)
  const test = tests.items.find((t) => {
    const n = get(t, 'name')
    return isScalar(n) && (n.value === testName || n.value === wanted)
  }) as Node | undefined
  if (!test?.range) return null
  let target: Node = test
  if (step !== undefined) {
    const steps = get(test, 'steps')
    const s = isSeq(steps) ? (steps.items[step] as Node | undefined) : undefined
    if (s?.range) target = s
  }
  const pos = lineCounter.linePos(target.range![0])
  return { line: pos.line, column: pos.col }
}
