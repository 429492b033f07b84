/**
 * The `torquepilot sim-bench --task T --steps N [--workers W] [--envs E] [--json]` command: steps per
 * second of a raw mj_step loop, one environment and a worker-pool VecEnv on the same model
 * (bench/simBench.ts has the method). It lives in bench/, not sim/, so that the simulation layer
 * exports no bench; src/cli.ts registers it beside sim's own `tasks` command.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { taskNames } from '../sim/index.js';
import { runSimBench } from './simBench.js';

function positiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    }
    return n;
  };
}

function taskName(value: string): string {
  if (!(taskNames as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown task '${value}'; known: ${taskNames.join(', ')}`);
  }
  return value;
}

export function registerSimBenchCommand(program: Command): void {
  program
    .command('sim-bench')
    .description(
      'Measure simulation steps/s: raw mj_step loop, one environment, vectorised over workers.',
    )
    .requiredOption('--task <name>', `task (${taskNames.join(', ')})`, taskName)
    .option('--steps <n>', 'environment steps per measurement', positiveInt('--steps'), 20000)
    .option(
      '--workers <n>',
      'worker threads of the vectorised run (default: min(2, cores))',
      positiveInt('--workers'),
    )
    .option(
      '--envs <n>',
      'environments of the vectorised run (default: 8 per worker)',
      positiveInt('--envs'),
    )
    .option('--seed <n>', 'seed of the random actions', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'print JSON')
    .action(
      async (options: {
        task: string;
        steps: number;
        workers?: number;
        envs?: number;
        seed: number;
        json?: boolean;
      }) => {
        const workers = options.workers ?? Math.min(2, availableParallelism());
        const result = await runSimBench({
          task: options.task,
          steps: options.steps,
          workers,
          numEnvs: options.envs,
          seed: options.seed,
        });
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        process.stdout.write(
          [
            `task ${result.task}: ${result.steps} environment steps (frame skip ${result.frameSkip}) per run`,
            `raw mj_step loop   ${result.rawStepsPerSec} steps/s`,
            `one environment    ${result.envStepsPerSec} steps/s (${result.envOverRaw} × raw)`,
            `per CPU-second     raw ${result.rawStepsPerCpuSec}, env ${result.envStepsPerCpuSec} (${result.envOverRawCpu} × raw)`,
            `vectorised         ${result.vectorStepsPerSec} steps/s (${result.numEnvs} envs over ${result.workers} workers)`,
          ].join('\n') + '\n',
        );
      },
    );
}
