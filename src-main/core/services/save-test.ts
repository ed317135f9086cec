// "Save as test": a simulator transcript becomes a test case whose expectations are what the
// turns produced, appended to a test file (created when missing) without disturbing the rest of it.
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, relative, resolve, sep } from 'node:path'
import { Document, isMap, isSeq, parseDocument } from 'yaml'
import { ApiError, type JsonValue, type SimulatorTurn } from '../../common/api'
import type { MockResponse, Mocks } from '../../common/test-schema'
import type { IntegrationCall, TurnResult } from '../../common/turn'

type Json = { [key: string]: JsonValue }

/** `30s`, `5m`, `250ms`: the largest unit that states the time exactly. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** What a turn produced, as a step's `expect`: the fields a reviewer reads and a regression breaks. */
export function expectationsOf(turn: TurnResult): Json {
  const expect: Json = {}
  if (turn.errors.length) expect.error = turn.errors[0]!.code
  expect.state = turn.state
  if (turn.replies.length) expect.replies = turn.replies.map((r) => r.text)
  else expect.no_reply = true
  if (turn.event === 'message') expect.intent = turn.intent
  if (Object.keys(turn.slots).length) expect.slots = turn.slots as Json
  if (turn.missing_slots.length) expect.missing_slots = turn.missing_slots
  if (turn.integration_calls.length) expect.integration_calls = turn.integration_calls.map((c) => ({ id: c.id }))
  if (turn.workflow) expect.workflow = { state: turn.workflow.state, completed_tasks: turn.workflow.completed_tasks }
  if (turn.ended) expect.ended = true
  return expect
}

/** How a recorded call is answered again: its failed attempts, then its final answer. */
function answersOf(call: IntegrationCall): MockResponse[] {
  // The breaker failed this call without asking anyone: nothing to replay.
  if (call.error === 'circuit_open') return []
  const failedAttempt: MockResponse = { fail: 'error' }
  const answers: MockResponse[] = Array.from({ length: Math.max(0, call.attempts - 1) }, () => failedAttempt)
  if (call.success) {
    answers.push({ respond: { status_code: call.status_code ?? 200, ...(call.data !== undefined ? { data: call.data } : {}) } })
  } else if (call.error === 'timeout' || call.error === 'network') {
    answers.push({ fail: call.error })
  } else if (call.error === 'malformed_response') {
    answers.push({ fail: 'malformed' })
  } else if (call.status_code !== undefined && call.status_code >= 300) {
    answers.push({ respond: { status_code: call.status_code, ...(call.data !== undefined ? { data: call.data } : {}) } })
  } else {
    answers.push({ fail: 'error' })
  }
  return answers
}

/**
 * The session's mocks, plus a recorded sequence for every integration that was answered by a
 * plugin (or by nobody): the saved test then replays the same answers wherever it runs.
 */
export function mocksForTest(mocks: Mocks, turns: readonly SimulatorTurn[]): Mocks {
  const mocked = new Set(Object.keys(mocks.integrations ?? {}))
  const recorded: Record<string, MockResponse[]> = {}
  for (const turn of turns) {
    for (const call of turn.result.integration_calls) {
      if (mocked.has(call.id)) continue
      ;(recorded[call.id] ??= []).push(...answersOf(call))
    }
  }
  const extra = Object.fromEntries(Object.entries(recorded).filter(([, seq]) => seq.length))
  if (!Object.keys(extra).length) return mocks
  return { ...mocks, integrations: { ...(mocks.integrations ?? {}), ...extra } }
}

export interface TranscriptSource {
  name: string
  tags: string[]
  userProfile: Json
  mocks: Mocks
  turns: readonly SimulatorTurn[]
}

export function testCaseFromSession(source: TranscriptSource): Json & { name: string } {
  const steps = source.turns.map((turn): Json => {
    const expect = expectationsOf(turn.result)
    switch (turn.step.type) {
      case 'start':
        return { expect }
      case 'message':
        return { user: turn.step.text, expect }
      case 'approve':
      case 'reject':
        return { event: turn.step.type, expect }
      case 'wait':
        return { wait: formatDuration(turn.step.ms), expect }
    }
  })
  const mocks = mocksForTest(source.mocks, source.turns)
  return {
    name: source.name,
    ...(source.tags.length ? { tags: source.tags } : {}),
    ...(Object.keys(source.userProfile).length ? { user_profile: source.userProfile } : {}),
    ...(Object.keys(mocks).length ? { mocks: mocks as unknown as Json } : {}),
    steps,
  }
}

const TEST_FILE = /\.test\.(ya?ml|json)$/i

/** The suite's `flow:` must name the session's flow: a test file tests one flow. */
function checkSameFlow(file: string, written: unknown, flowAbs: string): void {
  if (typeof written !== 'string' || resolve(dirname(file), written) !== flowAbs) {
    throw new ApiError('invalid_test', `${basename(file)} tests ${typeof written === 'string' ? written : 'no flow'}, not this flow: save to another test file`)
  }
}

function checkNewName(names: unknown[], name: string, file: string): void {
  if (names.includes(name)) throw new ApiError('already_exists', `${basename(file)} already has a test named "${name}"`)
}

/** Appends the test case to `file` (creating it), keeping the file's comments and layout. */
export async function writeTestCase(file: string, flowAbs: string, testCase: Json & { name: string }): Promise<{ created: boolean }> {
  if (!TEST_FILE.test(file)) throw new ApiError('bad_request', 'a test file name ends in .test.yaml, .test.yml or .test.json')
  const json = /\.json$/i.test(file)
  const flowRef = relative(dirname(file), flowAbs).split(sep).join('/')
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true })
    const suite = { flow: flowRef, tests: [testCase] }
    await writeFile(file, json ? `${JSON.stringify(suite, null, 2)}\n` : new Document(suite).toString({ lineWidth: 0 }), { encoding: 'utf8', flag: 'wx' })
    return { created: true }
  }
  const text = await readFile(file, 'utf8')
  if (json) {
    let suite: { flow?: unknown; tests?: unknown }
    try {
      suite = JSON.parse(text) as typeof suite
    } catch {
      throw new ApiError('invalid_test', `${basename(file)} is not valid JSON: fix it before adding tests`)
    }
    if (!suite || typeof suite !== 'object') throw new ApiError('invalid_test', `${basename(file)} is not a test suite`)
    checkSameFlow(file, suite.flow, flowAbs)
    const tests = Array.isArray(suite.tests) ? suite.tests : []
    checkNewName(tests.map((t: { name?: unknown }) => t?.name), testCase.name, file)
    suite.tests = [...tests, testCase]
    await writeFile(file, `${JSON.stringify(suite, null, 2)}\n`, 'utf8')
    return { created: false }
  }
  const doc = parseDocument(text)
  if (doc.errors.length || !isMap(doc.contents)) throw new ApiError('invalid_test', `${basename(file)} is not a valid test file: fix it before adding tests`)
  checkSameFlow(file, doc.get('flow'), flowAbs)
  const tests = doc.get('tests', true)
  if (isSeq(tests)) {
    checkNewName(tests.items.map((t) => (isMap(t) ? t.get('name') : undefined)), testCase.name, file)
    tests.items.push(doc.createNode(testCase))
  } else {
    doc.set('tests', doc.createNode([testCase]))
  }
  await writeFile(file, doc.toString({ lineWidth: 0 }), 'utf8')
  return { created: false }
}
