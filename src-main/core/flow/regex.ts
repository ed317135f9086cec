// Regular expressions written in flows and tests: `/re/flags` literals and plain sources,
// compiled once and checked at load time so a bad pattern never reaches a conversation.

/** A string written `/re/flags` (intent examples, patterns, `matches` operands). */
const LITERAL = /^\/([\s\S]*)\/([a-z]*)$/

/** Whether an intent example is a regular expression rather than a phrase. */
export function isRegexLiteral(text: string): boolean {
  return text.length >= 2 && LITERAL.test(text)
}

/** The source and flags of `/re/flags`, or of a plain pattern (no flags). */
export function regexParts(text: string): { source: string; flags: string } {
  const m = text.length >= 2 ? LITERAL.exec(text) : null
  return m ? { source: m[1]!, flags: m[2]! } : { source: text, flags: '' }
}

/** Compiles `/re/flags` or a plain pattern; throws SyntaxError for an invalid one. */
export function compileFlowRegex(text: string): RegExp {
  const { source, flags } = regexParts(text)
  return new RegExp(source, flags)
}

/** Why a pattern does not compile, or undefined when it does. */
export function regexProblem(text: string): string | undefined {
  try {
    compileFlowRegex(text)
    return undefined
  } catch (err) {
    const message = (err as Error).message
    const badFlags = /^Invalid flags supplied to RegExp constructor '(.*)'$/.exec(message)
    const reason = badFlags ? `unknown flags "${badFlags[1]}"` : message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '')
    return `invalid regular expression "${text}": ${reason}`
  }
}
