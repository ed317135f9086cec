// Waits for `flowbench serve` to print its one "available at" line; shared by the E2E setup and
// the workbench benchmark.
import type { ChildProcess } from 'node:child_process'

export function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`flowbench serve printed no URL within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`)), timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /Flowbench available at (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1]!)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`flowbench serve exited with ${code} before printing its URL\nstdout: ${out}\nstderr: ${err}`))
    })
  })
}
