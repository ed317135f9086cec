// Problems found while compiling a flow, located by JSON path so the loader can add line and column.

export type IssuePath = ReadonlyArray<string | number>

/** `states.order.transitions[1].target_state` (the same form as the document parser's paths). */
export function formatIssuePath(path: IssuePath): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

/** One problem at one place in the flow document. */
export class FlowIssue extends Error {
  override name = 'FlowIssue'
  constructor(
    readonly path: IssuePath,
    message: string,
  ) {
    super(message)
  }
}

/** Thrown by compileFlow: every problem found, each with its JSON path. */
export class FlowCompileError extends Error {
  override name = 'FlowCompileError'
  constructor(readonly issues: ReadonlyArray<{ path: IssuePath; message: string }>) {
    super(issues.map((i) => (i.path.length > 0 ? `${formatIssuePath(i.path)}: ${i.message}` : i.message)).join('\n'))
  }
}
