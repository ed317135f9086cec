// Durations as tests write them: `<n>(ms|s|m|h)`, e.g. "30s", "1.5m", "250ms".

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text)
  if (!m) return undefined
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!)
}

/** The shortest exact way to write `ms` as a duration ("1500ms", "30s", "2m"). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${ms}ms`
}
