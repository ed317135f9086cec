// Which tests a run executes: skip, tag and grep filters (a filtered test is reported as
// skipped), `--shard I/N` over the run's ordered tests, and picking single tests by name.

export interface ShardSpec {
  /** 1-based. */
  index: number
  count: number
}

/** `I/N` with 1 <= I <= N, or an explanation of what is wrong with it. */
export function parseShard(text: string): ShardSpec | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (!m) return `--shard takes I/N (e.g. 1/3), not "${text}"`
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1) return `--shard ${text}: N must be at least 1`
  if (index < 1 || index > count) return `--shard ${text}: I must be between 1 and ${count}`
  return { index, count }
}

/**
 * The shard's slice of `items` (already in run order): contiguous and balanced, so shard
 * sizes differ by at most one and every item lands in exactly one shard.
 */
export function shardSlice<T>(items: readonly T[], shard: ShardSpec): T[] {
  const start = Math.floor(((shard.index - 1) * items.length) / shard.count)
  const end = Math.floor((shard.index * items.length) / shard.count)
  return items.slice(start, end)
}

export interface TestFilter {
  /** Tested against the test's name, and against `<suite name> <test name>`. */
  grep?: RegExp
  /** A test runs when it carries at least one of these tags. */
  tags?: readonly string[]
}

export interface FilterSubject {
  name: string
  suiteName: string
  tags: readonly string[]
}

/** Whether a test passes the run's tag and grep filters. */
export function passesFilter(test: FilterSubject, filter: TestFilter): boolean {
  if (filter.tags?.length && !test.tags.some((t) => filter.tags!.includes(t))) return false
  if (filter.grep) {
    const re = filter.grep
    re.lastIndex = 0
    if (re.test(test.name)) return true
    re.lastIndex = 0
    return re.test(`${test.suiteName} ${test.name}`)
  }
  return true
}

/** A selected test: by its name, or (for `each` tests) by the name written in the file. */
export interface TestSelector {
  file: string
  name: string
}

export function isSelected(selectors: readonly TestSelector[], file: string, name: string, baseName: string): boolean {
  return selectors.some((s) => s.file === file && (s.name === name || s.name === baseName))
}
