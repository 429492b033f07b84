/**
 * Robustness figure of issue 16 (NOT part of the test suite):
 *
 *   Reach on the built-in arm, trained with `randomize: arm`, then evaluated on a stand-in arm
 *   with link masses +25 %, 2 periods of latency and encoder noise: success ≥ 90 %. Beside it,
 *   the same budget trained without randomisation on the same stand-in.
 *
 * Per seed, two runs of the real CLI with arm7-reach's models/arm7-reach/train.yaml and the same
 * budget (its totalSteps unless --steps): `nominal` (no randomisation) and `randomized` (a
 * `--config` layer holding `randomize: arm`). Each run's best checkpoint (chosen, as `train`
 * always does, on the nominal evaluations during training) is evaluated deterministically on the
 * same episode seeds twice: on the nominal arm and with `eval --perturb` on the stand-in
 * (models/arm7-reach/standIn.yaml). Prints a table and the exact commands; `--json` prints the
 * results as JSON; they are also written to <out>/results.json.
 *
 *   npx tsx bench/robustness.ts                  # full: 1M steps, seed 0, 200 episodes per eval
 *   npx tsx bench/robustness.ts --quick          # 40k steps, 10 episodes: proves the bench works
 *   npx tsx bench/robustness.ts --seeds 0,1,2 --parallel 2 --perturb my-arm.yaml
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJobPool } from './jobPool.js';
import { benchArgs, numberArg, numberListArg } from './benchArgs.js';
import { runTorquepilot as run } from './cliRun.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TASK = 'arm7-reach';
/** The figure's threshold: success rate of the randomised policy on the stand-in. */
const GOAL = 0.9;

interface Args {
  /** Training budget of both variants (undefined: train.yaml's totalSteps). */
  steps: number | undefined;
  seeds: number[];
  /** Episodes of each deterministic evaluation (same episode seeds on both arms). */
  episodes: number;
  perturb: string;
  parallel: number;
  json: boolean;
  out: string;
}

function parseCliArgs(argv: readonly string[]): Args {
  const B = 'robustness';
  const v = benchArgs(
    B,
    {
      steps: { type: 'string' },
      seeds: { type: 'string', default: '0' },
      // A success rate near 0.9 has a binomial standard error of sqrt(0.9·0.1/200) ≈ 2.1 points.
      episodes: { type: 'string', default: '200' },
      perturb: { type: 'string', default: join('models', TASK, 'standIn.yaml') },
      parallel: { type: 'string', default: '1' },
      out: { type: 'string', default: join(ROOT, 'bench', 'out', 'robustness') },
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
    },
    argv,
  );
  const a: Args = {
    steps:
      v.steps === undefined ? undefined : numberArg(B, 'steps', v.steps, { integer: true, min: 1 }),
    seeds: numberListArg(B, 'seeds', v.seeds, { integer: true, min: 0 }),
    episodes: numberArg(B, 'episodes', v.episodes, { integer: true, min: 1 }),
    perturb: resolve(v.perturb),
    parallel: numberArg(B, 'parallel', v.parallel, { integer: true, min: 1 }),
    json: v.json === true,
    out: v.out,
  };
  if (v.quick === true) {
    a.steps = 40_960;
    a.episodes = 10;
  }
  return a;
}

type Variant = 'nominal' | 'randomized';

interface ArmEval {
  readonly command: string;
  readonly successRate: number | null;
  readonly meanReturn: number;
  readonly medianFinalDistance: number | null;
}

interface RunResult {
  readonly variant: Variant;
  readonly seed: number;
  readonly steps: number;
  readonly trainCommand: string;
  readonly checkpointId: string;
  /** Training loop env steps/s (rollout + update), as `train` reports it. */
  readonly trainStepsPerSec: number;
  readonly nominal: ArmEval;
  readonly standIn: ArmEval;
}

interface EvalJson {
  checkpointId: string;
  meanReturn: number;
  successRate: number | null;
  medianFinalDistance: number | null;
}

async function evaluate(dir: string, a: Args, perturb: boolean): Promise<ArmEval & EvalJson> {
  const args = ['eval', '--checkpoint', dir, '--episodes', String(a.episodes), '--deterministic'];
  if (perturb) args.push('--perturb', a.perturb);
  const e = await run([...args, '--json']);
  if (e.code !== 0) throw new Error(`bench/robustness: ${args.join(' ')} failed:\n${e.stderr}`);
  const ev = JSON.parse(e.stdout.trim()) as EvalJson;
  return {
    command: `torquepilot ${args.join(' ')}`,
    checkpointId: ev.checkpointId,
    successRate: ev.successRate,
    meanReturn: ev.meanReturn,
    medianFinalDistance: ev.medianFinalDistance,
  };
}

async function oneRun(variant: Variant, seed: number, a: Args): Promise<RunResult> {
  const dir = join(a.out, `${variant}-seed${seed}`);
  rmSync(dir, { recursive: true, force: true });
  const trainArgs = ['train', '--task', TASK, '--seed', String(seed), '--out', dir];
  if (a.steps !== undefined) trainArgs.push('--steps', String(a.steps));
  if (variant === 'randomized') trainArgs.push('--config', join(a.out, 'randomize-arm.yaml'));
  const t = await run([...trainArgs, '--progress', 'json', '--log-level', 'warn']);
  if (t.code !== 0)
    throw new Error(`bench/robustness: ${trainArgs.join(' ')} failed:\n${t.stderr}`);
  const done = t.stdout
    .split('\n')
    .filter((l) => l.includes('"type":"done"'))
    .map((l) => JSON.parse(l) as { steps: number; stepsPerSec: number })[0];
  if (done === undefined)
    throw new Error(`bench/robustness: ${trainArgs.join(' ')} printed no "done" line`);
  const nominal = await evaluate(dir, a, false);
  const standIn = await evaluate(dir, a, true);
  return {
    variant,
    seed,
    steps: done.steps,
    trainCommand: `torquepilot ${trainArgs.join(' ')}`,
    checkpointId: nominal.checkpointId,
    trainStepsPerSec: done.stepsPerSec,
    nominal: {
      command: nominal.command,
      successRate: nominal.successRate,
      meanReturn: nominal.meanReturn,
      medianFinalDistance: nominal.medianFinalDistance,
    },
    standIn: {
      command: standIn.command,
      successRate: standIn.successRate,
      meanReturn: standIn.meanReturn,
      medianFinalDistance: standIn.medianFinalDistance,
    },
  };
}

function printTable(results: readonly RunResult[], a: Args, load: readonly number[]): void {
  const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  const cm = (x: number | null): string => (x === null ? '—' : (x * 100).toFixed(2));
  const rows = [
    [
      'training',
      'seed',
      'steps',
      'train steps/s',
      'nominal success',
      'nominal median (cm)',
      'stand-in success',
      'stand-in median (cm)',
      'stand-in return',
    ],
    ...results.map((r) => [
      r.variant === 'randomized' ? 'randomize: arm' : 'none',
      String(r.seed),
      String(r.steps),
      r.trainStepsPerSec.toFixed(0),
      pct(r.nominal.successRate),
      cm(r.nominal.medianFinalDistance),
      pct(r.standIn.successRate),
      cm(r.standIn.medianFinalDistance),
      r.standIn.meanReturn.toFixed(2),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}\n`);
  const rand = results.filter((r) => r.variant === 'randomized');
  const pass = rand.length > 0 && rand.every((r) => (r.standIn.successRate ?? 0) >= GOAL);
  process.stdout.write(
    `\nstand-in ${a.perturb}, ${a.episodes} deterministic episodes per evaluation; goal: randomised ` +
      `success ≥ ${GOAL * 100}% on the stand-in: ${pass ? 'pass' : 'FAIL'}\n`,
  );
  process.stdout.write(
    `machine: ${cpus().length} CPUs, load average at the start ${load.map((x) => x.toFixed(1)).join(' ')}, at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n\ncommands:\n`,
  );
  for (const r of results)
    process.stdout.write(`  ${r.trainCommand}\n  ${r.nominal.command}\n  ${r.standIn.command}\n`);
}

async function main(): Promise<void> {
  const a = parseCliArgs(process.argv.slice(2));
  const loadAtStart = loadavg();
  mkdirSync(a.out, { recursive: true });
  writeFileSync(
    join(a.out, 'randomize-arm.yaml'),
    '# bench/robustness.ts: the randomised variant, layered over models/arm7-reach/train.yaml\nrandomize: arm\n',
  );
  const jobs = a.seeds.flatMap((seed) =>
    (['nominal', 'randomized'] as const).map((variant) => () => oneRun(variant, seed, a)),
  );
  const results = await runJobPool(jobs, a.parallel, (r) => {
    if (!a.json)
      process.stderr.write(
        `done: ${r.variant} seed ${r.seed}: stand-in success ${r.standIn.successRate}\n`,
      );
  });
  results.sort((x, y) => x.seed - y.seed || x.variant.localeCompare(y.variant));
  const rand = results.filter((r) => r.variant === 'randomized');
  const summary = {
    machine: { cpus: cpus().length, node: process.version, loadAtStart, loadAtEnd: loadavg() },
    task: TASK,
    perturb: a.perturb,
    episodes: a.episodes,
    goal: { standInSuccess: GOAL },
    pass: rand.length > 0 && rand.every((r) => (r.standIn.successRate ?? 0) >= GOAL),
    results,
  };
  writeFileSync(join(a.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printTable(results, a, loadAtStart);
}

await main();
