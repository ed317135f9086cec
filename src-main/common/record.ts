// The one test for "a plain JSON object" (not null, not an array), shared by every layer.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
