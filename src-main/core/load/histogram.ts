// Latency recording: HDR histograms (hdr-histogram-js) in microseconds, 3 significant digits.
// Workers count samples into HDR's own bucket layout on the hot path (a few integer operations
// instead of the library's log/pow per value) and fold each second into a real hdr-histogram-js
// histogram, which is what gets encoded, shipped and merged. The buckets are identical, so
// nothing is approximated beyond HDR's own 0.1% resolution.
import * as hdr from 'hdr-histogram-js'

export type Histogram = hdr.Histogram

/** 3 significant digits with a 1 µs unit: 2048 sub-buckets (HDR's layout for these settings). */
const SUB_BUCKET_HALF_MAGNITUDE = 10
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE
const SUB_BUCKET_MASK = (SUB_BUCKET_HALF_COUNT << 1) - 1
/** 32 − log2(sub-bucket count): bucket index from a 32-bit leading-zero count. */
const LEADING_ZERO_BASE = 32 - (SUB_BUCKET_HALF_MAGNITUDE + 1)
/** Values are clamped below 2^32 µs (71 minutes): far beyond any turn. */
const MAX_RECORDABLE_US = 0xffff_ffff
const BUCKETS = LEADING_ZERO_BASE + 1
const COUNTS_LENGTH = (BUCKETS + 1) << SUB_BUCKET_HALF_MAGNITUDE

/** A new, empty histogram of microseconds (auto-resizing, 3 significant digits). */
export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 })
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32)
}

/** The index of the HDR bucket a value (µs, integer ≥ 0) falls in. */
export function countsIndexOf(us: number): number {
  const bucket = LEADING_ZERO_BASE - Math.clz32(us | SUB_BUCKET_MASK)
  const sub = us >>> bucket
  return ((bucket + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT
}

/** The lowest value of the bucket at `index` (inverse of countsIndexOf). */
export function valueOfCountsIndex(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) - 1
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT
    bucket = 0
  }
  return sub * 2 ** bucket
}

/**
 * Counts samples (milliseconds, stored as whole microseconds) in HDR buckets. Only the buckets
 * touched since the last flush are visited when folding, so an idle recorder costs nothing.
 */
export class LatencyRecorder {
  private counts: Uint32Array | undefined
  private touched: number[] = []
  private total = 0

  get count(): number {
    return this.total
  }

  record(ms: number): void {
    let us = Math.round(ms * 1000)
    if (!(us >= 0)) us = 0
    else if (us > MAX_RECORDABLE_US) us = MAX_RECORDABLE_US
    const counts = (this.counts ??= new Uint32Array(COUNTS_LENGTH))
    const i = countsIndexOf(us)
    if (counts[i]++ === 0) this.touched.push(i)
    this.total++
  }

  /** Adds the counted samples to `into` (a new histogram by default) and empties the recorder. */
  drainInto(into: Histogram = newHistogram()): Histogram {
    const counts = this.counts
    if (counts) {
      for (const i of this.touched) {
        into.recordValueWithCount(valueOfCountsIndex(i), counts[i]!)
        counts[i] = 0
      }
    }
    this.touched = []
    this.total = 0
    return into
  }

  /** The counted samples as an encoded histogram (undefined when empty); empties the recorder. */
  drainEncoded(): string | undefined {
    if (this.total === 0) return undefined
    const h = this.drainInto()
    const encoded = encodeHistogram(h)
    h.destroy()
    return encoded
  }
}

/** Percentiles in milliseconds, as reports print them. */
export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000

/** A percentile (0..100) of a µs histogram, in ms; 0 for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  if (h.totalCount === 0) return 0
  // HDR answers with the top of the bucket the percentile falls in (also for 100: the max).
  return round3(h.getValueAtPercentile(Math.min(100, p)) / 1000)
}

export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50: percentileMs(h, 50),
    p90: percentileMs(h, 90),
    p95: percentileMs(h, 95),
    p99: percentileMs(h, 99),
    p999: percentileMs(h, 99.9),
    max: percentileMs(h, 100),
  }
}

/** Adds an encoded histogram into `into` (merging is exact: counts add bucket by bucket). */
export function mergeEncoded(into: Histogram, encoded: string): void {
  const h = decodeHistogram(encoded)
  into.add(h)
  h.destroy()
}
