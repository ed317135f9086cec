// `flowbench lint [paths...]`: static checks of flow files (spec/cli.md, "Lint").
// Exit 0 without errors (warnings too under --strict), 1 with them, 2 when it cannot run.
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { Finding } from '../../../core/lint'
import { findFiles, findWorkspaceRoot, missingPaths, workspaceRelative } from '../../../core/workspace/discover'
import { UsageError } from '../exit'
import type { SetExitCode } from './index'

interface LintOptions {
  format: string
  strict?: boolean
}

/** One linted file in the JSON report; key order is the contract's. */
interface FileReport {
  file: string
  findings: Finding[]
}

export function registerLint(program: Command, setExitCode: SetExitCode): void {
  program
    .command('lint')
    .description('static checks of flow files (default: every flow of the current folder\'s workspace)')
    .argument('[paths...]', 'flow files or folders to search for *.flow.{yaml,yml,json}')
    .option('--format <format>', 'text or json', 'text')
    .option('--strict', 'warnings fail the run too (exit 1)')
    .action(async (paths: string[], options: LintOptions) => {
      setExitCode(await runLint(paths, options))
    })
}

async function runLint(paths: string[], options: LintOptions): Promise<number> {
  if (options.format !== 'text' && options.format !== 'json') throw new UsageError(`unknown --format "${options.format}" (text or json)`)
  const missing = missingPaths(paths)
  if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`)
  const root = findWorkspaceRoot(paths[0] ?? process.cwd())
  const files = await findFiles(paths.length ? paths : [root], 'flow')
  // Loaded on use, so other commands do not pay for the schema validators at startup.
  const [{ lintFlow }, { DocumentParseError, formatProblem }] = await Promise.all([
    import('../../../core/lint'),
    import('../../../core/document/parse'),
  ])

  const reports: FileReport[] = []
  /** Messages (`file:line:col message`) of the files that could not be read or parsed. */
  const unparsable: string[] = []
  let unparsableFiles = 0
  for (const abs of files) {
    const file = workspaceRelative(root, abs)
    try {
      reports.push({ file, findings: lintFlow(await readFile(abs, 'utf8'), file).map(contractFinding) })
    } catch (err) {
      unparsableFiles++
      if (err instanceof DocumentParseError) unparsable.push(...err.problems.map(formatProblem))
      else unparsable.push(`${file} cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }

  if (options.format === 'json') process.stdout.write(`${JSON.stringify({ files: reports })}\n`)
  else process.stdout.write(formatText(reports, unparsableFiles))
  for (const line of unparsable) process.stderr.write(`flowbench: ${line}\n`)
  if (!files.length) process.stderr.write(`flowbench: no flow files (*.flow.yaml, *.flow.yml, *.flow.json) under ${paths.length ? paths.join(', ') : root}\n`)

  if (unparsable.length) return 2
  const findings = reports.flatMap((r) => r.findings)
  const failing = findings.some((f) => f.severity === 'error' || (options.strict && f.severity === 'warning'))
  return failing ? 1 : 0
}

/** Exactly the keys the JSON contract names, in its order. */
function contractFinding(f: Finding): Finding {
  return { rule: f.rule, severity: f.severity, message: f.message, line: f.line, column: f.column, path: f.path }
}

function formatText(reports: FileReport[], unparsableFiles: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const out: string[] = []
  for (const { file, findings } of reports) {
    if (!findings.length) continue
    for (const f of findings) {
      out.push(`${file}:${f.line}:${f.column} ${f.severity} ${f.rule} ${f.path ? `${f.path}: ` : ''}${f.message}`)
    }
    out.push('')
  }
  const findings = reports.flatMap((r) => r.findings)
  const errors = findings.filter((f) => f.severity === 'error').length
  const withFindings = reports.filter((r) => r.findings.length).length
  const linted = plural(reports.length, 'flow file')
  const summary = findings.length
    ? `${plural(errors, 'error')}, ${plural(findings.length - errors, 'warning')} in ${withFindings} of ${linted}`
    : `no problems in ${linted}`
  const notParsed = unparsableFiles ? `; ${plural(unparsableFiles, 'file')} could not be parsed (see stderr)` : ''
  out.push(summary + notParsed)
  return `${out.join('\n')}\n`
}
