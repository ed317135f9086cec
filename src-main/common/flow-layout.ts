// Turns a FlowGraph into an ELK layered layout and back into positioned nodes and routed edges.
// The ELK instance is injected: a web worker in the workbench, the bundled synchronous build in
// tests and in the core (the HTML report draws the same graph). Pure: no DOM, no Node.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api'
import type { FlowGraph, FlowGraphEdge, FlowGraphNode, JsonValue } from './api'

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>
}

/** How the graph colours a state: coverage of the last run, or a highlighted path. */
export type NodeMark = 'covered' | 'uncovered' | 'path' | 'current'
export type EdgeMark = 'covered' | 'uncovered' | 'path'

export interface Point {
  x: number
  y: number
}

export interface PlacedNode {
  id: string
  /** The state, or null for a placeholder standing for a target that names no state. */
  state: FlowGraphNode | null
  x: number
  y: number
  width: number
  height: number
}

export interface PlacedEdge {
  id: string
  edge: FlowGraphEdge
  points: Point[]
  label: string
  labelBox: { x: number; y: number; width: number; height: number } | null
}

export interface GraphLayout {
  width: number
  height: number
  nodes: PlacedNode[]
  edges: PlacedEdge[]
}

const FONT_CHAR_W = 6.6
const LABEL_CHAR_W = 5.9
const NODE_H = 44
const NODE_MIN_W = 112
const NODE_MAX_W = 240
const LABEL_MAX_CHARS = 34

export const MISSING_PREFIX = '\u0000missing:'

function formatValue(v: JsonValue | null): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ')
  if (typeof v === 'object' && !Array.isArray(v)) {
    // Expressions read better as `left op right` than as JSON.
    const o = v as Record<string, JsonValue>
    if ('operator' in o) return [o.left, o.operator, o.right].filter((x) => x !== undefined).map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')
    if ('all' in o) return `all of ${(o.all as JsonValue[]).length}`
    if ('any' in o) return `any of ${(o.any as JsonValue[]).length}`
  }
  return JSON.stringify(v)
}

/** `intent_match: billing · p10`: condition, value, and the priority when it is not the default. */
export function edgeLabel(edge: FlowGraphEdge): string {
  const value = formatValue(edge.value)
  let text = value ? `${edge.condition}: ${value}` : edge.condition
  if (text.length > LABEL_MAX_CHARS) text = `${text.slice(0, LABEL_MAX_CHARS - 1)}…`
  return edge.priority !== 100 ? `${text} · p${edge.priority}` : text
}

export function nodeWidth(node: FlowGraphNode): number {
  const label = Math.max(node.id.length * FONT_CHAR_W, node.type.length * 5.6 + 18) + 28
  return Math.round(Math.min(NODE_MAX_W, Math.max(NODE_MIN_W, label)))
}

export function toElkGraph(graph: FlowGraph): ElkNode {
  // The initial state sits in the first layer, so the flow reads from the top.
  const children: ElkNode[] = graph.nodes.map((n) => ({
    id: n.id,
    width: nodeWidth(n),
    height: NODE_H,
    ...(n.initial ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } } : {}),
  }))
  const known = new Set(graph.nodes.map((n) => n.id))
  const missing = new Set<string>()
  const edges: ElkExtendedEdge[] = graph.edges.map((e, i) => {
    let target = e.to
    if (!known.has(e.to)) {
      target = MISSING_PREFIX + e.to
      if (!missing.has(target)) {
        missing.add(target)
        children.push({ id: target, width: Math.max(NODE_MIN_W, e.to.length * FONT_CHAR_W + 28), height: NODE_H })
      }
    }
    const label = edgeLabel(e)
    return {
      id: `e${i}`,
      sources: [e.from],
      targets: [target],
      labels: [{ text: label, width: Math.ceil(label.length * LABEL_CHAR_W) + 10, height: 16 }],
    }
  })
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.edgeNode': '20',
      'elk.spacing.edgeEdge': '12',
      'elk.spacing.edgeLabel': '4',
      'elk.layered.spacing.edgeNodeBetweenLayers': '20',
      'elk.edgeLabels.placement': 'CENTER',
      // Declaration order breaks ties, so the picture matches the file. (NETWORK_SIMPLEX node
      // placement looks marginally tidier but costs seconds on 60-state flows.)
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // Loops back (fallbacks, "anything else?") are the edges drawn upwards, found from the start.
      'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
      'elk.layered.mergeEdges': 'false',
      'elk.padding': '[top=24,left=24,bottom=24,right=24]',
    },
    children,
    edges,
  }
}

export function fromElkLayout(graph: FlowGraph, laid: ElkNode): GraphLayout {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const nodes: PlacedNode[] = (laid.children ?? []).map((c) => ({
    id: c.id,
    state: byId.get(c.id) ?? null,
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? NODE_MIN_W,
    height: c.height ?? NODE_H,
  }))
  const edges: PlacedEdge[] = (laid.edges ?? []).map((e) => {
    const index = Number((e.id ?? 'e0').slice(1))
    const edge = graph.edges[index]!
    const ext = e as ElkExtendedEdge
    const points: Point[] = []
    for (const s of ext.sections ?? []) {
      if (!points.length) points.push(s.startPoint)
      points.push(...(s.bendPoints ?? []), s.endPoint)
    }
    const l = ext.labels?.[0]
    return {
      id: e.id,
      edge,
      points,
      label: l?.text ?? edgeLabel(edge),
      labelBox: l && l.x !== undefined && l.y !== undefined ? { x: l.x, y: l.y, width: l.width ?? 0, height: l.height ?? 0 } : null,
    }
  })
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges }
}

export async function layoutGraph(elk: ElkLike, graph: FlowGraph): Promise<GraphLayout> {
  if (!graph.nodes.length) return { width: 0, height: 0, nodes: [], edges: [] }
  const laid = await elk.layout(toElkGraph(graph))
  return fromElkLayout(graph, laid)
}

/**
 * What the layout depends on: states, types and transitions with their labels. Edits that keep
 * it (descriptions, templates, line moves) reuse the previous layout instead of running ELK.
 */
export function layoutSignature(graph: FlowGraph): string {
  return JSON.stringify([graph.nodes.map((n) => [n.id, n.type, n.initial]), graph.edges.map((e) => [e.from, e.to, edgeLabel(e), e.resolved])])
}

/** SVG path through the routed points, with small rounded corners at the bends. */
export function edgePath(points: Point[], radius = 6): string {
  if (points.length < 2) return ''
  let d = `M${points[0]!.x},${points[0]!.y}`
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i - 1]!
    const c = points[i]!
    const n = points[i + 1]!
    const r = Math.min(radius, Math.hypot(c.x - p.x, c.y - p.y) / 2, Math.hypot(n.x - c.x, n.y - c.y) / 2)
    const a = { x: c.x - (Math.sign(c.x - p.x) * r || 0), y: c.y - (Math.sign(c.y - p.y) * r || 0) }
    const b = { x: c.x + (Math.sign(n.x - c.x) * r || 0), y: c.y + (Math.sign(n.y - c.y) * r || 0) }
    d += ` L${a.x},${a.y} Q${c.x},${c.y} ${b.x},${b.y}`
  }
  const last = points[points.length - 1]!
  return `${d} L${last.x},${last.y}`
}
