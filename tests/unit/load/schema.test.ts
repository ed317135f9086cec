// resources/schema/load.schema.json: generated from src-main/common/load-schema.ts (and current),
// it accepts every scenario the loader accepts in the repository, refuses unknown keys as the
// loader does, and names exactly the threshold metrics the loader knows.
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Ajv from 'ajv'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { LoadScenarioSchema, THRESHOLD_NAME_PATTERN } from '../../../src-main/common/load-schema'
import { LATENCY_METRICS, PLAIN_METRICS, STATISTICS } from '../../../src-main/core/load/thresholds'
import { loadScenarioText } from '../../../src-main/core/load/scenario'

const REPO = resolve(__dirname, '../../..')
const shipped = JSON.parse(readFileSync(join(REPO, 'resources/schema/load.schema.json'), 'utf8')) as Record<string, unknown>
const validate = new Ajv({ strict: false, allErrors: true }).compile(shipped)

const scenarioFiles = [join(REPO, 'resources/samples/load'), join(REPO, 'tests/fixtures/load/load')].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith('.load.yaml')).map((f) => join(dir, f)),
)
/** A fixture that is wrong on purpose (a misspelt threshold metric): the loader refuses it too. */
const MISSPELT = 'unknown-metric.load.yaml'

describe('the load scenario schema', () => {
  it('is the TypeBox definition, generated (run `npm run gen:schema` after changing load-schema.ts)', () => {
    const { $schema, $id, ...rest } = shipped
    expect($schema).toBe('http://json-schema.org/draft-07/schema#')
    expect($id).toBe('https://flowbench.dev/schema/load.schema.json')
    expect(rest).toEqual(JSON.parse(JSON.stringify(LoadScenarioSchema)))
  })

  it.each(scenarioFiles.filter((f) => !f.endsWith(MISSPELT)).map((f) => [f.slice(REPO.length + 1), f]))('accepts %s', (_, file) => {
    const ok = validate(parse(readFileSync(file, 'utf8')))
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
  })

  it('refuses the misspelt threshold metric the loader refuses', () => {
    const file = scenarioFiles.find((f) => f.endsWith(MISSPELT))!
    expect(validate(parse(readFileSync(file, 'utf8')))).toBe(false)
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/thresholds', params: { additionalProperty: 'turn_latncy_p99' } }))
  })

  it('refuses what the loader refuses: unknown keys, numbers without a unit, unknown metrics', async () => {
    const base = { flow: 'f.flow.yaml', conversations: [{ steps: ['hi'] }], profile: { executor: 'constant-arrival-rate', rate: 5, duration: '10s' } }
    expect(validate(base)).toBe(true)
    expect(validate({ ...base, profil: {} })).toBe(false)
    expect(validate({ ...base, profile: { ...base.profile, duration: 10 } })).toBe(false)
    expect(validate({ ...base, profile: { ...base.profile, executor: 'constant-rate' } })).toBe(false)
    expect(validate({ ...base, thresholds: { turn_latency_p42: '< 5ms' } })).toBe(false)
    expect(validate({ ...base, thresholds: { 'service_time_p95{state=detect}': '< 5ms', error_rate: ['< 1%'], throughput: { condition: '> 10/s', abort_on_fail: true } } })).toBe(true)
    // The loader refuses the same typo, with its own message and place.
    await expect(loadScenarioText('profil: {}\nconversations: [{ steps: [hi] }]\nprofile: { executor: constant-vus, vus: 1, duration: 1s }\n', join(REPO, 'tests/fixtures/load/load/x.load.yaml'))).rejects.toThrow(
      /x\.load\.yaml:1:1 profil: unknown key "profil" \(did you mean "profile"\?\)/,
    )
  })

  it('names every threshold metric the loader knows, and no other', () => {
    const pattern = new RegExp(THRESHOLD_NAME_PATTERN)
    for (const metric of Object.keys(LATENCY_METRICS)) for (const stat of Object.keys(STATISTICS)) expect(pattern.test(`${metric}_${stat}`)).toBe(true)
    for (const metric of Object.keys(PLAIN_METRICS)) {
      expect(pattern.test(metric)).toBe(true)
      expect(pattern.test(`${metric}{state=greeting}`)).toBe(true)
    }
    expect(pattern.test('turn_latency')).toBe(false)
    expect(pattern.test('latency_p95')).toBe(false)
  })
})
