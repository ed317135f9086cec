// Every `flowbench` command, one module each.
import type { Command } from 'commander'

export type SetExitCode = (code: number) => void

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  void program
  void setExitCode
}
