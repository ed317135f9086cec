// `flowbench serve` (being built).
import type { Command } from 'commander'
import type { SetExitCode } from './index'

export function registerServe(program: Command, setExitCode: SetExitCode): void {
  void program
  void setExitCode
}
