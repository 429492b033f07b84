/**
 * `torquepilot record` and `torquepilot replay` (commander). Flag parsing, output and logging
 * only; the work is in recordSimulation.ts and runReplay.ts.
 */
import type { Command } from 'commander';
import { confirmCheckpointFlags, parseIntFlag } from '../train/index.js';
import { createLogger, installShutdownHandlers, parseLogLevel } from '../util/index.js';
import { recordSimulatedEpisodes } from './recordSimulation.js';
import { REPLAY_DEFAULTS, WEIGHTING_NAMES } from './replayUpdate.js';
import type { WeightingName } from './replayUpdate.js';
import { runReplay } from './runReplay.js';
import type { ReplaySummary } from './runReplay.js';

interface RecordFlags {
  task?: string;
  robot?: string;
  checkpoint: string;
  episodes: string;
  bag: string;
  seed: string;
  overwrite?: boolean;
  json?: boolean;
  logLevel: string;
}

interface ReplayFlags {
  bag: string[];
  checkpoint: string;
  robot?: string;
  task?: string;
  out: string;
  weights: string;
  rhoBar: string;
  cBar: string;
  iterations: string;
  targetKl?: string;
  gamma?: string;
  seed: string;
  criticOnly?: boolean;
  json?: boolean;
  logLevel: string;
}

/** Parse a positive finite number flag; throws naming the flag and the value. */
function parsePositive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${flag}: '${value}' is not a positive number`);
  return n;
}

function parseWeights(value: string): WeightingName {
  if (!(WEIGHTING_NAMES as readonly string[]).includes(value)) {
    throw new Error(`--weights: '${value}' is not one of ${WEIGHTING_NAMES.join(', ')}`);
  }
  return value as WeightingName;
}

function humanSummary(s: ReplaySummary): string {
  const f = (x: number): string =>
    Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4);
  if (s.mode === 'critic-only') {
    return [
      `replay --critic-only: ${s.transitions} transitions from ${s.episodes} episodes (${s.deterministicSteps} deterministic); the policy is unchanged`,
      `  value loss ${f(s.valueLossBefore ?? NaN)} -> ${f(s.valueLossAfter ?? NaN)}`,
      `  wrote ${s.checkpoint} (id ${s.checkpointId})`,
    ].join('\n');
  }
  return [
    `replay (${s.weights}, rho-bar ${s.rhoBar}, c-bar ${s.cBar}): ${s.transitions} transitions from ${s.episodes} episodes` +
      (s.skippedEpisodes > 0
        ? `, ${s.skippedEpisodes} episodes skipped (damaged or incomplete)`
        : ''),
    `  effective sample size ${f(s.ess)} of ${s.transitions}; weight max ${f(s.maxWeight)}, mean ${f(s.meanWeight)}; clipped ${(100 * s.clippedFraction).toFixed(1)}%`,
    `  surrogate ${f(s.surrogateBefore)} -> ${f(s.surrogateAfter)}; KL moved ${f(s.kl)}`,
    ...s.bags
      .filter((b) => b.damage !== undefined)
      .map(
        (b) => `  ${b.source}: ${b.damage}; used ${b.episodes} complete episodes before the damage`,
      ),
    `  wrote ${s.checkpoint} (id ${s.checkpointId})`,
  ].join('\n');
}

export function registerReplayCommands(program: Command): void {
  program
    .command('record')
    .description(
      "Record simulated rollouts of a checkpoint's stochastic policy as a rosbag2 MCAP bag.",
    )
    .requiredOption('--checkpoint <path>', 'checkpoint directory (or a run directory = its best)')
    .requiredOption('--bag <dir>', 'bag directory to create (metadata.yaml + <dir>_0.mcap)')
    .option('--task <name>', "task (default: the checkpoint's; a different one is refused)")
    .option(
      '--robot <dir|name>',
      "robot folder or built-in robot (default: the checkpoint's robot; another one is refused)",
    )
    .option('--episodes <n>', 'episodes to record', '10')
    .option('--seed <s>', 'seed of the resets and the action noise', '0')
    .option('--overwrite', 'replace an existing bag directory')
    .option(
      '--json',
      'print one JSON object (bag, episodes, transitions, meanReturn, checkpointId)',
    )
    .option('--log-level <level>', 'pino level on stderr', 'warn')
    .action(async (flags: RecordFlags) => {
      createLogger({ level: parseLogLevel(flags.logLevel) });
      const r = await recordSimulatedEpisodes(flags.checkpoint, flags.bag, {
        ...(flags.task !== undefined ? { task: flags.task } : {}),
        ...(flags.robot !== undefined ? { robot: flags.robot } : {}),
        episodes: parseIntFlag('--episodes', flags.episodes, 1),
        seed: parseIntFlag('--seed', flags.seed, 0, 0xffffffff),
        ...(flags.overwrite ? { overwrite: true } : {}),
      });
      const out = {
        bag: r.bag,
        episodes: r.episodes,
        transitions: r.transitions,
        meanReturn: r.meanReturn,
        checkpointId: r.checkpointId,
      };
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(out)}\n`
          : `recorded ${r.episodes} episodes (${r.transitions} transitions, mean return ${r.meanReturn.toFixed(3)}) of ${r.checkpointId} to ${r.bag}\n`,
      );
    });
  program
    .command('replay')
    .description(
      'Improve a checkpoint off-policy from logged episodes: importance-weighted natural-gradient (TRPO) steps.',
    )
    .requiredOption('--bag <dir...>', 'one or more bag directories (or .mcap files)')
    .requiredOption('--checkpoint <path>', 'checkpoint to improve')
    .requiredOption('--out <dir>', 'where to write the new checkpoint')
    .option('--task <name>', "the checkpoint's task (it fixes the task; another is refused)")
    .option(
      '--robot <dir|name>',
      "the checkpoint's robot (it fixes the robot; another folder is refused by model hash, joints and limits)",
    )
    .option(
      '--weights <name>',
      `estimator: ${WEIGHTING_NAMES.join(' | ')}`,
      REPLAY_DEFAULTS.weights,
    )
    .option(
      '--rho-bar <x>',
      'truncation of the importance weights (truncated)',
      String(REPLAY_DEFAULTS.rhoBar),
    )
    .option('--c-bar <x>', 'truncation of the V-trace traces', String(REPLAY_DEFAULTS.cBar))
    .option(
      '--iterations <k>',
      'natural-gradient steps on the data',
      String(REPLAY_DEFAULTS.iterations),
    )
    .option(
      '--target-kl <d>',
      'trust-region radius delta per step (default: learn TRPO_DEFAULTS 0.01)',
    )
    .option('--gamma <g>', 'discount (default 0.99)')
    .option('--seed <s>', 'seed of the critic minibatch shuffling', '0')
    .option(
      '--critic-only',
      'fit only the value network (policy unchanged); the one use of steps recorded with the mean action (explore false), which importance weighting refuses',
    )
    .option(
      '--json',
      'print one JSON object: transitions, episodes, skippedEpisodes, ess, maxWeight, meanWeight, clippedFraction, kl, surrogateBefore, surrogateAfter, ...',
    )
    .option('--log-level <level>', 'pino level on stderr', 'warn')
    .action(async (flags: ReplayFlags) => {
      const logger = createLogger({ level: parseLogLevel(flags.logLevel) });
      // SIGINT/SIGTERM (Ctrl-C under `ros2 launch`, replay.launch.py): stop at the next iteration
      // boundary, write the checkpoint of the iterations done, exit 0 (util/shutdownSignals.ts).
      let stopRequested = false;
      let resolveFinished: (code: number) => void = () => undefined;
      const finished = new Promise<number>((resolve) => (resolveFinished = resolve));
      const shutdown = installShutdownHandlers({
        name: 'replay',
        log: {
          info: (m) => logger.info(m),
          warn: (m) => logger.warn(m),
          error: (m) => logger.error(m),
        },
        forceQuitMessage: 'exiting without writing the replay checkpoint',
        onShutdown: (signal) => {
          stopRequested = true;
          logger.warn(`${signal}: finishing this iteration, writing the replay checkpoint`);
          return finished;
        },
      });
      let failed = false;
      try {
        await confirmCheckpointFlags(flags.checkpoint, flags, 'replay');
        const gamma = flags.gamma !== undefined ? parsePositive('--gamma', flags.gamma) : undefined;
        if (gamma !== undefined && gamma > 1)
          throw new Error(`--gamma: '${flags.gamma}' must be <= 1`);
        const summary = await runReplay({
          bags: flags.bag,
          checkpoint: flags.checkpoint,
          out: flags.out,
          seed: parseIntFlag('--seed', flags.seed, 0, 0xffffffff),
          logger,
          ...(flags.criticOnly === true ? { criticOnly: true } : {}),
          shouldStop: () => stopRequested,
          config: {
            weights: parseWeights(flags.weights),
            rhoBar: parsePositive('--rho-bar', flags.rhoBar),
            cBar: parsePositive('--c-bar', flags.cBar),
            iterations: parseIntFlag('--iterations', flags.iterations, 1, 1000),
            ...(gamma !== undefined ? { gamma } : {}),
            trpo:
              flags.targetKl !== undefined
                ? { targetKl: parsePositive('--target-kl', flags.targetKl) }
                : {},
          },
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(summary)}\n` : `${humanSummary(summary)}\n`,
        );
      } catch (err) {
        failed = true;
        // After a signal the process exits from the shutdown handler: say why here.
        if (shutdown.signal() !== null) logger.error(`replay failed: ${(err as Error).message}`);
        throw err;
      } finally {
        resolveFinished(failed ? 1 : 0);
        if (shutdown.signal() === null) shutdown.dispose();
      }
    });
}
