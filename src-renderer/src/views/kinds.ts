// The kinds of view tabs the editor area can show besides files (see registry.ts).
export const VIEW_KINDS = ['run', 'compare', 'load', 'nlu', 'coverage-gaps', 'mutation', 'server'] as const
export type ViewKind = (typeof VIEW_KINDS)[number]
