// Test impact: flow fingerprints and what changed between two, and the selection planImpact makes
// from recorded paths — against a git fixture (REF) and against the last run's fingerprints.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareFingerprints, fingerprintFlow, GitError, planImpact, type RecordedRun } from '../../../src-main/core/impact'
import { runTests } from '../../../src-main/core/runner/service'
import { toJsonReport } from '../../../src-main/core/reporters/json'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..')

const flow = (states: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'f', initial_state: 'a', ...extra, states })
const A = { type: 'response', config: { response_templates: { default: 'A' } }, transitions: [{ condition: 'any_input', target_state: 'b' }] }
const B = { type: 'end', config: { response_templates: { default: 'B' } } }

describe('flow fingerprints', () => {
  it('see a changed state, an added or removed transition, and ignore key order and descriptions', () => {
    const before = fingerprintFlow(flow({ a: A, b: B }))
    expect(compareFingerprints(before, fingerprintFlow(flow({ b: { config: { response_templates: { default: 'B' } }, type: 'end', description: 'x' }, a: A })))).toEqual({ all: false, states: [], transitions: [] })
    const changed = compareFingerprints(before, fingerprintFlow(flow({ a: A, b: { ...B, config: { response_templates: { default: 'Bye' } } } })))
    expect(changed).toEqual({ all: false, states: ['b'], transitions: [] })
    const retargeted = compareFingerprints(before, fingerprintFlow(flow({ a: { ...A, transitions: [{ condition: 'any_input', target_state: 'a' }] }, b: B })))
    expect(retargeted.states).toEqual(['a'])
    expect(retargeted.transitions.sort()).toEqual(['a -> a [any_input]', 'a -> b [any_input]'])
  })

  it('treat a change outside states (intents, entities, settings) and a new flow as changing everything', () => {
    const before = fingerprintFlow(flow({ a: A, b: B }))
    const intents = compareFingerprints(before, fingerprintFlow(flow({ a: A, b: B }, { intents: { hi: ['hi'] } })))
    expect(intents.all).toBe(true)
    expect(intents.why).toContain('intents')
    expect(compareFingerprints(undefined, before)).toMatchObject({ all: true, why: 'new flow' })
  })
})

describe('planImpact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowbench-impact-'))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' })
  let recorded: RecordedRun
  beforeAll(async () => {
    cpSync(join(REPO, 'resources/samples'), dir, { recursive: true })
    git('init', '-q')
    git('add', '-A')
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'samples')
    recorded = toJsonReport(await runTests({ root: dir, workers: 1 })) as RecordedRun
  }, 60_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const paths = () => [dir]

  it('selects exactly the tests whose recorded path enters a state changed since REF', async () => {
    const file = join(dir, 'flows/support.flow.yaml')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, original.replace('Thanks for contacting Acme support. Have a great day!', 'Bye for now!'))
    try {
      const plan = await planImpact({ root: dir, paths: paths(), ref: 'HEAD', recorded, recordedLabel: 'the report' })
      const expected = recorded.suites!.filter((s) => s.file === 'tests/support.test.yaml').flatMap((s) => s.tests!.filter((t) => t.path!.states!.includes('goodbye')).map((t) => t.name))
      expect(expected.length).toBeGreaterThan(0)
      expect(plan.all).toBe(false)
      expect(plan.select.map((s) => s.name).sort()).toEqual(expected.sort())
      expect(plan.select.every((s) => s.file === 'tests/support.test.yaml')).toBe(true)
      expect(plan.message).toBe(`${expected.length} of ${plan.total} tests: 1 state changed in flows/support.flow.yaml since HEAD (${expected.length} of them touch what changed)`)
      expect(plan.changes).toEqual([{ flow: 'flows/support.flow.yaml', all: false, states: ['goodbye'], transitions: [] }])
    } finally {
      writeFileSync(file, original)
    }
  })

  it('adds every test of a new or edited test file; nothing changed selects nothing', async () => {
    const none = await planImpact({ root: dir, paths: paths(), ref: 'HEAD', recorded, recordedLabel: 'the report' })
    expect(none.selected).toBe(0)
    expect(none.message).toContain('nothing the tests touch changed since HEAD')
    const test = join(dir, 'tests/metrics.test.yaml')
    const original = readFileSync(test, 'utf8')
    writeFileSync(test, `${original}\n# a comment\n`)
    try {
      const plan = await planImpact({ root: dir, paths: paths(), ref: 'HEAD', recorded, recordedLabel: 'the report' })
      const metrics = recorded.suites!.find((s) => s.file === 'tests/metrics.test.yaml')!.tests!.length
      expect(plan.selected).toBe(metrics)
      expect(plan.message).toContain(`${metrics} tests in new or edited test files`)
    } finally {
      writeFileSync(test, original)
    }
  })

  it('without REF compares with the recorded run\'s fingerprints', async () => {
    const file = join(dir, 'flows/deploy.flow.yaml')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, original.replace('Happy shipping!', 'Bye.'))
    try {
      const plan = await planImpact({ root: dir, paths: paths(), recorded, recordedLabel: 'the last run' })
      expect(plan.changes.map((c) => [c.flow, c.states])).toEqual([['flows/deploy.flow.yaml', ['done']]])
      expect(plan.message).toMatch(/^\d+ of \d+ tests: 1 state changed in flows\/deploy\.flow\.yaml since the last run/)
      expect(plan.select.every((s) => s.file === 'tests/deploy.test.yaml')).toBe(true)
    } finally {
      writeFileSync(file, original)
    }
  })

  it('runs everything when there are no recorded paths, and says so', async () => {
    const plan = await planImpact({ root: dir, paths: paths(), ref: 'HEAD', recorded: null, recordedLabel: 'the last run' })
    expect(plan.all).toBe(true)
    expect(plan.message).toBe(`all ${plan.total} tests: no recorded paths (no previous run of this workspace), so everything runs`)
  })

  it('a REF that names no commit is a GitError naming it', async () => {
    await expect(planImpact({ root: dir, paths: paths(), ref: 'no-such-ref', recorded, recordedLabel: 'x' })).rejects.toThrow(GitError)
    await expect(planImpact({ root: dir, paths: paths(), ref: 'no-such-ref', recorded, recordedLabel: 'x' })).rejects.toThrow(/--changed no-such-ref: no such commit/)
  })
})
