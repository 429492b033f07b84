/**
 * `torquepilot train` and `torquepilot eval` (commander). Flag parsing and the process concerns
 * (signals, exit codes, where output goes) live here; the loop lives in runner.ts.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { modelsDir } from '../../sim/index.js';
import { makeEnv } from '../../sim/index.js';
import {
  controlFromHyperparameters,
  readPerturbationFile,
  resolveTrainConfig,
} from '../config/index.js';
import type { RandomizeSpec } from '../config/index.js';
import type { TrainConfig } from '../config/index.js';
import type { PlainObject } from '../config/index.js';
import { ALGORITHM_NAMES } from '../learn/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../policy/index.js';
import { createLogger, installShutdownHandlers, parseLogLevel } from '../util/index.js';
import type { LogLevel } from '../util/index.js';
import { checkCheckpointRobot, checkpointTask, confirmCheckpointFlags } from './checkpointTask.js';
import { evaluatePolicy } from './evaluate.js';
import type { EvaluationResult } from './evaluate.js';
import { createProgress } from './progress.js';
import {
  formatRobustnessTable,
  ROBUSTNESS_DEFAULTS,
  robustnessSvg,
  robustnessSweep,
  VELOCITY_NOISE_RATIO,
} from './robustness.js';
import { createRunDir, defaultRunDir, readRunConfig, runPaths, writeConfig } from './runDir.js';
import { train } from './runner.js';
import type { TrainResult } from './runner.js';

/** The flags that choose and configure a training run (shared by `train` and `trainer-node`). */
export interface TrainRunFlags {
  task?: string;
  robot?: string;
  config?: string;
  algo?: string;
  steps?: string;
  seed?: string;
  out?: string;
  workers?: string;
  envs?: string;
  backend?: string;
}

/** Add the training-run flags of `TrainRunFlags` to a command. */
export function addTrainRunOptions(command: Command): Command {
  return command
    .option(
      '--task <kind|file>',
      'task: a kind (reach, inverted-pendulum, reacher-2dof), a task YAML file, or a built-in task (arm7-reach)',
    )
    .option(
      '--robot <dir|name>',
      "robot: a robot folder (with robot.yaml) or a built-in robot (arm7, ...); default: the task's",
    )
    .option(
      '--config <file>',
      'YAML/JSON config layered over the task defaults (models/<task>/train.yaml)',
    )
    .option('--algo <name>', `update rule: ${ALGORITHM_NAMES.join(' | ')}`)
    .option('--steps <n>', 'environment steps to train for (totalSteps)')
    .option('--seed <s>', 'seed of every random stream')
    .option('--out <dir>', 'run directory (default runs/<task>-<algo>-seed<seed>)')
    .option('--workers <w>', 'worker threads for the environments (0 = in-process)')
    .option('--envs <n>', 'number of environments stepped together (env.numEnvs)')
    .option('--backend <name>', 'tfjs backend: auto | wasm | cpu | tensorflow');
}

interface TrainFlags extends TrainRunFlags {
  resume?: string;
  logLevel?: string;
  progress?: string;
  printConfig?: boolean;
}

interface EvalFlags {
  checkpoint: string;
  robot?: string;
  task?: string;
  episodes: string;
  deterministic?: boolean;
  json?: boolean;
  seed: string;
  logLevel?: string;
  perturb?: string;
}

/** Parse an integer flag; throws naming the flag, the value and the range. */
export function parseIntFlag(
  flag: string,
  value: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const s = value.trim().replace(/_/g, '');
  const n = /^[+-]?\d+(\.\d+)?(e\d+)?$/i.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${flag}: '${value}' is not an integer in [${min}, ${max}]`);
  }
  return n;
}

/** The command-line layer of the config (only flags that were given). */
export function cliLayer(flags: TrainFlags): PlainObject {
  const layer: PlainObject = {};
  if (flags.task !== undefined) layer['task'] = flags.task;
  if (flags.robot !== undefined) layer['robot'] = flags.robot;
  if (flags.algo !== undefined) layer['algo'] = flags.algo;
  if (flags.steps !== undefined) layer['totalSteps'] = parseIntFlag('--steps', flags.steps, 1);
  if (flags.seed !== undefined) layer['seed'] = parseIntFlag('--seed', flags.seed, 0, 0xffffffff);
  if (flags.backend !== undefined) layer['backend'] = flags.backend;
  const env: PlainObject = {};
  if (flags.envs !== undefined) env['numEnvs'] = parseIntFlag('--envs', flags.envs, 1, 4096);
  if (flags.workers !== undefined) env['workers'] = parseIntFlag('--workers', flags.workers, 0, 64);
  if (Object.keys(env).length > 0) layer['env'] = env;
  if (flags.logLevel !== undefined) layer['log'] = { level: parseLogLevel(flags.logLevel) };
  return layer;
}

const RESUME_FORBIDDEN: ReadonlyArray<keyof TrainFlags> = [
  'task',
  'robot',
  'config',
  'algo',
  'seed',
  'out',
  'envs',
  'backend',
];

/** The config of a resumed run: the run's own, with only the flags that keep results identical. */
function resumeConfig(flags: TrainFlags, dir: string): TrainConfig {
  for (const k of RESUME_FORBIDDEN) {
    if (flags[k] !== undefined) {
      throw new Error(
        `train --resume: --${k} cannot change on resume (the run continues with ${runPaths(dir).config}); allowed with --resume: --steps, --workers, --log-level, --progress`,
      );
    }
  }
  const config = readRunConfig(dir);
  if (flags.steps !== undefined) config.totalSteps = parseIntFlag('--steps', flags.steps, 1);
  if (flags.workers !== undefined)
    config.env.workers = parseIntFlag('--workers', flags.workers, 0, 64);
  if (flags.logLevel !== undefined) config.log.level = parseLogLevel(flags.logLevel);
  return config;
}

async function trainCommand(flags: TrainFlags): Promise<void> {
  const progressMode = (flags.progress ?? 'auto') as 'auto' | 'bar' | 'json' | 'none';
  if (!['auto', 'bar', 'json', 'none'].includes(progressMode))
    throw new Error(`--progress: '${flags.progress}' is not one of auto, bar, json, none`);
  let config: TrainConfig;
  let runDir: string;
  if (flags.resume !== undefined) {
    runDir = flags.resume;
    config = resumeConfig(flags, runDir);
    writeConfig(runPaths(runDir), config);
  } else {
    config = resolveTrainConfig({
      modelsDir: modelsDir(),
      ...(flags.config !== undefined ? { configFile: flags.config } : {}),
      cli: cliLayer(flags),
    }).config;
    if (flags.printConfig) {
      process.stdout.write(YAML.stringify(config));
      return;
    }
    runDir = flags.out ?? defaultRunDir(config);
    createRunDir(runDir, config);
  }
  // Signals first, before anything is built (util/shutdownSignals.ts: the copies of one Ctrl-C that
  // `ros2 launch` delivers count once). The run finishes its iteration, writes a checkpoint and
  // exits 0: a clean, resumable stop (launch reports "finished cleanly"; 130 read as "has died").
  let stopRequested = false;
  let resolveFinished: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (resolveFinished = resolve));
  let signalLog: { warn(m: string): void; info(m: string): void; error(m: string): void } = {
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`${m}\n`),
    error: (m) => process.stderr.write(`${m}\n`),
  };
  const shutdown = installShutdownHandlers({
    log: {
      info: (m) => signalLog.info(m),
      warn: (m) => signalLog.warn(m),
      error: (m) => signalLog.error(m),
    },
    forceQuitMessage: 'exiting without a checkpoint (the last periodic one stays)',
    onShutdown: (signal) => {
      stopRequested = true;
      signalLog.warn(`${signal}: finishing this iteration, writing a checkpoint, then exiting`);
      return finished;
    },
  });
  const progress = createProgress(progressMode);
  const bar = progressMode === 'bar' || (progressMode === 'auto' && process.stderr.isTTY);
  const level: LogLevel = config.log.level;
  const logger = createLogger({
    level,
    file: runPaths(runDir).log,
    // The progress output (bar or JSON lines) reports each iteration, so the console shows
    // warnings and errors only unless --log-level asks for more; train.log keeps everything.
    console: bar ? 'pretty' : 'json',
    consoleLevel:
      flags.logLevel === undefined && (level === 'info' || level === 'debug' || level === 'trace')
        ? 'warn'
        : level,
    onConsoleWrite: (after) => progress.bracket(after),
  });
  signalLog = {
    info: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
    error: (m) => logger.error(m),
  };
  let failed = false;
  try {
    const result = await train({
      config,
      runDir,
      resume: flags.resume !== undefined,
      logger,
      progress,
      shouldStop: () => stopRequested,
    });
    const summary = {
      ...doneSummary(result),
      ...(result.finalEval
        ? {
            finalEval: {
              meanReturn: result.finalEval.meanReturn,
              stdReturn: result.finalEval.stdReturn,
              successRate: result.finalEval.successRate,
              meanFinalDistance: result.finalEval.meanFinalDistance,
            },
          }
        : {}),
    };
    logger.info(summary, result.interrupted ? 'training interrupted (resumable)' : 'training done');
    if (!bar) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stderr.write(
        `${result.interrupted ? 'Stopped' : 'Done'}: ${result.steps} steps in ${result.iterations} iterations, ` +
          `best ${result.best.metric} ${result.best.score?.toFixed(2) ?? '—'} (iteration ${result.best.iteration}). ` +
          `Run: ${result.runDir}${result.interrupted ? ` (continue with: torquepilot train --resume ${result.runDir})` : ''}\n`,
      );
  } catch (err) {
    failed = true;
    // After a signal the process exits from the shutdown handler: say why here.
    if (shutdown.signal() !== null) logger.error(`training failed: ${(err as Error).message}`);
    throw err;
  } finally {
    // A signal's shutdown exits with this code; without a signal the command returns (or throws).
    resolveFinished(failed ? 1 : 0);
    if (shutdown.signal() === null) shutdown.dispose();
  }
}

/** Human-readable evaluation report. */
/** The `{"type":"done"}` line a training command prints last (train, trainer-node). */
export function doneSummary(result: TrainResult) {
  return {
    type: 'done' as const,
    runDir: result.runDir,
    iterations: result.iterations,
    steps: result.steps,
    interrupted: result.interrupted,
    best: result.best,
    stepsPerSec: Math.round(result.stepsPerSec),
  };
}

export function formatEvaluation(
  r: EvaluationResult,
  checkpoint: string,
  perturbation?: string,
): string {
  const f = (x: number | null, d = 2): string => (x === null ? '—' : x.toFixed(d));
  const rows: Array<[string, string]> = [
    ['checkpoint', checkpoint],
    ...(perturbation === undefined
      ? []
      : [['arm', `perturbed by ${perturbation}`] as [string, string]]),
    ['episodes', `${r.episodes} (${r.deterministic ? 'deterministic' : 'stochastic'})`],
    [
      'return',
      `${f(r.meanReturn)} ± ${f(r.stdReturn)}  [min ${f(r.minReturn)}, max ${f(r.maxReturn)}]`,
    ],
    ['episode length', `${f(r.meanLength, 1)}  [min ${r.minLength}, max ${r.maxLength}]`],
  ];
  if (r.successRate !== null) rows.push(['success rate', `${(r.successRate * 100).toFixed(1)} %`]);
  if (r.meanFinalDistance !== null)
    rows.push([
      'final distance',
      `mean ${(r.meanFinalDistance * 100).toFixed(2)} cm, median ${((r.medianFinalDistance ?? 0) * 100).toFixed(2)} cm`,
    ]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

async function evalCommand(flags: EvalFlags): Promise<void> {
  if (flags.task !== undefined) await confirmCheckpointFlags(flags.checkpoint, flags, 'eval');
  const episodes = parseIntFlag('--episodes', flags.episodes, 1, 1_000_000);
  const seed = parseIntFlag('--seed', flags.seed, 0, 0xffffffff);
  const logger = createLogger({ level: parseLogLevel(flags.logLevel ?? 'warn') });
  // The perturbation file first: a bad file fails before the checkpoint is read.
  const perturbation: RandomizeSpec | undefined =
    flags.perturb === undefined ? undefined : readPerturbationFile(flags.perturb);
  const ckpt = loadCheckpoint(flags.checkpoint);
  const policy = policyFromCheckpoint(ckpt);
  // The control loop it was trained with (rates, action shaping) is part of the policy's world.
  const control = controlFromHyperparameters(ckpt.manifest.hyperparameters, ckpt.dir);
  const { task, robot } = checkpointTask(ckpt.manifest, flags.robot);
  const env = await makeEnv(task, {
    control,
    ...(robot !== undefined ? { robot } : {}),
    ...(perturbation === undefined ? {} : { randomize: perturbation }),
  });
  try {
    checkCheckpointRobot(ckpt.manifest, env.spec, `eval: ${ckpt.dir}`);
    if (
      env.spec.obsSize !== ckpt.manifest.obsSize ||
      env.spec.actionSize !== ckpt.manifest.actionSize
    )
      throw new Error(
        `eval: ${ckpt.dir}: checkpoint sizes obs ${ckpt.manifest.obsSize}/action ${ckpt.manifest.actionSize} do not match task '${env.spec.name}' (${env.spec.obsSize}/${env.spec.actionSize})`,
      );
    const r = evaluatePolicy(env, policy, {
      episodes,
      deterministic: flags.deterministic === true,
      seed,
    });
    logger.info({ checkpoint: ckpt.dir, id: ckpt.manifest.id, ...r }, 'evaluation done');
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({
          checkpoint: ckpt.dir,
          checkpointId: ckpt.manifest.id,
          task: ckpt.manifest.task,
          seed,
          ...(flags.perturb !== undefined
            ? { perturb: { file: flags.perturb, perturbation } }
            : {}),
          ...r,
        })}\n`,
      );
    } else process.stdout.write(`${formatEvaluation(r, ckpt.dir, flags.perturb)}\n`);
  } finally {
    env.close();
  }
}

interface RobustnessFlags {
  checkpoint: string;
  masses?: string;
  latencies?: string;
  noise?: string;
  episodes: string;
  seed: string;
  stochastic?: boolean;
  json?: boolean;
  svg?: string;
}

/** Parse a comma-separated list of numbers; throws naming the flag and the entry. */
export function parseListFlag(
  flag: string,
  value: string,
  min: number,
  max: number,
  integer = false,
): number[] {
  const items = value.split(',').map((s) => s.trim());
  return items.map((s) => {
    const n = s === '' ? Number.NaN : Number(s);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(
        `${flag}: '${s}' in '${value}' is not ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`,
      );
    }
    return n;
  });
}

async function robustnessCommand(flags: RobustnessFlags): Promise<void> {
  const masses =
    flags.masses === undefined
      ? ROBUSTNESS_DEFAULTS.masses
      : parseListFlag('--masses', flags.masses, 0.01, 100);
  const latencies =
    flags.latencies === undefined
      ? ROBUSTNESS_DEFAULTS.latencies
      : parseListFlag('--latencies', flags.latencies, 0, 16, true);
  const noises =
    flags.noise === undefined
      ? ROBUSTNESS_DEFAULTS.noises
      : parseListFlag('--noise', flags.noise, 0, 10);
  const episodes = parseIntFlag('--episodes', flags.episodes, 1, 1_000_000);
  const seed = parseIntFlag('--seed', flags.seed, 0, 0xffffffff);
  const ckpt = loadCheckpoint(flags.checkpoint);
  const policy = policyFromCheckpoint(ckpt);
  const report = await robustnessSweep(ckpt.manifest.task, policy, {
    control: controlFromHyperparameters(ckpt.manifest.hyperparameters, ckpt.dir),
    masses,
    latencies,
    noises,
    episodes,
    seed,
    deterministic: flags.stochastic !== true,
  });
  if (flags.svg !== undefined) writeFileSync(flags.svg, robustnessSvg(report));
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ checkpoint: ckpt.dir, checkpointId: ckpt.manifest.id, ...report })}\n`,
    );
  else process.stdout.write(`${formatRobustnessTable(report)}\n`);
}

/** Register `train`, `eval` and `robustness` on the program. */
export function registerTrainCommands(program: Command): void {
  addTrainRunOptions(
    program
      .command('train')
      .description('Train a policy in MuJoCo (WASM) on a task, or continue a run with --resume.'),
  )
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint')
    .option('--log-level <level>', 'trace | debug | info | warn | error | fatal | silent')
    .option(
      '--progress <mode>',
      'auto (bar on a terminal, JSON lines otherwise) | bar | json | none',
    )
    .option('--print-config', 'print the resolved config (all layers merged) as YAML and exit')
    .action(async (flags: TrainFlags) => {
      await trainCommand(flags);
    });
  program
    .command('eval')
    .description('Evaluate a checkpoint (a checkpoint directory, or a run directory = its best).')
    .requiredOption('--checkpoint <path>', 'checkpoint directory or run directory')
    .option(
      '--robot <dir|name>',
      "robot folder or built-in name (default: the checkpoint's robot, by name)",
    )
    .option('--task <name>', "the checkpoint's task (it fixes the task; another is refused)")
    .option('--episodes <n>', 'episodes to run', '10')
    .option('--deterministic', 'use the mean action instead of sampling')
    .option(
      '--json',
      'print one JSON object (meanReturn, stdReturn, minReturn, maxReturn, successRate, meanLength, ...)',
    )
    .option('--seed <s>', 'seed of the episode resets (and of the action noise)', '0')
    .option('--log-level <level>', 'pino level on stderr', 'warn')
    .option(
      '--perturb <file>',
      'evaluate on a shifted arm: a perturbation file (YAML: mass, damping, strength, latency, noise...; docs/sim-to-real.md)',
    )
    .action(async (flags: EvalFlags) => {
      await evalCommand(flags);
    });
  program
    .command('robustness')
    .description(
      'Evaluate a checkpoint on a grid of shifted arms (link mass × latency × encoder noise): success and return as a table, JSON or an SVG heat map.',
    )
    .requiredOption('--checkpoint <path>', 'checkpoint directory or run directory')
    .option(
      '--masses <list>',
      'link mass scales, comma-separated',
      ROBUSTNESS_DEFAULTS.masses.join(','),
    )
    .option(
      '--latencies <list>',
      'action latencies in control periods, comma-separated',
      ROBUSTNESS_DEFAULTS.latencies.join(','),
    )
    .option(
      '--noise <list>',
      `encoder noise: q std in rad (q̇ gets ${VELOCITY_NOISE_RATIO}×, in rad/s), comma-separated`,
      ROBUSTNESS_DEFAULTS.noises.join(','),
    )
    .option('--episodes <n>', 'episodes per cell', '10')
    .option('--seed <s>', 'seed of the episode resets (the same in every cell)', '0')
    .option('--stochastic', 'sample actions instead of the mean')
    .option('--json', 'print the whole report as one JSON object')
    .option('--svg <file>', 'also write the heat map as an SVG file')
    .action(async (flags: RobustnessFlags) => {
      await robustnessCommand(flags);
    });
}
