// Reading `{path}` placeholders out of templates, so checks can tell what a flow refers to.

/**
 * A placeholder is `{name}` or `{a.b.c}` (optional spaces inside the braces). Regex
 * quantifiers such as `\d{3}` or `{1,3}` are not placeholders: a path starts with a letter or `_`.
 */
const PLACEHOLDER = /\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}/g

/** The context paths a template string refers to, in order of appearance. */
export function templatePaths(template: string): string[] {
  if (!template.includes('{')) return []
  const out: string[] = []
  for (const m of template.matchAll(PLACEHOLDER)) out.push(m[1]!)
  return out
}

/** Whether a string is a template (holds at least one placeholder) rather than a plain literal. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && templatePaths(value).length > 0
}

/**
 * The roots a placeholder may start with (spec/flow-format.md, "Context paths"); any other
 * bare name is looked up in slots, then variables, then user_profile.
 */
export const CONTEXT_ROOTS = new Set([
  'input', 'intent', 'confidence', 'entities', 'slots', 'variables', 'user_profile',
  'integration_results', 'workflow', 'conversation_id', 'user_id', 'tenant_id', 'turn',
])
