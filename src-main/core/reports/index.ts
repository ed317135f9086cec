// Reports of any run: export in five formats with PII redaction, and where runs come from.
export { exportRun, redactRun, renderRunHtml, reportFileName, type ExportRunOptions, type ExportedRun } from './export'
export { configuredPatterns, parsePattern, Redactor, RedactionPatternError, redactLoadResult, redactTestReport, type RedactionPattern, type RedactionSummary } from './redact'
export { ChromiumNotFoundError, findChromium, printPdf } from './pdf'
export { lineColumn, parseJsonFile, readRunFile, RunSourceError, toLoadedRun, toTestRunReport, type LoadedRun } from './source'
export { extraPatterns, resolvePair, resolveRun, RUN_KEYWORDS, workspacePatterns, type RunLookup } from './runs'
