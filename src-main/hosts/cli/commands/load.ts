// `flowbench load SCENARIO`: the options here; the load tester itself is imported when the
// command runs, so other commands never pay for it (HDR histograms, workers, reports).
import type { Command } from 'commander'
import type { SetExitCode } from './index'
import type { LoadOptions } from './load-run'
import { addPluginOptions } from '../plugins'

export function registerLoad(program: Command, setExitCode: SetExitCode): void {
  const command = program
    .command('load')
    .description('load-test a flow: conversations on worker threads, latency from each turn\'s intended start')
    .argument('<scenario>', 'a load scenario (*.load.yaml)')
    .option('--json <file>', 'write the result as JSON ("-" for stdout)')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--workers <n>', 'worker threads (default: the scenario\'s, else CPU cores − 1)')
    .option('--seed <n>', 'seed for scripts, think times and mocks (a run can be repeated)')
    .option('--duration <d>', 'how long arrivals last, e.g. 30s (ramping profiles are scaled)')
    .option('--rate <r>', 'conversations per second (arrival-rate executors; ramping ones are scaled to this peak)')
    .option('--vus <n>', 'virtual users (VU executors; ramping ones are scaled to this peak)')
    .option('--warmup <d>', 'untimed conversations on each worker before the run, so V8 has optimised the engine (default 1s; 0 for none)')
    .option('--compare <baseline.json>', 'compare with an earlier `--json` result')
    .option('--fail-on-regression', 'exit 1 when --compare finds a change beyond run-to-run noise that is worse')
    .option('--capacity', 'search for the highest arrival rate at which the thresholds hold (steps the rate up)')
    .option('--step-duration <d>', 'how long each capacity-search step runs', '10s')
    .option('--quiet', 'no live progress line')
    .option('--export <format>', 'write the scenario as a script for another load tool instead of running it: k6 (against `flowbench api`)')
    .option('--out <file>', 'with --export: the file to write (default: stdout)')
    .option('--no-history', 'do not record the run in the run history ($FLOWBENCH_HOME)')
  addPluginOptions(command).action(async (scenarioPath: string, o: LoadOptions) => {
    const { runLoadCommand } = await import('./load-run')
    await runLoadCommand(scenarioPath, o, setExitCode)
  })
}
