// The flow graph of the HTML report: the workbench's ELK layout (common/flow-layout), drawn as
// inline SVG with covered and uncovered states and transitions coloured. ELK's bundled build runs
// in-process, so no worker and nothing outside the report is needed.
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { edgePath, layoutGraph, MISSING_PREFIX, type ElkLike, type GraphLayout } from '../../common/flow-layout'
import type { FlowCoverage } from '../runner/model'
import { flowGraph } from '../services/flow'

let elk: Promise<ElkLike> | null = null

function sharedElk(): Promise<ElkLike> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => {
    const ELK = (m as unknown as { default: new () => ElkLike }).default
    return new ELK()
  })
  return elk
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The layout as an SVG element; classes `covered` / `uncovered` carry the colours (styled by the report). */
export function graphSvg(layout: GraphLayout, coverage: FlowCoverage, title: string): string {
  const uncoveredStates = new Set(coverage.states.uncovered)
  const uncoveredEdges = new Set(coverage.transitions.uncovered)
  const parts: string[] = []
  for (const e of layout.edges) {
    const mark = uncoveredEdges.has(e.edge.key) ? 'uncovered' : 'covered'
    const label = e.labelBox
      ? `<g class="fg-label" transform="translate(${e.labelBox.x},${e.labelBox.y})"><rect width="${e.labelBox.width}" height="${e.labelBox.height}" rx="3"/><text x="${e.labelBox.width / 2}" y="${e.labelBox.height / 2 + 4}" text-anchor="middle">${esc(e.label)}</text></g>`
      : ''
    parts.push(`<g class="fg-edge ${mark}" data-edge="${esc(e.edge.key)}"><title>${esc(e.edge.key)} (${mark === 'covered' ? 'taken' : 'not taken'})</title><path d="${edgePath(e.points)}" marker-end="url(#fg-arrow-${mark})"/>${label}</g>`)
  }
  for (const n of layout.nodes) {
    const missing = !n.state
    const name = missing ? n.id.slice(MISSING_PREFIX.length) : n.id
    const mark = missing ? 'missing' : uncoveredStates.has(n.id) ? 'uncovered' : 'covered'
    const type = n.state?.type ?? 'missing state'
    const start = n.state?.initial ? `<g class="fg-start" transform="translate(${n.width - 40},6)"><rect width="34" height="14" rx="7"/><text x="17" y="11" text-anchor="middle">start</text></g>` : ''
    parts.push(`<g class="fg-node ${mark}" data-state="${esc(name)}" transform="translate(${n.x},${n.y})"><title>${esc(name)}: ${mark === 'covered' ? 'entered' : mark === 'uncovered' ? 'not entered' : 'names no state'}</title><rect class="box" width="${n.width}" height="${n.height}" rx="6"/><text class="name" x="12" y="18">${esc(name)}</text><text class="type" x="12" y="34">${esc(type)}</text>${start}</g>`)
  }
  const arrow = (id: string) => `<marker id="fg-arrow-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L9,5 L0,9 z" class="fg-arrow ${id}"/></marker>`
  const w = Math.ceil(layout.width)
  const h = Math.ceil(layout.height)
  return `<svg class="flow-graph" viewBox="0 0 ${w} ${h}" width="${w}" style="max-width:100%;height:auto" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg"><defs>${arrow('covered')}${arrow('uncovered')}</defs>${parts.join('')}</svg>`
}

/**
 * The graph of each covered flow, read from the workspace as it is now. A flow that cannot be
 * read is left out with a note (the report still shows its coverage figures).
 */
export async function flowGraphs(workspace: string | null, coverage: Record<string, FlowCoverage>): Promise<{ graphs: Record<string, string>; notes: Record<string, string> }> {
  const graphs: Record<string, string> = {}
  const notes: Record<string, string> = {}
  for (const [flow, cov] of Object.entries(coverage)) {
    if (!workspace) {
      notes[flow] = 'graph not drawn: the run does not say which workspace it belongs to'
      continue
    }
    let text: string
    try {
      text = await readFile(isAbsolute(flow) ? flow : join(workspace, flow), 'utf8')
    } catch {
      notes[flow] = `graph not drawn: ${flow} is no longer in the workspace`
      continue
    }
    try {
      const graph = flowGraph(text, flow)
      if (!graph.nodes.length) {
        notes[flow] = 'graph not drawn: the flow declares no states'
        continue
      }
      graphs[flow] = graphSvg(await layoutGraph(await sharedElk(), graph), cov, `Flow graph of ${flow}`)
    } catch (err) {
      notes[flow] = `graph not drawn: ${(err as Error).message.split('\n')[0]}`
    }
  }
  return { graphs, notes }
}
