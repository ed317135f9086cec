// `flowbench serve` as a user runs it: one parseable line on stdout, the page at that URL,
// Ctrl-C ends it cleanly; bad input exits 2 with a message and no stack trace.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const bin = join(root, 'bin/flowbench.mjs')
const samples = join(root, 'resources/samples')
let home: string

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'flowbench-serve-home-'))
  // The page is the real build; serve builds it itself when it is missing, but only once.
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'ignore' })
  }
}, 180_000)
afterAll(() => rmSync(home, { recursive: true, force: true }))

function serve(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, 'serve', ...args], { cwd: root, env: { ...process.env, FLOWBENCH_HOME: home } })
}

describe('flowbench serve', () => {
  it('prints one "available at" line, serves the page there, and stops on Ctrl-C', async () => {
    const t0 = Date.now()
    const child = serve([samples, '--port', '0'])
    const lines: string[] = []
    const stderr: string[] = []
    child.stderr.on('data', (d: Buffer) => stderr.push(String(d)))
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line)
        const m = /^Flowbench available at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/.exec(line)
        if (m) resolve(m[1]!)
      })
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr.join('')}`)))
    })
    const page = await fetch(url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toMatch(/<title>[^<]*Flowbench[^<]*<\/title>/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    // Up and answering well within the first-paint budget (the page's own work comes on top).
    expect(Date.now() - t0).toBeLessThan(2000 + 3000)

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(lines).toEqual([`Flowbench available at ${url}`])
  }, 60_000)

  it('exits 2 with a clear message for a folder that does not exist', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', join(home, 'no-such-workspace')], { cwd: root, env: { ...process.env, FLOWBENCH_HOME: home }, encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('no-such-workspace does not exist')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout).toBe('')
  })

  it('exits 2 for a port that is not a number', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', samples, '--port', 'eighty'], { cwd: root, env: { ...process.env, FLOWBENCH_HOME: home }, encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--port must be a number')
  })
})
