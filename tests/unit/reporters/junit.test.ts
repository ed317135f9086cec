import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { escapeXml, renderJUnit } from '../../../src-main/core/reporters/junit'
import { sampleReport } from './sample'

const xml = renderJUnit(sampleReport())
const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml) as Record<string, any>

describe('JUnit report', () => {
  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true)
  })

  it('has testsuites with the counts and the time in seconds', () => {
    expect(parsed.testsuites).toMatchObject({ name: 'flowbench', tests: '5', failures: '1', errors: '2', skipped: '1', time: '1.234' })
  })

  it('one testsuite per file, with its own counts', () => {
    const [support, broken] = parsed.testsuites.testsuite
    expect(support).toMatchObject({ name: 'Support <flow> & "friends"', tests: '4', failures: '1', errors: '1', skipped: '1', file: 'tests/support.test.yaml' })
    expect(broken).toMatchObject({ tests: '1', failures: '0', errors: '1', skipped: '0' })
  })

  it('testcases carry failure, error and skipped elements', () => {
    const [passed, failed, errored, skipped] = parsed.testsuites.testsuite[0].testcase
    expect(passed).toMatchObject({ name: 'greets and helps', classname: 'tests/support.test.yaml', time: '0.002' })
    expect(passed.failure).toBeUndefined()
    expect(failed.name).toBe('falls back <badly> & "loudly"')
    expect(failed.failure.type).toBe('state')
    expect(failed.failure.message).toContain('help_response')
    expect(failed.failure['#text']).toContain('tests/support.test.yaml:15:9')
    expect(failed.failure['#text']).toContain('reply')
    expect(errored.error.message).toContain('nlu_strict')
    expect(skipped.skipped).toMatchObject({ message: 'filtered' })
    const suiteError = parsed.testsuites.testsuite[1].testcase[0]
    expect(suiteError.error.message).toContain('tests/broken.test.yaml:3:5')
  })

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(escapeXml('<a b="c">&\'\u0001\u0000x')).toBe('&lt;a b=&quot;c&quot;&gt;&amp;&apos;x')
    expect(xml).not.toContain('\u0001')
  })
})
