/**
 * bench/fleet.ts — issue 17's fleet figures over real DDS on loopback (NOT part of the test suite).
 * Each mode prints a table, the exact commands it ran, the load average, and one JSON line.
 *
 *   ingest  transitions/s received and decoded (the bench's own subscription, no learning), then
 *           received and learned from by `torquepilot learner`, from --publishers synthetic actors
 *           (bench/fleetPublisher.ts) that publish real chunks of --task as fast as they can.
 *   cores   single-process `train` against one `torquepilot learner` + one `torquepilot actor`, same
 *           task, seed and transition budget, in the order --order (default ABA): steps/s and the
 *           final deterministic evaluation.
 *   scale   `train` against a learner with each of --actors actor processes: throughput, policy lag
 *           p50/p99, CPU seconds per 1000 transitions (all processes), and time from launch to a
 *           deterministic eval return ≥ --threshold (every checkpoint evaluated afterwards with the
 *           same evaluator, --eval-episodes episodes).
 *
 *   ceiling (no DDS) train's collection and update times against the learner's step, in one
 *           process (fleetCeiling.ts): the most learner + 1 actor can gain over `train`.
 *
 *   flock /tmp/dds.lock nice -n 10 npx tsx bench/fleet.ts --mode ingest
 *   flock /tmp/dds.lock nice -n 10 npx tsx bench/fleet.ts --mode cores
 *   flock /tmp/dds.lock nice -n 10 npx tsx bench/fleet.ts --mode scale
 *   nice -n 10 npx tsx bench/fleet.ts --mode ceiling
 *
 * Domain: --domain (51–99, default $ROS_DOMAIN_ID or 93); discovery is set to LOCALHOST here.
 * Steps/s of a fleet run is steady-state: transitions learned between the learner's first and last
 * update over the time between them; `train`'s is its done line's (rollout + update time, periodic
 * evaluation and checkpoints excluded). The "wall" columns count from spawn to exit instead.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ensureRosEnvironment } from '../src/ros/index.js';
import { benchArgs, numberArg, numberListArg } from './benchArgs.js';
import { runCeiling } from './fleetCeiling.js';
import { runIngest } from './fleetIngest.js';
import { runCores, runScale } from './fleetRuns.js';
import { ROOT } from './fleetProcs.js';

const B = 'fleet';
const a = benchArgs(B, {
  mode: { type: 'string', default: 'cores' },
  domain: { type: 'string', default: process.env['ROS_DOMAIN_ID'] || '93' },
  task: { type: 'string' },
  seed: { type: 'string', default: '1' },
  steps: { type: 'string' },
  order: { type: 'string', default: 'ABCA' },
  actors: { type: 'string', default: '1,2,4' },
  envs: { type: 'string', default: '8' },
  'chunk-steps': { type: 'string' },
  'batch-size': { type: 'string', default: '2048' },
  'publish-every': { type: 'string', default: '1' },
  'max-ahead': { type: 'string', default: '1' },
  'critic-epochs': { type: 'string', default: '2' },
  'learner-args': { type: 'string', default: '' },
  'actor-args': { type: 'string', default: '' },
  'train-args': { type: 'string', default: '' },
  threshold: { type: 'string', default: '-6' },
  'eval-episodes': { type: 'string', default: '50' },
  'checkpoint-every': { type: 'string', default: '5' },
  'max-duration': { type: 'string', default: '170' },
  publishers: { type: 'string', default: '1' },
  algos: { type: 'string', default: 'trpo,impala' },
  'learner-rate': { type: 'string', default: '200000' },
  duration: { type: 'string', default: '20' },
  out: { type: 'string', default: join(ROOT, 'bench', 'out', 'fleet') },
  batches: { type: 'string', default: '20' },
  json: { type: 'boolean' },
});

const domain = numberArg(B, 'domain', a.domain, { integer: true, min: 51, max: 99 });
process.env['ROS_DOMAIN_ID'] = String(domain);
process.env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST';
// Re-runs this bench once with the ROS environment (from TORQUEPILOT_ROS_HOME or the project's
// .ros); the commands it spawns then inherit it and do not re-run themselves.
await ensureRosEnvironment();

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');
const out = a.out;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  out,
  seed: numberArg(B, 'seed', a.seed, { integer: true, min: 0 }),
  envs: numberArg(B, 'envs', a.envs, { integer: true, min: 1 }),
  batchSize: numberArg(B, 'batch-size', a['batch-size'], { integer: true, min: 1 }),
  publishEvery: numberArg(B, 'publish-every', a['publish-every'], { integer: true, min: 1 }),
  learnerArgs: words(a['learner-args']),
  actorArgs: words(a['actor-args']),
  trainArgs: words(a['train-args']),
};
const machine = { cpus: cpus().length, node: process.version, domain };

let result: { text: string; json: Record<string, unknown> };
if (a.mode === 'ceiling') {
  result = await runCeiling({
    task: a.task ?? 'inverted-pendulum',
    seed: common.seed,
    batches: numberArg(B, 'batches', a.batches, { integer: true, min: 1 }),
    warmup: 3,
  });
} else if (a.mode === 'ingest') {
  result = await runIngest({
    ...common,
    task: a.task ?? 'reacher-2dof',
    chunkSteps: numberArg(B, 'chunk-steps', a['chunk-steps'] ?? '64', { integer: true, min: 1 }),
    publishers: numberArg(B, 'publishers', a.publishers, { integer: true, min: 1 }),
    durationS: numberArg(B, 'duration', a.duration, { min: 1 }),
    algos: a.algos.split(','),
    learnerRate: numberArg(B, 'learner-rate', a['learner-rate'], { min: 0 }),
  });
} else if (a.mode === 'cores' || a.mode === 'scale') {
  const task = a.task ?? (a.mode === 'cores' ? 'inverted-pendulum' : 'reacher-2dof');
  const run = {
    ...common,
    task,
    steps: numberArg(B, 'steps', a.steps ?? (a.mode === 'cores' ? '61440' : '300000'), {
      integer: true,
      min: 1,
    }),
    chunkSteps: numberArg(B, 'chunk-steps', a['chunk-steps'] ?? '256', { integer: true, min: 1 }),
    maxDurationS: numberArg(B, 'max-duration', a['max-duration'], { min: 1 }),
    maxAhead: numberArg(B, 'max-ahead', a['max-ahead'], { integer: true, min: 0 }),
  };
  result =
    a.mode === 'cores'
      ? await runCores({
          ...run,
          order: a.order,
          criticEpochs: numberArg(B, 'critic-epochs', a['critic-epochs'], {
            integer: true,
            min: 1,
          }),
        })
      : await runScale({
          ...run,
          actors: numberListArg(B, 'actors', a.actors, { integer: true, min: 1 }),
          threshold: numberArg(B, 'threshold', a.threshold),
          evalEpisodes: numberArg(B, 'eval-episodes', a['eval-episodes'], {
            integer: true,
            min: 1,
          }),
          checkpointEvery: numberArg(B, 'checkpoint-every', a['checkpoint-every'], {
            integer: true,
            min: 1,
          }),
        });
} else
  throw new Error(`bench/${B}: --mode '${a.mode}' is not one of ingest, cores, scale, ceiling`);

const json = { type: 'fleet-bench', mode: a.mode, machine, ...result.json };
writeFileSync(join(out, `${a.mode}.json`), `${JSON.stringify(json, null, 2)}\n`);
if (!a.json) process.stdout.write(`${result.text}\n`);
process.stdout.write(`${JSON.stringify(json)}\n`);
process.exit(0);
