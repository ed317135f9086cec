// Every `flowbench` command, one module each.
import type { Command } from 'commander'
import { registerTest } from './test'
import { registerLint } from './lint'
import { registerRun } from './run'
import { registerServe } from './serve'
import { registerLoad } from './load'
import { registerPlugin } from './plugin'

export type SetExitCode = (code: number) => void

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  registerTest(program, setExitCode)
  registerLint(program, setExitCode)
  registerRun(program, setExitCode)
  registerServe(program, setExitCode)
  registerLoad(program, setExitCode)
  registerPlugin(program, setExitCode)
}
