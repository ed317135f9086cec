// Durable file writes for the store: write a uniquely named temp file beside the target, fsync
// it, rename it over the target, fsync the folder. A reader (or a process killed mid-write)
// sees the old content or the new, never a mix. The lowdb adapter the store's files use.
import { randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Adapter } from 'lowdb'

/**
 * Replaces `file` with `text` atomically and durably. lowdb's own writer (steno) renames a temp
 * file too, but without fsync (a power cut can leave an empty file after the rename) and with one
 * fixed temp name per file, which two processes would share; this one does neither.
 */
export async function writeFileDurably(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } catch (err) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await handle.close()
  try {
    await rename(temp, file)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await syncFolder(dirname(file))
}

/** Makes a rename in `dir` durable. Not possible on Windows (folders cannot be opened), where NTFS journals it. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r').catch(() => null)
  if (!handle) return
  try {
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic.
  } finally {
    await handle.close()
  }
}

/** A temp file left by a write that never finished (its process died). */
export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp')
}

/**
 * lowdb adapter over a JSON file written with writeFileDurably. `read` answers null when the file
 * does not exist and throws SyntaxError when it is not JSON (the store then recovers).
 */
export class DurableJSONFile<T> implements Adapter<T> {
  constructor(readonly file: string) {}

  async read(): Promise<T | null> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    return JSON.parse(text) as T
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.file, `${JSON.stringify(data, null, 2)}\n`)
  }
}
