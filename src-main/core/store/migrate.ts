// Versioned store files: each file carries `version`; opening one runs the ordered steps from
// its version up to the current one. A file from a newer Flowbench is left untouched.

/** One step: turns data at version `from` into data at `from + 1`. */
export interface Migration<Ctx> {
  from: number
  description: string
  run(data: Record<string, unknown>, ctx: Ctx): Promise<Record<string, unknown>> | Record<string, unknown>
}

export class StoreVersionError extends Error {
  override name = 'StoreVersionError'
}

/** Checks the steps form one chain 1 → 2 → … → current (a programming error otherwise). */
function checkChain<Ctx>(steps: readonly Migration<Ctx>[], current: number): void {
  steps.forEach((step, i) => {
    if (step.from !== i + 1) throw new Error(`migration ${i} goes from version ${step.from}; expected ${i + 1}`)
  })
  if (steps.length + 1 !== current) throw new Error(`migrations reach version ${steps.length + 1}; the current version is ${current}`)
}

/**
 * Brings `data` to version `current`. Answers the data and the descriptions of the steps run.
 * Data without a version is version 1 (the first stores did not always write it).
 */
export async function migrate<Ctx>(
  file: string,
  data: Record<string, unknown>,
  steps: readonly Migration<Ctx>[],
  current: number,
  ctx: Ctx,
): Promise<{ data: Record<string, unknown>; applied: string[] }> {
  checkChain(steps, current)
  let version = typeof data.version === 'number' && Number.isInteger(data.version) ? data.version : 1
  if (version > current) {
    throw new StoreVersionError(`${file} was written by a newer Flowbench (version ${version}; this one reads up to ${current}): update Flowbench, or point FLOWBENCH_HOME elsewhere`)
  }
  const applied: string[] = []
  let out = data
  while (version < current) {
    const step = steps[version - 1]!
    out = { ...(await step.run(out, ctx)), version: version + 1 }
    applied.push(step.description)
    version++
  }
  return { data: out, applied }
}
