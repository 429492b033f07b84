/**
 * The other way to measure our side: run the real `torquepilot train` command (src/cli.ts through
 * tsx, so no build is needed) and read its run directory's metrics.jsonl. Used with
 * `npm run bench:peers -- --ours-via cli`, to check that the bench's own loop (oursTrain.ts)
 * measures what users get.
 *
 * The runner evaluates every k iterations (eval.every), not at exact multiples of 5000 steps, so
 * k = round(evalEvery / (nSteps × numEnvs)) and each evaluation is the post-update policy at the
 * iteration's step count. Its training clock (metrics `wallTime`) counts rollout and update only:
 * evaluation, metrics, the SVG and checkpoint writes are outside it. Every evaluation has
 * `evalEpisodes` episodes (the runner has one episode count), budgets included.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/util/index.js';
import { benchConfig, type OursTrainOptions } from './oursTrain.js';
import type { EvalPoint, RunResult } from './types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The metrics.jsonl fields this reads (src/train/metrics.ts MetricsLine). */
interface MetricsFields {
  readonly steps: number;
  readonly wallTime: number;
  readonly rolloutSeconds: number;
  readonly updateSeconds: number;
  readonly evalReturn?: number | null;
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(err)
        : reject(
            new Error(`peers/oursCli: ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`),
          ),
    );
  });
}

export async function trainOursViaCli(o: OursTrainOptions): Promise<RunResult> {
  const config = benchConfig(o);
  const a = config[config.algo];
  const batch = a.nSteps * config.env.numEnvs;
  const every = o.evalEvery > 0 ? Math.max(1, Math.round(o.evalEvery / batch)) : 0;
  const dir = join(ROOT, 'bench', 'out', 'peers', 'cli-runs', `${o.task}-${o.algo}-${o.seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const layer = join(dirname(dir), `${o.task}-${o.algo}-${o.seed}.config.json`);
  writeFileAtomic(
    layer,
    JSON.stringify({
      eval: { every, episodes: o.evalEpisodes, final: every > 0 },
      checkpoint: { every: 0 },
    }),
  );
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src', 'cli.ts'),
    'train',
    '--task',
    o.task,
    '--algo',
    o.algo,
    '--seed',
    String(o.seed),
    '--steps',
    String(o.steps),
    '--out',
    dir,
    '--config',
    layer,
    '--log-level',
    'warn',
  ];
  if (o.workers !== undefined) args.push('--workers', String(o.workers));
  await run(process.execPath, args);
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricsFields);
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`peers/oursCli: ${dir}/metrics.jsonl is empty`);
  const evals: EvalPoint[] = lines
    .filter((l) => typeof l.evalReturn === 'number')
    .map((l) => ({
      steps: l.steps,
      trainSeconds: l.wallTime,
      meanReturn: l.evalReturn as number,
      stdReturn: Number.NaN,
      episodes: o.evalEpisodes,
    }));
  const rollout = lines.reduce((s, l) => s + l.rolloutSeconds, 0);
  const update = lines.reduce((s, l) => s + l.updateSeconds, 0);
  return {
    side: 'ours',
    algo: o.algo,
    task: o.task,
    seed: o.seed,
    threads: config.env.workers,
    nEnvs: config.env.numEnvs,
    steps: last.steps,
    trainSeconds: last.wallTime,
    stepsPerSecond: last.steps / last.wallTime,
    evals,
    fractions: { rollout: rollout / last.wallTime, update: update / last.wallTime },
    versions: { node: process.version, via: 'torquepilot train (src/cli.ts)' },
  };
}
