// State and transition coverage per flow: what the tests entered and took against what the
// flow declares. Every test that ran counts up to where it stopped; skipped tests do not.
import type { CoverageRatio, FlowCoverage } from './model'

/** What a flow declares: state names and transition keys (`s -> t [condition value]`), in file order. */
export interface DeclaredFlow {
  states: readonly string[]
  transitions: readonly string[]
}

/** What one test (or several) entered and took. */
export interface CoverageSample {
  states: readonly string[]
  transitions: readonly string[]
}

export class CoverageCollector {
  private readonly declared = new Map<string, DeclaredFlow>()
  private readonly entered = new Map<string, Set<string>>()
  private readonly taken = new Map<string, Set<string>>()

  /** Registers a flow under its report key (its workspace-relative path). */
  declare(flow: string, declared: DeclaredFlow): void {
    if (this.declared.has(flow)) return
    // A transition written twice with the same key is one transition.
    this.declared.set(flow, { states: [...new Set(declared.states)], transitions: [...new Set(declared.transitions)] })
  }

  /** Counts what a test exercised; the flow counts as exercised even if the test entered nothing. */
  record(flow: string, sample: CoverageSample): void {
    let states = this.entered.get(flow)
    let transitions = this.taken.get(flow)
    if (!states) this.entered.set(flow, (states = new Set()))
    if (!transitions) this.taken.set(flow, (transitions = new Set()))
    for (const s of sample.states) states.add(s)
    for (const t of sample.transitions) transitions.add(t)
  }

  /** Coverage of every exercised flow, keyed and ordered by flow path. */
  report(): Record<string, FlowCoverage> {
    const out: Record<string, FlowCoverage> = {}
    for (const flow of [...this.entered.keys()].sort()) {
      const declared = this.declared.get(flow)
      if (!declared) continue
      out[flow] = {
        states: count(declared.states, this.entered.get(flow)!),
        transitions: count(declared.transitions, this.taken.get(flow)!),
      }
    }
    return out
  }
}

function count(declared: readonly string[], seen: ReadonlySet<string>): FlowCoverage['states'] {
  const uncovered = declared.filter((d) => !seen.has(d))
  return { covered: declared.length - uncovered.length, total: declared.length, uncovered }
}

/** Every flow together, as percentages (100 when nothing is declared, so an empty flow never fails a gate). */
export function totalCoverage(coverage: Record<string, FlowCoverage>): { states: CoverageRatio; transitions: CoverageRatio } {
  const sum = (kind: 'states' | 'transitions'): CoverageRatio => {
    let covered = 0
    let total = 0
    for (const flow in coverage) {
      covered += coverage[flow]![kind].covered
      total += coverage[flow]![kind].total
    }
    return { covered, total, percent: percent(covered, total) }
  }
  return { states: sum('states'), transitions: sum('transitions') }
}

export function percent(covered: number, total: number): number {
  return total === 0 ? 100 : Math.round((covered / total) * 10000) / 100
}

/** `80`, `80%` or `80.5` → 80.5; undefined when it is not a percentage between 0 and 100. */
export function parsePercent(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text)
  if (!m) return undefined
  const n = Number(m[1])
  return n >= 0 && n <= 100 ? n : undefined
}
