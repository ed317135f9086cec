// Every `flowbench` command, one module each.
import type { Command } from 'commander'
import { registerTest } from './test'
import { registerLint } from './lint'
import { registerRun } from './run'
import { registerServe } from './serve'
import { registerApi } from './api'
import { registerLoad } from './load'
import { registerPlugin } from './plugin'
import { registerGenerate } from './generate'
import { registerMutate } from './mutate'
import { registerNlu } from './nlu'
import { registerCompare } from './compare'
import { registerReport } from './report'

export type SetExitCode = (code: number) => void

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  registerTest(program, setExitCode)
  registerLint(program, setExitCode)
  registerRun(program, setExitCode)
  registerServe(program, setExitCode)
  registerApi(program, setExitCode)
  registerLoad(program, setExitCode)
  registerPlugin(program, setExitCode)
  registerGenerate(program, setExitCode)
  registerMutate(program, setExitCode)
  registerNlu(program, setExitCode)
  registerCompare(program, setExitCode)
  registerReport(program, setExitCode)
}
