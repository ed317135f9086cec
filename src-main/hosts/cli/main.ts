// The `flowbench` command: parses the command line and hands each command to the core.
// Exit codes (spec/cli.md): 0 passed, 1 ran and something failed, 2 could not run.
import { Command, CommanderError } from 'commander'
import { UsageError, exitWith } from './exit'
import { registerCommands } from './commands'

const VERSION = '0.1.0'

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
  program
    .name('flowbench')
    .description('Build and test conversational flows')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
  let code = 0
  registerCommands(program, (c) => { code = c })
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; every other parse failure is bad usage.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2
    }
    if (err instanceof UsageError) {
      process.stderr.write(`flowbench: ${err.message}\n`)
      return 2
    }
    process.stderr.write(`flowbench: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.FLOWBENCH_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`)
    return 2
  }
  return code
}

main(process.argv.slice(2)).then(exitWith, (err) => {
  process.stderr.write(`flowbench: ${err instanceof Error ? err.message : String(err)}\n`)
  exitWith(2)
})
