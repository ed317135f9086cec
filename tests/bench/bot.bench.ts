// `npm run bench -- bot`: requests per second and latency of the bot server's HTTP API, measured
// with autocannon on 127.0.0.1 against a real `flowbench api` process (the sample workspace, rate
// limit off): GET /v1/health (the HTTP stack alone), POST /v1/sessions (a conversation's start
// turn) and POST /v1/sessions/{id}/messages on pre-created sessions (a full engine turn each).
// autocannon runs in this process, the server in its own, so they do not share an event loop.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

interface AutocannonResult {
  requests: { average: number; total: number }
  latency: { p50: number; p90: number; p99: number; average: number }
  non2xx: number
  errors: number
  timeouts: number
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>

const DURATION_S = 5
const CONNECTIONS = 10
const SESSIONS = 200

export default async function bench(): Promise<Record<string, number | string>> {
  const root = process.env.FLOWBENCH_ROOT ?? process.cwd()
  const autocannon = createRequire(join(root, 'package.json'))('autocannon') as Autocannon
  const child = spawn(process.execPath, [join(root, 'bin/flowbench.mjs'), 'api', join(root, 'resources/samples'), '--port', '0', '--rate-limit', '0', '--max-sessions', '100000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve)
      child.once('exit', (code) => reject(new Error(`flowbench api exited with ${code}`)))
    })
    const m = /at (\S+) \(API key: (\S+)\)/.exec(line)
    if (!m) throw new Error(`unexpected first line: ${line}`)
    const [, url, key] = m as unknown as [string, string, string]
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }

    const ids: string[] = []
    for (let i = 0; i < SESSIONS; i++) {
      const res = await fetch(`${url}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ flow: 'support', user_id: `bench-${i}` }) })
      ids.push(((await res.json()) as { session_id: string }).session_id)
    }
    // Warm the server's JIT before measuring.
    await autocannon({ url: `${url}/v1/health`, connections: CONNECTIONS, duration: 1 })

    const health = await autocannon({ url: `${url}/v1/health`, connections: CONNECTIONS, duration: DURATION_S })
    const sessions = await autocannon({ url: `${url}/v1/sessions`, method: 'POST', headers, body: JSON.stringify({ flow: 'support' }), connections: CONNECTIONS, duration: DURATION_S })
    let next = 0
    const messages = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          method: 'POST',
          headers,
          // "what can you do?" keeps a support conversation in its help loop: every request is one full turn, never a 409.
          setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/v1/sessions/${ids[next++ % ids.length]}/messages`, body: JSON.stringify({ text: 'what can you do?' }) }),
        },
      ],
    })
    const figures = (name: string, r: AutocannonResult): Record<string, number> => ({
      [`${name}: requests/s`]: Math.round(r.requests.average),
      [`${name}: latency p50 (ms)`]: r.latency.p50,
      [`${name}: latency p99 (ms)`]: r.latency.p99,
      [`${name}: non-2xx + errors`]: r.non2xx + r.errors + r.timeouts,
    })
    return {
      setup: `autocannon, ${CONNECTIONS} connections, ${DURATION_S} s each, 127.0.0.1; flowbench api on resources/samples (separate process, --rate-limit 0)`,
      ...figures('GET /v1/health', health),
      ...figures('POST /v1/sessions (start turn)', sessions),
      ...figures(`POST messages (${SESSIONS} sessions, support flow)`, messages),
    }
  } finally {
    child.kill('SIGINT')
  }
}
