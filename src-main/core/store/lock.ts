// The cross-process lock every read-modify-write of a store file runs under (proper-lockfile:
// an atomic mkdir beside the file, its mtime refreshed while held). A lock left by a process that
// was killed counts as stale once it has not been refreshed for `staleMs`, and is taken over.
import { lock } from 'proper-lockfile'

export interface LockOptions {
  /** A lock not refreshed for this long is taken over (proper-lockfile refuses less than 2000 ms). */
  staleMs?: number
}

export const DEFAULT_LOCK_STALE_MS = 10_000

/** Thrown when the lock could not be taken (another process held it the whole time). */
export class StoreLockError extends Error {
  override name = 'StoreLockError'
}

/**
 * Runs `fn` while holding the lock `<target>.lock`. `target` need not exist. Waits up to about a
 * minute for another holder, retrying with jittered back-off.
 */
export async function withFileLock<T>(target: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const stale = Math.max(2000, options.staleMs ?? DEFAULT_LOCK_STALE_MS)
  let compromised: Error | null = null
  let release: () => Promise<void>
  try {
    release = await lock(target, {
      realpath: false,
      lockfilePath: `${target}.lock`,
      stale,
      retries: { retries: 2000, factor: 1.2, minTimeout: 5, maxTimeout: 40, randomize: true },
      // The default throws from a timer (an uncaught exception); note it and fail the operation instead.
      onCompromised: (err) => {
        compromised = err
      },
    })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new StoreLockError(`${target} is locked by another Flowbench process that did not let go; try again, or remove ${target}.lock if no Flowbench is running`)
    }
    throw err
  }
  try {
    const result = await fn()
    if (compromised) throw new StoreLockError(`lost the lock on ${target} while writing (${(compromised as Error).message})`)
    return result
  } finally {
    await release().catch(() => undefined)
  }
}
