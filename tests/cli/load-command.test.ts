// `flowbench load` as a user runs it: the real command on the fixture workspace, short runs
// (≤ 2 s each), checking the JSON contract (spec/cli.md), the HTML report and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(__dirname, '../..')
const bin = join(root, 'bin/flowbench.mjs')
const workspace = join(root, 'tests/fixtures/load')
// Runs are recorded in the run history: a throwaway $FLOWBENCH_HOME keeps them out of the user's.
const home = mkdtempSync(join(tmpdir(), 'flowbench-load-home-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

function flowbench(args: string[], cwd = workspace) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0', FLOWBENCH_HOME: home } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
}

describe('flowbench load', () => {
  let out: string
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'flowbench-load-cli-'))
  })
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('runs a scenario, writes the JSON result and the HTML report, and exits 0 when every threshold holds', () => {
    const json = join(out, 'quick.json')
    const html = join(out, 'quick.html')
    const r = flowbench(['load', 'load/quick.load.yaml', '--json', json, '--html', html, '--workers', '2', '--seed', '42'])
    expect(r.stderr).not.toMatch(/unexpected failure/)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('result: PASSED')
    const result = JSON.parse(readFileSync(json, 'utf8'))
    expect(result).toMatchObject({ tool: 'flowbench', kind: 'load', scenario: 'load/quick.load.yaml' })
    expect(new Date(result.started_at).toISOString()).toBe(result.started_at)
    expect(result.duration_ms).toBeGreaterThanOrEqual(2000)
    expect(result.environment).toMatchObject({ node: process.version, workers: 2, seed: 42 })
    expect(typeof result.environment.cpus).toBe('number')
    expect('commit' in result.environment).toBe(true)
    // 40 conversations a second for 2 s.
    expect(result.totals).toMatchObject({ conversations: 80, dropped: 0 })
    expect(result.totals.turns).toBeGreaterThanOrEqual(160)
    expect(typeof result.totals.errors).toBe('number')
    expect(result.throughput.turns_per_s).toBeGreaterThan(0)
    expect(result.throughput.conversations_per_s).toBeGreaterThan(0)
    for (const key of ['turn_latency_ms', 'service_time_ms']) {
      expect(Object.keys(result[key]).sort()).toEqual(['max', 'p50', 'p90', 'p95', 'p99', 'p999'])
      expect(result[key].p50).toBeLessThanOrEqual(result[key].p99)
    }
    expect(result.thresholds).toHaveLength(5)
    for (const t of result.thresholds) {
      expect(t).toMatchObject({ name: expect.any(String), condition: expect.any(String), passed: true })
      expect(typeof t.value).toBe('number')
    }
    expect(result.thresholds[0]).toMatchObject({ name: 'turn_latency_p95', condition: '< 2s' })
    expect(result.timeline.length).toBeGreaterThanOrEqual(2)
    expect(result.timeline[0]).toMatchObject({ t_s: 0, turns: expect.any(Number), errors: expect.any(Number), p50_ms: expect.any(Number), p99_ms: expect.any(Number) })
    expect(result.by_state.detect).toMatchObject({ turns: expect.any(Number), p50_ms: expect.any(Number), p99_ms: expect.any(Number) })
    expect(typeof result.histograms.turn_latency).toBe('string')
    expect(result.histograms.turn_latency.length).toBeGreaterThan(10)
    expect(typeof result.memory.peak_rss_mb).toBe('number')

    const page = readFileSync(html, 'utf8')
    expect(page).toContain('<svg')
    expect(page).not.toMatch(/<script|https?:\/\//i)
  })

  it('exits 1 when a threshold is missed, and says which', () => {
    const json = join(out, 'missed.json')
    const r = flowbench(['load', 'load/missed.load.yaml', '--json', json, '--quiet'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ error_rate < 1%')
    expect(r.stdout).toContain('result: FAILED')
    const result = JSON.parse(readFileSync(json, 'utf8'))
    expect(result.thresholds.find((t: { name: string }) => t.name === 'error_rate')).toMatchObject({ passed: false, value: 100 })
    expect(result.errors_by_code).toEqual({ integration_failed: result.totals.errors })
  })

  it('exits 2 on a threshold with an unknown metric, naming file, line and column', () => {
    const r = flowbench(['load', 'load/unknown-metric.load.yaml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('load/unknown-metric.load.yaml:10:3')
    expect(r.stderr).toContain('unknown metric "turn_latncy_p99"')
    expect(r.stdout).toBe('')
    noStackTrace(r.stderr)
  })

  it('exits 2 on a scenario that does not parse, naming file, line and column', () => {
    const dir = mkdtempSync(join(out, 'bad-'))
    writeFileSync(join(dir, 'broken.load.yaml'), 'flow: ../flows/x.flow.yaml\nprofile: { executor: constant-vus, vus: 2\n')
    const r = flowbench(['load', 'broken.load.yaml'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/broken\.load\.yaml:\d+:\d+ /)
    noStackTrace(r.stderr)
  })

  it('exits 2 on usage errors: a missing file, a bad option value, an override that does not apply', () => {
    const missing = flowbench(['load', 'load/nope.load.yaml'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('load/nope.load.yaml does not exist')
    const workers = flowbench(['load', 'load/quick.load.yaml', '--workers', '0'])
    expect(workers.code).toBe(2)
    expect(workers.stderr).toContain('--workers must be a whole number of at least 1')
    const rate = flowbench(['load', 'load/vus.load.yaml', '--rate', '10'])
    expect(rate.code).toBe(2)
    expect(rate.stderr).toContain('--rate applies to arrival-rate executors')
    const unknown = flowbench(['load', 'load/quick.load.yaml', '--bogus'])
    expect(unknown.code).toBe(2)
    for (const r of [missing, workers, rate, unknown]) noStackTrace(r.stderr)
  })

  it('runs virtual users with command-line overrides, and compares with a baseline', () => {
    // The first test's result is the baseline; run alone, this test makes its own.
    let baseline = join(out, 'quick.json')
    if (!existsSync(baseline)) {
      baseline = join(out, 'baseline.json')
      flowbench(['load', 'load/missed.load.yaml', '--json', baseline, '--quiet'])
    }
    const json = join(out, 'vus.json')
    const r = flowbench(['load', 'load/vus.load.yaml', '--duration', '1s', '--vus', '2', '--seed', '5', '--json', json, '--compare', baseline, '--quiet'])
    expect(r.code).toBe(0)
    const result = JSON.parse(readFileSync(json, 'utf8'))
    expect(result.profile).toMatchObject({ executor: 'constant-vus', vus: 2, duration_ms: 1000 })
    expect(result.environment.seed).toBe(5)
    expect(result.totals.completed_conversations).toBeGreaterThan(0)
    expect(result.comparison.deltas.map((d: { metric: string }) => d.metric)).toEqual(['turn_latency_p50', 'turn_latency_p99', 'throughput', 'error_rate'])
    expect(result.comparison.notes.join('\n')).toContain('different scenarios')
    expect(r.stdout).toMatch(/compared with load\/(quick|missed)\.load\.yaml/)
  })
})
