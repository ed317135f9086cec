// The `reports` service (see src-main/common/api-reports.ts): comparisons and report exports of
// runs in the history, for the workbench. The CLI's `compare` and `report` use the same modules.
import { ApiError, type ExportOptions, type ReportsService } from '../../common/api'
import { REPORT_FORMATS } from '../../common/api-reports'
import { isRecord } from '../../common/record'
import { compareRuns, ComparisonError } from '../compare'
import {
  ChromiumNotFoundError,
  exportRun,
  extraPatterns,
  redactRun,
  RedactionPatternError,
  resolvePair,
  resolveRun,
  RunSourceError,
  workspacePatterns,
  type LoadedRun,
  type RedactionPattern,
  type RunLookup,
} from '../reports'
import type { FeatureService, ServiceContext } from './context'

function requireId(id: unknown, what: string): string {
  if (typeof id !== 'string' || !id.trim()) throw new ApiError('bad_request', `${what} must be a run id`)
  return id.trim()
}

function checkPatterns(patterns: unknown): string[] {
  if (patterns === undefined || patterns === null) return []
  if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) throw new ApiError('bad_request', 'patterns must be a list of regular expressions')
  return patterns.filter((p) => p.trim() !== '')
}

function checkOptions(options: unknown): ExportOptions {
  if (!isRecord(options)) throw new ApiError('bad_request', 'export takes options {format, redact, patterns?}')
  if (!REPORT_FORMATS.includes(options.format as never)) throw new ApiError('bad_request', `format must be one of ${REPORT_FORMATS.join(', ')}`)
  if (typeof options.redact !== 'boolean') throw new ApiError('bad_request', 'redact must be true or false')
  return { format: options.format as ExportOptions['format'], redact: options.redact, patterns: checkPatterns(options.patterns) }
}

/** The report modules' errors in the API's terms. */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof RunSourceError) throw new ApiError('run_not_found', err.message)
    if (err instanceof ComparisonError || err instanceof RedactionPatternError) throw new ApiError('bad_request', err.message)
    if (err instanceof ChromiumNotFoundError) throw new ApiError('not_found', err.message)
    throw err
  }
}

export function createReportsService(ctx: ServiceContext): FeatureService<ReportsService> {
  const lookup = (): RunLookup => {
    let workspace: string | null = null
    try {
      workspace = ctx.workspace.current().root
    } catch {
      // No workspace open: ids still work; `latest` and `baseline` say they need one.
    }
    return { history: ctx.history, workspace, files: false }
  }

  async function patternsFor(run: LoadedRun, extra: string[]): Promise<RedactionPattern[]> {
    return [...(await workspacePatterns(run.workspace)), ...extraPatterns(extra, (i) => `pattern ${JSON.stringify(extra[i])}`)]
  }

  const service: ReportsService = {
    compare: (a, b) =>
      translated(async () => {
        const [base, next] = await resolvePair(requireId(a, 'a'), requireId(b, 'b'), lookup())
        return compareRuns(base, next)
      }),

    export: (id, options) =>
      translated(async () => {
        const o = checkOptions(options)
        const run = await resolveRun(requireId(id, 'id'), lookup())
        const exported = await exportRun(run, o.format, { redact: o.redact, patterns: o.redact ? await patternsFor(run, o.patterns ?? []) : [], ...(ctx.chromium ? { chromium: ctx.chromium } : {}) })
        const binary = typeof exported.content !== 'string'
        return {
          fileName: exported.fileName,
          mimeType: exported.mimeType,
          encoding: binary ? 'base64' : 'utf8',
          content: binary ? (exported.content as Buffer).toString('base64') : (exported.content as string),
          redactions: exported.redaction.counts,
        }
      }),

    previewRedaction: (id, patterns) =>
      translated(async () => {
        const run = await resolveRun(requireId(id, 'id'), lookup())
        const configured = await workspacePatterns(run.workspace)
        const { redaction } = redactRun(run, { redact: true, patterns: [...configured, ...extraPatterns(checkPatterns(patterns), (i) => `pattern ${i + 1}`)] })
        return { redactions: redaction.counts, configured: [...new Set(configured.map((p) => p.name))] }
      }),
  }
  return { service }
}
