/**
 * Command-line options of `npm run bench:peers` (bench/peers/run.ts), with their defaults.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TaskKey } from './types.js';

export interface PeersOptions {
  readonly help: boolean;
  /** Smoke test in about a minute: pendulum, seed 0, 10k steps, SB3 TRPO and ours TRPO, small parts. */
  readonly quick: boolean;
  readonly tasks: readonly TaskKey[];
  readonly seeds: readonly number[];
  /** Which side to run. */
  readonly only: 'all' | 'sb3' | 'ours';
  /** Configuration ids to run (empty: all of run.ts's CONFIGS). */
  readonly configs: readonly string[];
  /** Training runs at once; 1 keeps the figures clean, 2 loads both cores. */
  readonly jobs: number;
  /** Environment steps between evaluations. */
  readonly evalEvery: number;
  /** Deterministic episodes per periodic evaluation (pendulum; reacher uses budgetEpisodes). */
  readonly evalEpisodes: number;
  /** Episodes of the evaluations at a budget step. */
  readonly budgetEpisodes: number;
  /** Steps at which the pendulum return is reported; the largest is the training budget. */
  readonly pendulumBudgets: readonly number[];
  readonly reacherBudgets: readonly number[];
  /** Reuse a saved raw result (bench/out/peers/runs/) of the very same run instead of training. */
  readonly reuse: boolean;
  readonly train: boolean;
  readonly parts: boolean;
  readonly scaling: boolean;
  /** Worker-thread counts for the scaling runs. */
  readonly workers: readonly number[];
  /** Steps of each scaling run. */
  readonly scalingSteps: number;
  /** How our side trains: the bench's loop with the runner's iteration, or `torquepilot train`. */
  readonly oursVia: 'loop' | 'cli';
  /** A Python with the pinned packages; skips the venv. */
  readonly python: string | undefined;
  readonly out: string;
  readonly svg: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

export const DEFAULTS: PeersOptions = Object.freeze({
  help: false,
  quick: false,
  tasks: ['pendulum', 'reacher'] as const, // both tasks of issue 10
  seeds: [0, 1, 2], // issue 10: 3 seeds
  only: 'all' as const,
  configs: [],
  jobs: 1, // one run at a time: no run slows another
  evalEvery: 5000, // issue 10: "evaluated about every 5k steps"
  evalEpisodes: 5, // SB3 EvalCallback's default n_eval_episodes
  budgetEpisodes: 20, // issue 10's reacher figures use 20 episodes
  pendulumBudgets: [50_000, 100_000], // issue 10: pendulum 50k/100k
  reacherBudgets: [300_000], // issue 10: reacher 300k
  reuse: false,
  train: true,
  parts: true,
  scaling: true,
  workers: [0, 1, 2], // 0 = in-process; the machine has 2 cores
  scalingSteps: 30_000,
  oursVia: 'loop' as const, // exact 5k-step evaluations; 'cli' checks it against the real command
  python: undefined,
  out: join(HERE, 'results.json'),
  svg: join(HERE, 'learning-curves.svg'),
});

export const HELP = `npm run bench:peers -- [options]   (or: npx tsx bench/peers/run.ts [options])

Trains torquepilot and Stable-Baselines3 side by side on inverted-pendulum / InvertedPendulum-v5
and reacher-2dof / Reacher-v5, times the parts of an update on both, and writes
bench/peers/results.json and bench/peers/learning-curves.svg. The first run builds
bench/peers/.venv (pinned in bench/peers/requirements.txt; a few GB, once).

  --quick                  smoke test: pendulum, seed 0, 10k steps, TRPO of both sides
  --tasks LIST             pendulum,reacher                  [${DEFAULTS.tasks.join(',')}]
  --seeds LIST             seeds                             [${DEFAULTS.seeds.join(',')}]
  --only sb3|ours          run one side only                 [all]
  --configs LIST           configuration ids: ours-trpo, ours-ppo, sb3-trpo-1t, sb3-ppo-1t,
                           sb3-trpo-dt, sb3-ppo-dt, sb3-ppo8-1t          [all]
  --jobs N                 training runs at once             [${DEFAULTS.jobs}]
  --eval-every N           env steps between evaluations     [${DEFAULTS.evalEvery}]
  --eval-episodes N        episodes per periodic evaluation  [${DEFAULTS.evalEpisodes}]
  --budget-episodes N      episodes at a budget step         [${DEFAULTS.budgetEpisodes}]
  --pendulum-budgets LIST  steps; the largest is the budget  [${DEFAULTS.pendulumBudgets.join(',')}]
  --reacher-budgets LIST   steps; the largest is the budget  [${DEFAULTS.reacherBudgets.join(',')}]
  --reuse                  reuse saved results of identical runs (bench/out/peers/runs/)
  --no-train, --no-parts, --no-scaling                       skip a phase
  --workers LIST           env worker threads of the scaling runs, 0 = in-process [${DEFAULTS.workers.join(',')}]
  --scaling-steps N        steps per scaling run             [${DEFAULTS.scalingSteps}]
  --ours-via loop|cli      our side: the bench's loop (exact 5k evaluations) or the real
                           \`torquepilot train\` command and its metrics.jsonl [loop]
  --python PATH            a Python with the pinned packages, instead of the venv
  --out FILE               results JSON        [bench/peers/results.json]
  --svg FILE               learning curves     [bench/peers/learning-curves.svg]
`;

function ints(name: string, v: string): number[] {
  const xs = v
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(
      `bench:peers: --${name} expects comma-separated non-negative integers, got '${v}'`,
    );
  }
  return xs;
}

function int(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min)
    throw new Error(`bench:peers: --${name} expects an integer >= ${min}, got '${v}'`);
  return x;
}

function oursVia(v: string | undefined): 'loop' | 'cli' {
  if (v === undefined || v === 'loop' || v === 'cli') return v ?? 'loop';
  throw new Error(`bench:peers: --ours-via expects loop or cli, got '${v}'`);
}

export function parseOptions(argv: readonly string[]): PeersOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      tasks: { type: 'string' },
      seeds: { type: 'string' },
      only: { type: 'string' },
      configs: { type: 'string' },
      jobs: { type: 'string' },
      'eval-every': { type: 'string' },
      'eval-episodes': { type: 'string' },
      'budget-episodes': { type: 'string' },
      'pendulum-budgets': { type: 'string' },
      'reacher-budgets': { type: 'string' },
      reuse: { type: 'boolean' },
      'no-train': { type: 'boolean' },
      'no-parts': { type: 'boolean' },
      'no-scaling': { type: 'boolean' },
      workers: { type: 'string' },
      'scaling-steps': { type: 'string' },
      'ours-via': { type: 'string' },
      python: { type: 'string' },
      out: { type: 'string' },
      svg: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const base: PeersOptions = quick
    ? {
        ...DEFAULTS,
        quick,
        tasks: ['pendulum'],
        seeds: [0],
        configs: ['ours-trpo', 'sb3-trpo-1t'],
        pendulumBudgets: [10_000],
        reacherBudgets: [10_000],
        workers: [0, 1, 2],
        scalingSteps: 5000,
      }
    : DEFAULTS;
  const tasks = values.tasks?.split(',') ?? base.tasks;
  for (const t of tasks) {
    if (t !== 'pendulum' && t !== 'reacher')
      throw new Error(`bench:peers: --tasks: unknown task '${t}' (pendulum, reacher)`);
  }
  const only = values.only ?? 'all';
  if (only !== 'all' && only !== 'sb3' && only !== 'ours')
    throw new Error(`bench:peers: --only expects sb3 or ours, got '${only}'`);
  return {
    help: values.help === true,
    quick,
    tasks: tasks as TaskKey[],
    seeds: values.seeds ? ints('seeds', values.seeds) : base.seeds,
    only,
    configs: values.configs ? values.configs.split(',') : base.configs,
    jobs: int('jobs', values.jobs, base.jobs),
    evalEvery: int('eval-every', values['eval-every'], base.evalEvery),
    evalEpisodes: int('eval-episodes', values['eval-episodes'], base.evalEpisodes),
    budgetEpisodes: int('budget-episodes', values['budget-episodes'], base.budgetEpisodes),
    pendulumBudgets: values['pendulum-budgets']
      ? ints('pendulum-budgets', values['pendulum-budgets'])
      : base.pendulumBudgets,
    reacherBudgets: values['reacher-budgets']
      ? ints('reacher-budgets', values['reacher-budgets'])
      : base.reacherBudgets,
    reuse: values.reuse === true,
    train: values['no-train'] !== true,
    parts: values['no-parts'] !== true,
    scaling: values['no-scaling'] !== true,
    workers: values.workers ? ints('workers', values.workers) : base.workers,
    scalingSteps: int('scaling-steps', values['scaling-steps'], base.scalingSteps),
    oursVia: oursVia(values['ours-via']),
    python: values.python,
    out: resolve(values.out ?? base.out),
    svg: resolve(values.svg ?? base.svg),
  };
}
