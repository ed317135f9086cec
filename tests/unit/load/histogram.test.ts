import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as hdr from 'hdr-histogram-js'
import {
  LatencyRecorder,
  countsIndexOf,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  newHistogram,
  percentileMs,
  summarize,
  valueOfCountsIndex,
} from '../../../src-main/core/load/histogram'

const PERCENTILES = [0, 1, 10, 50, 75, 90, 95, 99, 99.9, 100]

describe('HDR bucket layout', () => {
  it('puts a value in the same bucket hdr-histogram-js does', () => {
    const reference = hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3 }) as unknown as { countsArrayIndex(v: number): number }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (v) => {
        expect(countsIndexOf(v)).toBe(reference.countsArrayIndex(v))
      }),
      { numRuns: 2000 },
    )
  })

  it('maps a bucket back to a value inside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (v) => {
        const i = countsIndexOf(v)
        expect(countsIndexOf(valueOfCountsIndex(i))).toBe(i)
        expect(valueOfCountsIndex(i)).toBeLessThanOrEqual(v)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('LatencyRecorder', () => {
  it('folds into the same percentiles as recording straight into hdr-histogram-js', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 400 }), (samplesMs) => {
        const recorder = new LatencyRecorder()
        const direct = newHistogram()
        for (const ms of samplesMs) {
          recorder.record(ms)
          direct.recordValue(Math.round(ms * 1000))
        }
        const folded = recorder.drainInto()
        expect(folded.totalCount).toBe(samplesMs.length)
        for (const p of PERCENTILES) expect(percentileMs(folded, p)).toBe(percentileMs(direct, p))
      }),
      { numRuns: 100 },
    )
  })

  it('empties itself when drained, and an empty recorder encodes to nothing', () => {
    const r = new LatencyRecorder()
    expect(r.drainEncoded()).toBeUndefined()
    r.record(1.5)
    r.record(2.5)
    expect(r.count).toBe(2)
    const encoded = r.drainEncoded()!
    expect(decodeHistogram(encoded).totalCount).toBe(2)
    expect(r.count).toBe(0)
    expect(r.drainEncoded()).toBeUndefined()
  })

  it('clamps negative and absurd values instead of failing', () => {
    const r = new LatencyRecorder()
    r.record(-3)
    r.record(Number.NaN)
    r.record(1e12)
    const h = r.drainInto()
    expect(h.totalCount).toBe(3)
    expect(percentileMs(h, 50)).toBe(0)
  })
})

describe('merging per-worker, per-second histograms', () => {
  it('is exact: merging the encoded parts equals one histogram of every sample', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { maxLength: 200 }), { minLength: 1, maxLength: 8 }), (parts) => {
        const whole = newHistogram()
        const merged = newHistogram()
        for (const part of parts) {
          const r = new LatencyRecorder()
          for (const us of part) {
            r.record(us / 1000)
            whole.recordValue(us)
          }
          const encoded = r.drainEncoded()
          if (encoded) mergeEncoded(merged, encoded)
        }
        expect(merged.totalCount).toBe(whole.totalCount)
        for (const p of PERCENTILES) expect(percentileMs(merged, p)).toBe(percentileMs(whole, p))
      }),
      { numRuns: 60 },
    )
  })

  it('is not an average of percentiles: one slow worker shows in the merged p99', () => {
    const fast = new LatencyRecorder()
    const slow = new LatencyRecorder()
    for (let i = 0; i < 980; i++) fast.record(1)
    for (let i = 0; i < 20; i++) slow.record(300)
    const merged = newHistogram()
    mergeEncoded(merged, fast.drainEncoded()!)
    mergeEncoded(merged, slow.drainEncoded()!)
    // 2% of all turns took 300 ms: the merged p99 is 300 ms, whereas averaging the
    // workers' p99s (1 ms and 300 ms) would have said about 150 ms.
    expect(percentileMs(merged, 99)).toBeCloseTo(300, 0)
    expect(percentileMs(merged, 50)).toBeCloseTo(1, 2)
  })

  it('round-trips through the compressed base64 encoding', () => {
    const h = newHistogram()
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 37)
    const back = decodeHistogram(encodeHistogram(h))
    expect(summarize(back)).toEqual(summarize(h))
  })
})
