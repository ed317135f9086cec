// The plugin conformance kit. The behavioural checks live in the SDK (`flowbench/plugin`:
// checkPluginConformance / assertPluginConformance), so a plugin's own test needs nothing but the
// SDK; this module adds the package-level check the host itself applies: the manifest, the entry
// and its exports, then the behaviour of exactly what the host would load.
import {
  ConformanceError,
  checkPluginConformance,
  type ConformanceCheck,
  type ConformanceOptions,
  type ConformanceReport,
  type IntegrationHandler,
} from '../../common/plugin-api'
import { loadPluginEntry } from './entry'
import { readPluginManifest } from './manifest'

export { ConformanceError, assertPluginConformance, checkPluginConformance } from '../../common/plugin-api'
export type { ConformanceCheck, ConformanceOptions, ConformanceReport } from '../../common/plugin-api'

/** Checks a plugin folder as the host loads it: package.json, the entry's exports, then the behaviour. */
export async function checkPluginFolder(dir: string, options: ConformanceOptions & { importTimeoutMs?: number } = {}): Promise<ConformanceReport> {
  const checks: ConformanceCheck[] = []
  const done = (): ConformanceReport => {
    const failures = checks.filter((c) => !c.ok)
    return { ok: failures.length === 0, checks, failures, logs: [] }
  }
  const read = readPluginManifest(dir)
  if (!read.ok) {
    checks.push({ target: 'plugin', check: 'manifest', ok: false, message: read.broken.problem })
    return done()
  }
  checks.push({ target: 'plugin', check: 'manifest', ok: true, message: `${read.manifest.name} ${read.manifest.version}`.trim() })
  const entry = await loadPluginEntry(read.manifest, options.importTimeoutMs ?? 10_000)
  if (!entry.ok) {
    checks.push({ target: 'plugin', check: 'entry exports what package.json declares', ok: false, message: entry.problem })
    return done()
  }
  checks.push({ target: 'plugin', check: 'entry exports what package.json declares', ok: true, message: 'ok' })
  const integrations: Record<string, IntegrationHandler> = {}
  for (const [id, { handler }] of entry.exports.integrations) integrations[id] = handler
  const behaviour = await checkPluginConformance({ integrations, ...(entry.exports.nlu ? { nlu: entry.exports.nlu } : {}) }, options)
  checks.push(...behaviour.checks)
  const report = done()
  report.logs = behaviour.logs
  return report
}

/** Like checkPluginFolder, but throws a ConformanceError listing the failed checks. */
export async function assertPluginFolder(dir: string, options: ConformanceOptions & { importTimeoutMs?: number } = {}): Promise<ConformanceReport> {
  const report = await checkPluginFolder(dir, options)
  if (!report.ok) throw new ConformanceError(report)
  return report
}
