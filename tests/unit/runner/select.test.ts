import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseShard, passesFilter, shardSlice } from '../../../src-main/core/runner/select'

describe('shards', () => {
  it('parses I/N and refuses nonsense', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 })
    expect(parseShard(' 2 / 2 ')).toEqual({ index: 2, count: 2 })
    expect(typeof parseShard('3/2')).toBe('string')
    expect(typeof parseShard('0/2')).toBe('string')
    expect(typeof parseShard('1/0')).toBe('string')
    expect(typeof parseShard('a/b')).toBe('string')
    expect(typeof parseShard('1')).toBe('string')
  })

  it('slices contiguously, in order', () => {
    const items = [0, 1, 2, 3, 4, 5, 6]
    expect(shardSlice(items, { index: 1, count: 3 })).toEqual([0, 1])
    expect(shardSlice(items, { index: 2, count: 3 })).toEqual([2, 3])
    expect(shardSlice(items, { index: 3, count: 3 })).toEqual([4, 5, 6])
  })

  it('every item lands in exactly one shard, shards differ in size by at most one', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 20 }), (n, count) => {
      const items = Array.from({ length: n }, (_, i) => i)
      const shards = Array.from({ length: count }, (_, i) => shardSlice(items, { index: i + 1, count }))
      expect(shards.flat()).toEqual(items)
      const sizes = shards.map((s) => s.length)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    }))
  })
})

describe('filters', () => {
  const test = { name: 'greets and helps', suiteName: 'Support flow', tags: ['smoke', 'fast'] }

  it('grep on the name or on `<suite name> <name>`', () => {
    expect(passesFilter(test, { grep: /helps$/ })).toBe(true)
    expect(passesFilter(test, { grep: /^greets/ })).toBe(true)
    expect(passesFilter(test, { grep: /^Support flow greets/ })).toBe(true)
    expect(passesFilter(test, { grep: /goodbye/ })).toBe(false)
  })

  it('tags: any of them', () => {
    expect(passesFilter(test, { tags: ['smoke'] })).toBe(true)
    expect(passesFilter(test, { tags: ['slow', 'fast'] })).toBe(true)
    expect(passesFilter(test, { tags: ['slow'] })).toBe(false)
    expect(passesFilter({ ...test, tags: [] }, { tags: ['smoke'] })).toBe(false)
  })

  it('tags and grep together must both hold', () => {
    expect(passesFilter(test, { tags: ['smoke'], grep: /nope/ })).toBe(false)
    expect(passesFilter(test, {})).toBe(true)
  })
})
