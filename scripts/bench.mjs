// `npm run bench`: runs every tests/bench/*.bench.ts in its own Node process (with --expose-gc),
// prints the figures and writes them to docs/benchmarks.md with the machine they ran on.
// Benchmarks measure; they never assert. Run one with `npm run bench -- engine`.
import { build } from 'esbuild'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join, dirname, basename } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filter = process.argv.slice(2)
const benchDir = join(root, 'tests/bench')
const files = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).filter((f) => !filter.length || filter.some((x) => f.includes(x))).sort()

execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, stdio: 'inherit', env: { ...process.env, FLOWBENCH_QUIET_BUILD: '1' } })
// Bundled inside the checkout, so the packages kept external (piscina, hdr-histogram-js) resolve.
const outDir = join(root, 'out', `bench-${process.pid}`)
mkdirSync(outDir, { recursive: true })
const results = []
for (const file of files) {
  const name = basename(file, '.bench.ts')
  const entry = join(outDir, `${name}.mjs`)
  await build({
    entryPoints: [join(benchDir, file)], outfile: entry, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['piscina', 'hdr-histogram-js', 'electron'], logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  })
  const runner = `const m = await import(${JSON.stringify(entry)}); const r = await m.default(); process.stdout.write('\\n@@BENCH ' + JSON.stringify(r) + '\\n');`
  process.stdout.write(`\n── ${name}\n`)
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', runner], { cwd: root, encoding: 'utf8', env: { ...process.env, FLOWBENCH_ROOT: root }, maxBuffer: 64 << 20 })
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('@@BENCH '))
  if (r.status !== 0 || !line) {
    process.stdout.write(`${name} failed (exit ${r.status})\n${r.stderr?.slice(-4000) ?? ''}\n`)
    results.push({ name, figures: { error: `exit ${r.status}` } })
    continue
  }
  const figures = JSON.parse(line.slice('@@BENCH '.length))
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k.padEnd(52)} ${v}\n`)
  results.push({ name, figures })
}
rmSync(outDir, { recursive: true, force: true })

let commit = 'uncommitted'
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim() } catch {}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`
const sections = results.map(({ name, figures }) =>
  `## ${name}\n\n| figure | value |\n|---|---|\n${Object.entries(figures).map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`)
const docPath = join(root, 'docs/benchmarks.md')
const header = `# Benchmark figures\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} at commit ${commit}.\n\nMachine: ${machine}.\n\n` +
  'Each benchmark runs in its own process; the figures are measured, never asserted. What each one measures and the targets are described in docs/performance.md.\n\n'
// A partial run (`npm run bench -- NAME`) replaces only its own sections and keeps the others.
const kept = new Map()
if (filter.length && existsSync(docPath)) {
  for (const part of readFileSync(docPath, 'utf8').split(/\n(?=## )/).slice(1)) kept.set(part.slice(3, part.indexOf('\n')).trim(), part.trimEnd() + '\n')
}
results.forEach(({ name }, i) => kept.set(name, sections[i]))
const ordered = [...kept.keys()].sort().map((k) => kept.get(k))
writeFileSync(docPath, header + ordered.join('\n'))
process.stdout.write('\nwrote docs/benchmarks.md\n')
