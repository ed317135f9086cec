// Word-level diff of expected vs actual text for the failure view: what is missing, what is extra.
export interface DiffPart {
  kind: 'same' | 'removed' | 'added'
  text: string
}

/** Words with the whitespace that follows them, so joining the parts gives the text back. */
function tokens(s: string): string[] {
  return s.match(/\s+|[^\s\w]|\w+/g) ?? []
}

const MAX_TOKENS = 1500

export function diffText(expected: string, actual: string): DiffPart[] {
  const a = tokens(expected)
  const b = tokens(actual)
  if (a.length > MAX_TOKENS || b.length > MAX_TOKENS) {
    // Quadratic LCS is not worth it for huge texts: show them as replaced.
    const replaced: DiffPart[] = [
      { kind: 'removed', text: expected },
      { kind: 'added', text: actual },
    ]
    return replaced.filter((p) => p.text)
  }
  const n = a.length
  const m = b.length
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const parts: DiffPart[] = []
  const push = (kind: DiffPart['kind'], text: string) => {
    const last = parts[parts.length - 1]
    if (last && last.kind === kind) last.text += text
    else parts.push({ kind, text })
  }
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push('same', a[i]!)
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) push('removed', a[i++]!)
    else push('added', b[j++]!)
  }
  while (i < n) push('removed', a[i++]!)
  while (j < m) push('added', b[j++]!)
  return parts
}
