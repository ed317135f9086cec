// Regular expressions written in flows: `/re/flags` or a bare pattern, compiled once.

const SLASHED = /^\/(.+)\/([a-z]*)$/s
const ALLOWED_FLAGS = /^[dimsuv]*$/

/** True when `text` is written `/re/flags` (how flow intents mark a regex example). */
export function isSlashedPattern(text: string): boolean {
  const m = SLASHED.exec(text)
  return m !== null && ALLOWED_FLAGS.test(stripStateful(m[2]!))
}

// `g` and `y` make RegExp.test stateful through lastIndex, which would make matching depend
// on what was matched before; every engine regex is used for one-shot tests, so they go.
function stripStateful(flags: string): string {
  return flags.replace(/[gy]/g, '')
}

/**
 * Compiles `/re/flags` or a bare pattern. Throws a SyntaxError (with the pattern in the
 * message) when the flow's regex is invalid.
 */
export function compilePattern(source: string): RegExp {
  const m = SLASHED.exec(source)
  try {
    if (m !== null) {
      const flags = stripStateful(m[2]!)
      if (ALLOWED_FLAGS.test(flags)) return new RegExp(m[1]!, flags)
    }
    return new RegExp(source)
  } catch (err) {
    throw new SyntaxError(`invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`)
  }
}

/** Escapes text for literal use inside a RegExp. */
export function escapePattern(text: string): string {
  // Only syntax characters: under the `u` flag escaping anything else (such as `-`) is an error.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
