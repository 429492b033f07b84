/**
 * torquepilot's side of the peer bench, as a child process of bench/peers/run.ts (so that each
 * run starts from a fresh process, as each SB3 run does). Prints one JSON object on stdout.
 *
 *   npx tsx bench/peers/ours.ts train --algo trpo --task inverted-pendulum --seed 0 --steps 100000
 *        [--workers N] [--eval-every 5000] [--eval-episodes 5] [--budget-steps 50000,100000]
 *        [--budget-episodes 20] [--eval-seed 1000000] [--via loop|cli]
 *   npx tsx bench/peers/ours.ts parts --task inverted-pendulum [--quick]
 *
 * `train` prints a RunResult (bench/peers/types.ts) plus the resolved `trainConfig`; `parts` a
 * PartsResult.
 * `--via loop` (default) trains in this process with the runner's iteration (oursTrain.ts);
 * `--via cli` runs `torquepilot train` and reads its metrics.jsonl (oursCli.ts).
 */
import { parseArgs } from 'node:util';
import { OURS_PARTS_QUICK, timeOursParts } from './oursParts.js';
import { trainOursViaCli } from './oursCli.js';
import { trainOurs } from './oursTrain.js';

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) {
    throw new Error(`bench/peers/ours.ts: --${name} expects a non-negative integer, got '${v}'`);
  }
  return x;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      algo: { type: 'string', default: 'trpo' },
      task: { type: 'string', default: 'inverted-pendulum' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      workers: { type: 'string' },
      'eval-every': { type: 'string' },
      'eval-episodes': { type: 'string' },
      'budget-steps': { type: 'string' },
      'budget-episodes': { type: 'string' },
      'eval-seed': { type: 'string' },
      quick: { type: 'boolean' },
      via: { type: 'string', default: 'loop' },
    },
  });
  if (command === 'parts') {
    const r = await timeOursParts({ task: values.task, ...(values.quick ? OURS_PARTS_QUICK : {}) });
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  if (command !== 'train') {
    throw new Error(`bench/peers/ours.ts: expected 'train' or 'parts', got '${String(command)}'`);
  }
  if (values.algo !== 'trpo' && values.algo !== 'ppo') {
    throw new Error(`bench/peers/ours.ts: --algo expects trpo or ppo, got '${values.algo}'`);
  }
  if (values.steps === undefined) throw new Error('bench/peers/ours.ts train: --steps is required');
  const budgets = (values['budget-steps'] ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => int('budget-steps', s, 0));
  if (values.via !== 'loop' && values.via !== 'cli') {
    throw new Error(`bench/peers/ours.ts: --via expects loop or cli, got '${values.via}'`);
  }
  const r = await (values.via === 'cli' ? trainOursViaCli : trainOurs)({
    task: values.task,
    algo: values.algo,
    seed: int('seed', values.seed, 0),
    steps: int('steps', values.steps, 0),
    workers: values.workers === undefined ? undefined : int('workers', values.workers, 0),
    evalEvery: int('eval-every', values['eval-every'], 5000),
    evalEpisodes: int('eval-episodes', values['eval-episodes'], 5),
    budgetSteps: budgets,
    budgetEpisodes: int('budget-episodes', values['budget-episodes'], 20),
    evalSeed: int('eval-seed', values['eval-seed'], 1_000_000),
  });
  process.stdout.write(JSON.stringify(r) + '\n');
}

await main();
