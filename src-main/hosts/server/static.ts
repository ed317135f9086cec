// Serves the built renderer (out/renderer) read-only: only files under its folder, never a listing.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { ServerResponse } from 'node:http'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/** The file for a URL path, or null when it would leave the folder. */
export function staticFileFor(rendererDir: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '')
  const abs = normalize(join(rendererDir, rel))
  if (abs !== rendererDir && !abs.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep)) return null
  return abs
}

/** Streams the file; answers 404 when it is missing or is a folder. Returns whether it was found. */
export async function sendStatic(res: ServerResponse, file: string, headers: Record<string, string>, headOnly: boolean): Promise<boolean> {
  const st = await stat(file).catch(() => null)
  if (!st || !st.isFile()) return false
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
  // Vite names assets by content hash, so they never change; the page itself must always be fresh.
  const cache = /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-store'
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(st.size), 'Cache-Control': cache })
  if (headOnly) {
    res.end()
    return true
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file)
    stream.on('error', () => {
      res.destroy()
      resolve()
    })
    stream.on('end', resolve)
    stream.pipe(res)
  })
  return true
}
