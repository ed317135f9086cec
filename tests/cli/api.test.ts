// `flowbench api` as a user runs it: prints the URL and key, holds a multi-turn conversation over
// HTTP, refuses bad usage with exit 2, and Ctrl-C (SIGINT) ends open streams and exits 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const SAMPLES = join(REPO, 'resources/samples')

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

async function startApi(args: string[] = [], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'api', SAMPLES, '--port', '0', '--no-plugins', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)))
  })
  const m = /^Bot API available at (http:\/\/127\.0\.0\.1:\d+) \(API key: (\S+)\)$/.exec(line)
  expect(m, line).not.toBeNull()
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, url: m![1]!, key: m![2]!, stderr: () => stderr, exited }
}

describe('flowbench api', () => {
  it('prints one line with the URL and a generated key, and holds a multi-turn conversation', async () => {
    const { url, key, stderr } = await startApi()
    expect(key).toMatch(/^fb_[\w-]{40,}$/)
    const post = async (path: string, body: unknown) => {
      const res = await fetch(url + path, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as any }
    }
    const created = await post('/v1/sessions', { flow: 'support', user_id: 'cli-test' })
    expect(created.status).toBe(201)
    expect(created.body.turn.replies[0].text).toMatch(/How can I help/)
    const id = created.body.session_id
    const t1 = await post(`/v1/sessions/${id}/messages`, { text: "I can't log in to my account" })
    expect(t1.body).toMatchObject({ state: 'collect_contact', intent: 'report_issue' })
    const t2 = await post(`/v1/sessions/${id}/messages`, { text: 'Dana Scully' })
    expect(t2.body.slots).toMatchObject({ name: 'Dana Scully' })
    expect(t2.body.replies.map((r: { text: string }) => r.text).join(' ')).toMatch(/email/i)
    const ctx = await fetch(`${url}/v1/sessions/${id}`, { headers: { 'X-API-Key': key } })
    expect(((await ctx.json()) as any).context).toMatchObject({ user_id: 'cli-test', slots: { name: 'Dana Scully' } })
    expect(stderr()).toMatch(/serving 3 flows/)
  })

  it('uses FLOWBENCH_API_KEY (or --api-key) instead of generating one', async () => {
    const { key } = await startApi([], { FLOWBENCH_API_KEY: 'env-key-0123456789abcdef' })
    expect(key).toBe('env-key-0123456789abcdef')
    const { key: opt } = await startApi(['--api-key', 'opt-key-0123456789abcdef'], { FLOWBENCH_API_KEY: 'env-key-0123456789abcdef' })
    expect(opt).toBe('opt-key-0123456789abcdef')
  })

  it('Ctrl-C ends open SSE streams with an end event and exits 0', async () => {
    const { child, url, key, exited, stderr } = await startApi()
    const created = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, body: '{"flow":"support"}' })
    const id = ((await created.json()) as any).session_id
    const received = await new Promise<string>((resolve, reject) => {
      const req = request(`${url}/v1/sessions/${id}/stream?key=${key}`, (res) => {
        let text = ''
        let interrupted = false
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          text += d
          // Once, as a person presses Ctrl-C once (a second signal racing the exit would kill the process).
          if (!interrupted && text.includes('retry:')) {
            interrupted = true
            child.kill('SIGINT')
          }
        })
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      req.end()
    })
    expect(received).toContain('data: {"type":"end","reason":"shutdown"}')
    expect(await exited, stderr()).toBe(0)
  })

  it('bad usage exits 2 with a clear message, no stack trace', () => {
    for (const [args, message] of [
      [['--port', 'abc'], /--port must be a number/],
      [['--rate-limit', 'fast'], /--rate-limit takes requests per second/],
      [['--allow-origin', 'http://localhost:3000/app'], /--allow-origin .*has a path/],
      [['--api-key', 'short'], /--api-key must be at least 16 characters/],
      [['--host', 'not-an-ip'], /--host must be an IP address/],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, 'api', SAMPLES, ...args], { encoding: 'utf8', timeout: 30_000 })
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
    }
    const missing = spawnSync(process.execPath, [BIN, 'api', join(REPO, 'no-such-folder')], { encoding: 'utf8', timeout: 30_000 })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/does not exist/)
  })

  it('serve --api: the workbench line first and unchanged, then the bot API line; both answer; SIGINT exits 0', async () => {
    const home = mkdtempSync(join(tmpdir(), 'flowbench-serve-api-'))
    const child = spawn(process.execPath, [BIN, 'serve', SAMPLES, '--port', '0', '--api', '--api-key', 'serve-key-0123456789abcdef'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLOWBENCH_HOME: home } })
    children.push(child)
    try {
      const lines: string[] = []
      let stderr = ''
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
      await new Promise<void>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! })
        rl.on('line', (l) => {
          lines.push(l)
          if (lines.length === 2) resolve()
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
      })
      expect(lines[0]).toMatch(/^Flowbench available at http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/)
      const m = /^Bot API available at (http:\/\/127\.0\.0\.1:\d+) \(API key: serve-key-0123456789abcdef\)$/.exec(lines[1]!)
      expect(m, lines[1]).not.toBeNull()
      const workbenchPort = new URL(lines[0]!.slice('Flowbench available at '.length)).port
      expect(new URL(m![1]!).port).not.toBe(workbenchPort)
      const res = await fetch(`${m![1]}/v1/flows`, { headers: { 'X-API-Key': 'serve-key-0123456789abcdef' } })
      expect(((await res.json()) as { flows: unknown[] }).flows).toHaveLength(3)
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGINT')
      expect(await exited).toBe(0)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  }, 120_000)
})
