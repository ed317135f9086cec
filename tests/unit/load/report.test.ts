import { describe, expect, it } from 'vitest'
import { LiveView, formatSnapshot, formatSummary } from '../../../src-main/core/load/console'
import { renderLoadReport } from '../../../src-main/core/load/html'
import { compareResults } from '../../../src-main/core/load/compare'
import type { LiveSnapshot } from '../../../src-main/core/load/run'
import { runInline } from './inline-run'

const scenario = `conversations:
  - steps: ["I need help", "bye"]
profile: { executor: constant-arrival-rate, rate: 10, duration: 2s }
mocks:
  integrations:
    crm_lookup: { latency_ms: 20, data: { tier: gold } }
thresholds:
  turn_latency_p99: "< 50ms"
  error_rate{integration=crm_lookup}: "< 1%"
`

const snapshot: LiveSnapshot = {
  elapsed_s: 12, duration_s: 30, progress: 0.4, phase: 'running', turns: 24012, conversations: 6000, in_flight: 15, dropped: 0, errors: 2,
  error_rate: 0.0001, turns_per_s: 1998, target: 500, target_unit: 'conv/s', p50_ms: 0.4, p95_ms: 1.2, p99_ms: 3.1,
  rss_mb: 120, heap_mb: 40, thresholds: [], seconds: [],
}

describe('the HTML report', () => {
  it('is one self-contained page: charts as inline SVG, no script, nothing fetched', async () => {
    const { result } = await runInline(scenario)
    const html = renderLoadReport(result)
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i)
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5)
    for (const title of ['Throughput', 'Turn latency percentiles', 'Errors and drops', 'Memory', 'Turn latency by state']) expect(html).toContain(title)
    expect(html).toContain('turn_latency_p99')
    expect(html).toContain('error_rate{integration=crm_lookup}')
    expect(html).toContain('abc1234')
    expect(html).toContain('PASSED')
    expect(html).not.toContain('The load generator itself was the bottleneck')
  })

  it('warns loudly when the load generator was the bottleneck, and escapes what it prints', async () => {
    const { result } = await runInline(scenario)
    const html = renderLoadReport({
      ...result,
      scenario: 'load/<b>.load.yaml',
      load_generator: { ...result.load_generator, bottleneck: true, reasons: ['the main thread handed arrivals to the workers up to 40 ms after they were due'] },
    })
    expect(html).toContain('role="alert"')
    expect(html).toContain('The load generator itself was the bottleneck')
    expect(html).toContain('load/&lt;b&gt;.load.yaml')
  })

  it('shows a comparison with the baseline', async () => {
    const { result } = await runInline(scenario)
    const html = renderLoadReport(result, compareResults(result, result))
    expect(html).toContain('Compared with the baseline')
    expect(html).toContain('within noise')
  })
})

describe('the console', () => {
  it('summarises totals, latencies, thresholds and the verdict', async () => {
    const { result } = await runInline(scenario)
    const text = formatSummary(result)
    expect(text).toMatch(/turns\s+40/)
    expect(text).toMatch(/turn latency\s+p50/)
    expect(text).toMatch(/service time/)
    expect(text).toMatch(/harness lag/)
    expect(text).toContain('✓ turn_latency_p99 < 50ms')
    expect(text).toContain('crm_lookup')
    expect(text).toContain('result: PASSED')
  })

  it('shows progress, the current rate, p50/p95/p99 and errors in one line', () => {
    expect(formatSnapshot(snapshot)).toBe('12.0s/30s  500 conv/s  1998 turns/s  p50 0.40ms p95 1.20ms p99 3.10ms  errors 2 (0.010%)  dropped 0  in flight 15  turns 24012')
  })

  it('redraws in place on a terminal and prints every few seconds in a log', () => {
    const tty: string[] = []
    const view = new LiveView({ isTTY: true, write: (s: string) => tty.push(s) })
    view.update(snapshot)
    view.update({ ...snapshot, elapsed_s: 13 })
    view.end()
    expect(tty[0]!.startsWith('\r\x1b[2K12.0s')).toBe(true)
    expect(tty).toHaveLength(3)

    const log: string[] = []
    const plain = new LiveView({ write: (s: string) => log.push(s) }, 5)
    for (let t = 0; t <= 12; t++) plain.update({ ...snapshot, elapsed_s: t })
    expect(log.map((l) => l.split('s/')[0])).toEqual(['0.0', '5.0', '10.0'])
    expect(log.every((l) => l.endsWith('\n'))).toBe(true)
  })
})
