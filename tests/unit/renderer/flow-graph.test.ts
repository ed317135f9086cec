// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import ELK from 'elkjs/lib/elk.bundled.js'
import { describe, expect, it } from 'vitest'
import type { FlowGraph as Graph } from '../../../src-main/common/api'
import FlowGraph from '../../../src-renderer/src/features/flow-graph/FlowGraph.vue'
import { ELK_PROVIDER } from '../../../src-renderer/src/features/flow-graph/elk-provider'
import { layoutGraph } from '../../../src-renderer/src/features/flow-graph/layout'
import { SMALL_GRAPH } from './fixtures'

const elk = new ELK()
const global = { provide: { [ELK_PROVIDER as symbol]: async () => elk } }

async function laidOut(wrapper: ReturnType<typeof mount>): Promise<void> {
  for (let i = 0; i < 500 && !wrapper.find(".node[data-state]").exists(); i++) {
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('FlowGraph', () => {
  it('draws states with their type, labelled transitions and missing targets', async () => {
    const wrapper = mount(FlowGraph, { props: { graph: SMALL_GRAPH, identity: 'a' }, global })
    await laidOut(wrapper)
    const nodes = wrapper.findAll(".node[data-state]")
    expect(nodes.map((n) => n.attributes('data-state'))).toEqual(['greeting', 'detect', 'done'])
    expect(nodes[0]!.text()).toContain('response')
    expect(nodes[0]!.text()).toContain('start')
    expect(wrapper.text()).toContain('intent_match: bye · p10')
    expect(wrapper.find('.node.missing').text()).toContain('nowhere')
    expect(wrapper.find('[data-edge="detect -> nowhere [fallback]"]').classes()).toContain('dangling')
  })

  it('colours coverage and asks to open a clicked state at its line', async () => {
    const wrapper = mount(FlowGraph, {
      props: {
        graph: SMALL_GRAPH,
        identity: 'a',
        nodeMarks: new Map([['greeting', 'covered' as const], ['done', 'uncovered' as const]]),
        edgeMarks: new Map([['detect -> done [intent_match bye]', 'uncovered' as const]]),
      },
      global,
    })
    await laidOut(wrapper)
    expect(wrapper.get('[data-state="greeting"]').attributes('data-mark')).toBe('covered')
    expect(wrapper.get('[data-state="done"]').attributes('data-mark')).toBe('uncovered')
    expect(wrapper.get('[data-edge="detect -> done [intent_match bye]"]').classes()).toContain('uncovered')
    await wrapper.get('[data-state="detect"]').trigger('click')
    expect(wrapper.emitted('open')).toEqual([['detect', 9]])
    await wrapper.get('[data-state="done"]').trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('open')?.[1]).toEqual(['done', 20])
  })

  it('lays out a 60-state flow without overlapping states', async () => {
    const nodes = Array.from({ length: 60 }, (_, i) => ({ id: `s${i}`, type: i % 7 === 0 ? 'intent' : 'response', description: null, line: i + 1, initial: i === 0 }))
    // Shaped like a real flow: an intent hub fanning out into chains that come back to it.
    const edges: Graph['edges'] = []
    const add = (a: number, b: number, condition: string) =>
      edges.push({ from: `s${a}`, to: `s${b}`, condition, value: condition === 'intent_match' ? `go_${b}` : null, priority: 100, key: `s${a} -> s${b} [${condition}]`, line: 0, resolved: true })
    for (let i = 1; i < 60; i++) {
      if (i % 6 === 1) add(0, i, 'intent_match')
      else add(i - 1, i, 'any_input')
      if (i % 3 === 0) add(i, 0, 'fallback')
    }
    const graph: Graph = { name: 'big', initial_state: 's0', nodes, edges }
    const layout = await layoutGraph(elk, graph)
    expect(layout.nodes).toHaveLength(60)
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false)
      }
    }
    expect(layout.edges.every((e) => e.points.length >= 2 && e.labelBox)).toBe(true)
  })
})
