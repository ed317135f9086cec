import { describe, expect, it } from 'vitest'
import { describeExpected, isMatcher, matchValue, TestDefinitionError } from '../../../src-main/core/runner/matchers'

describe('matchValue', () => {
  it('compares plain values for equality, deeply', () => {
    expect(matchValue('a', 'a')).toBe(true)
    expect(matchValue('a', 'b')).toBe(false)
    expect(matchValue(1, 1)).toBe(true)
    expect(matchValue(1, '1')).toBe(false)
    expect(matchValue(true, true)).toBe(true)
    expect(matchValue([1, 2], [1, 2])).toBe(true)
    expect(matchValue([1, 2], [1, 2, 3])).toBe(false)
    expect(matchValue({ a: 1, b: [2] }, { a: 1, b: [2] })).toBe(true)
    expect(matchValue({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(matchValue({ a: 1, b: 2 }, { a: 1 })).toBe(false)
  })

  it('treats null and a missing value alike', () => {
    expect(matchValue(null, null)).toBe(true)
    expect(matchValue(null, undefined)).toBe(true)
    expect(matchValue(null, 0)).toBe(false)
    expect(matchValue(null, '')).toBe(false)
  })

  it('contains / not_contains on text and on lists', () => {
    expect(matchValue({ contains: 'help' }, "I'm here to help.")).toBe(true)
    expect(matchValue({ contains: 'Help' }, "I'm here to help.")).toBe(false)
    expect(matchValue({ contains: 'b' }, ['a', 'b'])).toBe(true)
    expect(matchValue({ contains: 'c' }, ['a', 'b'])).toBe(false)
    expect(matchValue({ contains: 'x' }, null)).toBe(false)
    expect(matchValue({ not_contains: 'error' }, 'all fine')).toBe(true)
    expect(matchValue({ not_contains: 'fine' }, 'all fine')).toBe(false)
  })

  it('matches: a regular expression, plain or /re/flags', () => {
    expect(matchValue({ matches: '^Hello' }, 'Hello there')).toBe(true)
    expect(matchValue({ matches: '^hello' }, 'Hello there')).toBe(false)
    expect(matchValue({ matches: '/^hello/i' }, 'Hello there')).toBe(true)
    expect(matchValue({ matches: '^\\d+$' }, 42)).toBe(true)
    expect(matchValue({ matches: 'x' }, null)).toBe(false)
    // A global flag must not make repeated checks alternate.
    expect(matchValue({ matches: '/a/g' }, 'a')).toBe(true)
    expect(matchValue({ matches: '/a/g' }, 'a')).toBe(true)
  })

  it('one_of: any option matches (options may be matchers)', () => {
    expect(matchValue({ one_of: ['a', 'b'] }, 'b')).toBe(true)
    expect(matchValue({ one_of: ['a', 'b'] }, 'c')).toBe(false)
    expect(matchValue({ one_of: [null, 'x'] }, null)).toBe(true)
    expect(matchValue({ one_of: [{ gte: 10 }, 1] }, 12)).toBe(true)
  })

  it('gte / lte / gt / lt compare numbers only', () => {
    expect(matchValue({ gte: 0.8 }, 0.8)).toBe(true)
    expect(matchValue({ gt: 0.8 }, 0.8)).toBe(false)
    expect(matchValue({ lte: 3 }, 3)).toBe(true)
    expect(matchValue({ lt: 3 }, 3)).toBe(false)
    expect(matchValue({ lt: 3 }, 2)).toBe(true)
    expect(matchValue({ gte: 1 }, '5')).toBe(false)
    expect(matchValue({ gte: 1 }, null)).toBe(false)
  })

  it('several matcher keys in one object must all hold', () => {
    expect(matchValue({ gte: 0.5, lt: 0.9 }, 0.7)).toBe(true)
    expect(matchValue({ gte: 0.5, lt: 0.9 }, 0.95)).toBe(false)
    expect(matchValue({ contains: 'a', not_contains: 'z' }, 'abc')).toBe(true)
  })

  it('matchers work nested inside plain objects and lists', () => {
    expect(matchValue({ id: { matches: '^A' }, n: { gt: 1 } }, { id: 'A7', n: 2 })).toBe(true)
    expect(matchValue([{ contains: 'x' }, 'b'], ['axe', 'b'])).toBe(true)
  })

  it('a wrong matcher is an error of the test, not a failure', () => {
    expect(() => matchValue({ matches: '(' }, 'x')).toThrow(TestDefinitionError)
    expect(() => matchValue({ gte: 'ten' }, 1)).toThrow(TestDefinitionError)
    expect(() => matchValue({ one_of: 'a' }, 'a')).toThrow(TestDefinitionError)
  })

  it('an object with other keys is a plain value, not a matcher', () => {
    expect(isMatcher({ contains: 'a' })).toBe(true)
    expect(isMatcher({ contains: 'a', other: 1 })).toBe(false)
    expect(isMatcher({})).toBe(false)
    expect(matchValue({ contains: 'a', other: 1 }, { contains: 'a', other: 1 })).toBe(true)
  })
})

describe('describeExpected', () => {
  it('reads like the matcher', () => {
    expect(describeExpected('x')).toBe('"x"')
    expect(describeExpected({ contains: 'help' })).toBe('containing "help"')
    expect(describeExpected({ gte: 0.5, lt: 1 })).toBe('>= 0.5 and < 1')
    expect(describeExpected({ matches: '^a' })).toBe('matching /^a/')
    expect(describeExpected({ one_of: ['a', 'b'] })).toBe('one of ["a","b"]')
  })
})
