// Small formatting helpers shared by the Test quality views and the graph's fault badges.
import type { FaultOutcome, FaultStateResult } from '../../../../src-main/common/api'
import { FAULT_KINDS } from '../../../../src-main/common/api-quality'

/** `flows/support.flow.yaml` → `support`. */
export const flowName = (flow: string): string => flow.split('/').pop()!.replace(/\.flow\.(ya?ml|json)$/i, '')

/** 87.5 → `87.5%`, 100 → `100%`. */
export const percentText = (p: number): string => `${Math.round(p * 10) / 10}%`

/** The colour band of a mutation score. */
export const scoreLevel = (score: number): 'good' | 'mid' | 'low' => (score >= 85 ? 'good' : score >= 60 ? 'mid' : 'low')

export const OUTCOME_LABEL: Record<FaultOutcome, string> = {
  handled: 'handled',
  not_reached: 'not reached',
  unnoticed: 'unnoticed (taken as success)',
  no_transition: 'no transition',
  error: 'engine error',
}

/** What the graph shows beside an integration state: "3/4 handled", red when a kind dead-ends. */
export interface FaultBadge {
  state: string
  text: string
  level: 'ok' | 'warn' | 'bad'
  tooltip: string
}

export function faultBadge(results: FaultStateResult[]): FaultBadge | null {
  if (!results.length) return null
  const state = results[0]!.state
  let handled = 0
  let reached = 0
  let bad = false
  const lines: string[] = []
  for (const r of results) {
    const prefix = results.length > 1 || r.task ? `${r.integration}${r.task ? ` (task ${r.task})` : ''}: ` : ''
    for (const kind of FAULT_KINDS) {
      const k = r.kinds[kind]
      if (!k) continue
      if (k.outcome !== 'not_reached') reached++
      if (k.outcome === 'handled') handled++
      if (k.outcome === 'no_transition' || k.outcome === 'error') bad = true
      const by = k.outcome === 'handled' && k.handled_by.length ? ` by ${k.handled_by.join(', ')}` : ''
      const broken = k.broken.length ? `; ${k.broken.length} test${k.broken.length === 1 ? '' : 's'} break` : ''
      lines.push(`${prefix}${kind} → ${OUTCOME_LABEL[k.outcome]}${by}${broken}`)
    }
  }
  return {
    state,
    text: `${handled}/${reached} handled`,
    level: bad ? 'bad' : handled < reached ? 'warn' : 'ok',
    tooltip: [`Fault matrix: ${results.map((r) => r.integration).join(', ')}`, ...lines].join('\n'),
  }
}

/** The badges of a flow's integration states, by state (a state may call several integrations: workflow tasks). */
export function faultBadges(results: readonly FaultStateResult[]): Map<string, FaultBadge> {
  const grouped = new Map<string, FaultStateResult[]>()
  for (const r of results) grouped.set(r.state, [...(grouped.get(r.state) ?? []), r])
  const badges = new Map<string, FaultBadge>()
  for (const [state, list] of grouped) {
    const badge = faultBadge(list)
    if (badge) badges.set(state, badge)
  }
  return badges
}
