// Exit codes and the error a command throws for bad usage (exit 2, message on stderr, no stack).

/** Bad usage, a path that does not exist, or a file that does not parse: the command could not run. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Sets the exit code and lets stdout/stderr drain before the process ends. */
export function exitWith(code: number): void {
  process.exitCode = code
  // Pools and watchers must be closed by the commands; this only guards against a stray handle.
  setTimeout(() => process.exit(code), 2000).unref()
}
