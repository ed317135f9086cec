// The main thread's view of a run: every worker's per-second reports merged — counters added,
// HDR histograms added bucket by bucket (never percentiles averaged) — into totals, per-state,
// per-integration and per-flow breakdowns, and a per-second timeline.
import { mergeEncoded, newHistogram, percentileMs, type Histogram } from './histogram'
import type { CountByCode, SecondReport } from './protocol'
import type { MetricSource, ThresholdDefinition } from './thresholds'

export type { TimelineEntry } from '../../common/load-result'
import type { TimelineEntry } from '../../common/load-result'

interface SecondAccumulator {
  turns: number
  errors: number
  started: number
  completed: number
  dropped: number
  turnLatency: Histogram
  service: Histogram
  harnessLag: Histogram
  heapMb: number
  loopDelayP99: number
  utilization: number[]
  serviceMs: number
  blockedMs: number
}


export class Breakdown {
  turns = 0
  errorTurns = 0
  readonly turnLatency = newHistogram()
  readonly service = newHistogram()
}

export class IntegrationBreakdown {
  calls = 0
  failures = 0
  turns = 0
  readonly errors: CountByCode = {}
  readonly callLatency = newHistogram()
  readonly turnLatency = newHistogram()
  readonly service = newHistogram()
}

export class FlowBreakdown {
  turns = 0
  conversations = 0
  readonly turnLatency = newHistogram()
}

export interface MainSample {
  rss_mb: number
  heap_mb: number
}

function addCounts(into: CountByCode, from: CountByCode): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k]!
}

export class RunMetrics implements MetricSource {
  turns = 0
  errorTurns = 0
  readonly errors: CountByCode = {}
  intentFallbacks = 0
  conversationsStarted = 0
  conversationsCompleted = 0
  dropped = 0
  interrupted = 0
  startErrors = 0
  serviceMs = 0
  blockedMs = 0
  /** Milliseconds of run the rates are computed over (set by the coordinator as the run goes). */
  elapsedMs = 0

  readonly turnLatency = newHistogram()
  readonly service = newHistogram()
  readonly queueWait = newHistogram()
  readonly harnessLag = newHistogram()
  readonly conversationDuration = newHistogram()
  readonly integrationLatency = newHistogram()
  readonly states = new Map<string, Breakdown>()
  readonly integrations = new Map<string, IntegrationBreakdown>()
  readonly flows = new Map<string, FlowBreakdown>()

  private readonly open = new Map<number, SecondAccumulator>()
  private readonly mainSamples = new Map<number, MainSample>()
  readonly timeline: TimelineEntry[] = []
  private finalizedThrough = -1
  peakRssMb = 0
  peakHeapMb = 0
  maxLoopDelayMs = 0

  constructor(
    /** Offered load at second t (rate or VUs), for the timeline. */
    private readonly targetAt: (t_s: number) => number = () => 0,
  ) {}

  absorb(r: SecondReport): void {
    this.turns += r.turns
    this.errorTurns += r.error_turns
    addCounts(this.errors, r.errors)
    this.intentFallbacks += r.intent_fallbacks
    this.conversationsStarted += r.conversations_started
    this.conversationsCompleted += r.conversations_completed
    this.dropped += r.dropped
    this.interrupted += r.interrupted
    this.startErrors += r.start_errors
    this.serviceMs += r.service_ms
    this.blockedMs += r.blocked_ms
    const h = r.histograms
    if (h.turn_latency) mergeEncoded(this.turnLatency, h.turn_latency)
    if (h.service_time) mergeEncoded(this.service, h.service_time)
    if (h.queue_wait) mergeEncoded(this.queueWait, h.queue_wait)
    if (h.harness_lag) mergeEncoded(this.harnessLag, h.harness_lag)
    if (h.conversation_duration) mergeEncoded(this.conversationDuration, h.conversation_duration)
    for (const [name, s] of Object.entries(r.states)) {
      let b = this.states.get(name)
      if (!b) this.states.set(name, (b = new Breakdown()))
      b.turns += s.turns
      b.errorTurns += s.error_turns
      if (s.turn_latency) mergeEncoded(b.turnLatency, s.turn_latency)
      if (s.service_time) mergeEncoded(b.service, s.service_time)
    }
    for (const [id, s] of Object.entries(r.integrations)) {
      let b = this.integrations.get(id)
      if (!b) this.integrations.set(id, (b = new IntegrationBreakdown()))
      b.calls += s.calls
      b.failures += s.failures
      b.turns += s.turns
      addCounts(b.errors, s.errors)
      if (s.call_latency) {
        mergeEncoded(b.callLatency, s.call_latency)
        mergeEncoded(this.integrationLatency, s.call_latency)
      }
      if (s.turn_latency) mergeEncoded(b.turnLatency, s.turn_latency)
      if (s.service_time) mergeEncoded(b.service, s.service_time)
    }
    for (const [file, s] of Object.entries(r.flows)) {
      let b = this.flows.get(file)
      if (!b) this.flows.set(file, (b = new FlowBreakdown()))
      b.turns += s.turns
      b.conversations += s.conversations
      if (s.turn_latency) mergeEncoded(b.turnLatency, s.turn_latency)
    }
    if (r.t_s <= this.finalizedThrough) {
      // A second already on the timeline (a worker that reported late): totals took it above.
      return
    }
    const acc = this.second(r.t_s)
    acc.turns += r.turns
    acc.errors += sumCounts(r.errors)
    acc.started += r.conversations_started
    acc.completed += r.conversations_completed
    acc.dropped += r.dropped
    if (h.turn_latency) mergeEncoded(acc.turnLatency, h.turn_latency)
    if (h.service_time) mergeEncoded(acc.service, h.service_time)
    if (h.harness_lag) mergeEncoded(acc.harnessLag, h.harness_lag)
    acc.heapMb += r.heap_used_mb
    acc.loopDelayP99 = Math.max(acc.loopDelayP99, r.loop_delay_p99_ms)
    this.maxLoopDelayMs = Math.max(this.maxLoopDelayMs, r.loop_delay_max_ms)
    // Polling for a turn due within the millisecond keeps the event loop busy, but the thread is waiting.
    acc.utilization.push(Math.max(0, r.utilization - (r.poll_ms ?? 0) / 1000))
    acc.serviceMs += r.service_ms
    acc.blockedMs += r.blocked_ms
  }

  /**
   * Conversations lost with a worker that died, at second t: each counts as interrupted and as one
   * turn that errored with `code` (it never got an answer, so it has no latency sample); `started`
   * adds the ones it started without having reported it.
   */
  absorbLost(t_s: number, lost: number, started: number, code: string): void {
    if (lost <= 0 && started <= 0) return
    this.turns += lost
    this.errorTurns += lost
    if (lost > 0) this.errors[code] = (this.errors[code] ?? 0) + lost
    this.interrupted += lost
    this.conversationsStarted += started
    if (t_s <= this.finalizedThrough) return
    const acc = this.second(t_s)
    acc.turns += lost
    acc.errors += lost
    acc.started += started
  }

  /** The main thread's memory at second t (RSS covers every thread of the process). */
  sampleMain(t_s: number, sample: MainSample): void {
    this.mainSamples.set(t_s, sample)
    this.peakRssMb = Math.max(this.peakRssMb, sample.rss_mb)
  }

  private second(t: number): SecondAccumulator {
    let acc = this.open.get(t)
    if (!acc) {
      acc = {
        turns: 0, errors: 0, started: 0, completed: 0, dropped: 0,
        turnLatency: newHistogram(), service: newHistogram(), harnessLag: newHistogram(),
        heapMb: 0, loopDelayP99: 0, utilization: [], serviceMs: 0, blockedMs: 0,
      }
      this.open.set(t, acc)
    }
    return acc
  }

  /** Puts every second up to `t_s` on the timeline (seconds nobody reported are zero) and frees their histograms. */
  finalizeThrough(t_s: number): TimelineEntry[] {
    const added: TimelineEntry[] = []
    for (let t = this.finalizedThrough + 1; t <= t_s; t++) {
      const acc = this.open.get(t)
      const main = this.mainSamples.get(t)
      const heap = (acc?.heapMb ?? 0) + (main?.heap_mb ?? 0)
      this.peakHeapMb = Math.max(this.peakHeapMb, heap)
      const util = acc?.utilization.length ? acc.utilization.reduce((a, b) => a + b, 0) / acc.utilization.length : 0
      const busyMs = acc ? acc.utilization.reduce((a, b) => a + b, 0) * 1000 : 0
      const harnessShare = busyMs > 0 ? Math.max(0, Math.min(1, (busyMs - acc!.serviceMs - acc!.blockedMs) / busyMs)) : 0
      const entry: TimelineEntry = {
        t_s: t,
        turns: acc?.turns ?? 0,
        errors: acc?.errors ?? 0,
        conversations_started: acc?.started ?? 0,
        conversations_completed: acc?.completed ?? 0,
        dropped: acc?.dropped ?? 0,
        p50_ms: acc ? percentileMs(acc.turnLatency, 50) : 0,
        p90_ms: acc ? percentileMs(acc.turnLatency, 90) : 0,
        p95_ms: acc ? percentileMs(acc.turnLatency, 95) : 0,
        p99_ms: acc ? percentileMs(acc.turnLatency, 99) : 0,
        max_ms: acc ? percentileMs(acc.turnLatency, 100) : 0,
        service_p99_ms: acc ? percentileMs(acc.service, 99) : 0,
        harness_lag_p99_ms: acc ? percentileMs(acc.harnessLag, 99) : 0,
        target: Math.round(this.targetAt(t) * 100) / 100,
        rss_mb: main?.rss_mb ?? 0,
        heap_mb: Math.round(heap * 10) / 10,
        loop_delay_p99_ms: acc?.loopDelayP99 ?? 0,
        worker_utilization: Math.round(util * 1000) / 1000,
        harness_share: Math.round(harnessShare * 1000) / 1000,
      }
      if (acc) {
        acc.turnLatency.destroy()
        acc.service.destroy()
        acc.harnessLag.destroy()
        this.open.delete(t)
      }
      this.mainSamples.delete(t)
      this.timeline.push(entry)
      added.push(entry)
    }
    this.finalizedThrough = Math.max(this.finalizedThrough, t_s)
    return added
  }

  /** The last second with data from any worker (or the main thread). */
  lastSecond(): number {
    let last = this.finalizedThrough
    for (const t of this.open.keys()) last = Math.max(last, t)
    for (const t of this.mainSamples.keys()) last = Math.max(last, t)
    return last
  }

  get errorCount(): number {
    return sumCounts(this.errors)
  }

  // ---- MetricSource (thresholds) ------------------------------------------------------

  latency(metric: string, tag?: ThresholdDefinition['tag']): Histogram | undefined {
    if (tag?.key === 'state') {
      const b = this.states.get(tag.value)
      if (!b) return undefined
      return metric === 'service_time' ? b.service : metric === 'turn_latency' ? b.turnLatency : undefined
    }
    if (tag?.key === 'integration') {
      const b = this.integrations.get(tag.value)
      if (!b) return undefined
      if (metric === 'integration_latency') return b.callLatency
      return metric === 'service_time' ? b.service : metric === 'turn_latency' ? b.turnLatency : undefined
    }
    switch (metric) {
      case 'turn_latency': return this.turnLatency
      case 'service_time': return this.service
      case 'queue_wait': return this.queueWait
      case 'harness_lag': return this.harnessLag
      case 'conversation_duration': return this.conversationDuration
      case 'integration_latency': return this.integrationLatency
      default: return undefined
    }
  }

  ratio(metric: string, tag?: ThresholdDefinition['tag']): { part: number; whole: number } {
    switch (metric) {
      case 'error_rate': {
        if (tag?.key === 'state') {
          const b = this.states.get(tag.value)
          return { part: b?.errorTurns ?? 0, whole: b?.turns ?? 0 }
        }
        if (tag?.key === 'integration') {
          const b = this.integrations.get(tag.value)
          return { part: b?.failures ?? 0, whole: b?.calls ?? 0 }
        }
        return { part: this.errorTurns, whole: this.turns }
      }
      case 'dropped_rate': return { part: this.dropped, whole: this.conversationsStarted + this.dropped }
      case 'intent_fallback_rate': return { part: this.intentFallbacks, whole: this.turns }
      default: return { part: 0, whole: 0 }
    }
  }

  perSecond(metric: string, tag?: ThresholdDefinition['tag']): { count: number; seconds: number } {
    const seconds = this.elapsedMs / 1000
    if (metric === 'conversations_per_s') return { count: this.conversationsCompleted, seconds }
    if (tag?.key === 'state') return { count: this.states.get(tag.value)?.turns ?? 0, seconds }
    if (tag?.key === 'integration') return { count: this.integrations.get(tag.value)?.calls ?? 0, seconds }
    return { count: this.turns, seconds }
  }
}

export function sumCounts(c: CountByCode): number {
  let n = 0
  for (const k in c) n += c[k]!
  return n
}
