// Which reporters exist and how `--reporter name[=file]` names them. The renderers are
// imported only when a run asks for them, so the command starts quickly.
import type { TestRunReport } from '../runner/model'

export const REPORTER_NAMES = ['console', 'json', 'junit', 'html'] as const
export type ReporterName = (typeof REPORTER_NAMES)[number]

export interface ReporterSpec {
  name: ReporterName
  /** Where the report goes; stdout when absent. */
  file?: string
}

/** `json`, `json=out.json`, …, or what is wrong with the text. */
export function parseReporterSpec(text: string): ReporterSpec | string {
  const eq = text.indexOf('=')
  const name = (eq < 0 ? text : text.slice(0, eq)).trim()
  const file = eq < 0 ? undefined : text.slice(eq + 1).trim()
  if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
    return `unknown reporter "${name}" (expected ${REPORTER_NAMES.join(', ')}, optionally =FILE)`
  }
  if (file !== undefined && !file) return `--reporter ${name}= needs a file name after "="`
  return file === undefined ? { name: name as ReporterName } : { name: name as ReporterName, file }
}

/** The report as a file's text (json, junit, html; console renders its own way). */
export async function renderReport(name: Exclude<ReporterName, 'console'>, report: TestRunReport): Promise<string> {
  switch (name) {
    case 'json':
      return (await import('./json')).renderJson(report)
    case 'junit':
      return (await import('./junit')).renderJUnit(report)
    case 'html':
      return (await import('./html')).renderHtml(report)
  }
}
