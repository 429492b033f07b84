/**
 * bench/learnerStep.ts — the learner's step against `train`'s update, one of them per process (so
 * that neither's JIT state or garbage is the other's), on inverted-pendulum batches of 2048 (the
 * task's train.yaml: 8 envs × 256 steps). NOT part of the test suite; a profiling aid for issue 17's
 * "learner + 1 actor ≥ 1.5× train" figure (docs/benchmarks.md, fleet).
 *
 *   --which train    train's iteration: collect (with GAE), then the update rule
 *   --which learner  an actor's collection with the learner's newest snapshot (lag 0), the chunk
 *                    through the wire codec, then the learner's offer + step; the step split into
 *                    the V-trace batch (timed alone on a copy of the learner), the update rule and
 *                    the rest (normaliser merge, lag histogram)
 *
 *   nice -n 10 npx tsx bench/learnerStep.ts --which learner [--batches 20] [--warmup 3]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/learnerStep.ts --which learner
 */
import { makeVecEnv, modelsDir } from '../sim/index.js';
import { resolveTrainConfig } from '../src/config/index.js';
import {
  applyPolicySnapshot,
  createAlgorithm,
  createOffPolicyLearner,
  experienceIdentity,
  VecEnvSource,
} from '../src/learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../src/policy/index.js';
import { decodeTransitionChunk, encodeTransitionChunk } from '../src/ros/index.js';
import { cliLayer } from '../src/train/index.js';
import { Random } from '../src/util/index.js';
import { benchArgs, numberArg } from './benchArgs.js';
import { timedTrainIteration } from './fleetCeiling.js';

const B = 'learnerStep';
const a = benchArgs(B, {
  which: { type: 'string', default: 'learner' },
  task: { type: 'string', default: 'inverted-pendulum' },
  seed: { type: 'string', default: '1' },
  batches: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '3' },
});
const batches = numberArg(B, 'batches', a.batches, { integer: true, min: 1 });
const warmup = numberArg(B, 'warmup', a.warmup, { integer: true, min: 0 });
const seed = numberArg(B, 'seed', a.seed, { integer: true, min: 0 });

const config = resolveTrainConfig({
  modelsDir: modelsDir(),
  cli: cliLayer({ task: a.task }),
}).config;
const nSteps = config.trpo.nSteps;
const vecEnv = await makeVecEnv(config.task, { numEnvs: config.env.numEnvs });
const spec = vecEnv.spec;
const identity = experienceIdentity(spec);
const root = new Random(seed);
const nets = (): readonly [GaussianPolicy, ValueNetwork] => [
  new GaussianPolicy(
    { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
    root.fork(),
  ),
  new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, root.fork()),
];
const [policy, value] = nets();
const sums: Record<string, number> = {};
const add = (key: string, ms: number): void => {
  sums[key] = (sums[key] ?? 0) + ms;
};
const innerMs = (raw: Readonly<Record<string, unknown>>): [number, number] => [
  Number(raw['policyStepMs']),
  Number(raw['valueFitMs']),
];

if (a.which === 'train') {
  const algorithm = createAlgorithm('trpo', policy, value, config.trpo, root.fork());
  const source = new VecEnvSource({ vecEnv, policy, value, nSteps, rng: root.fork(), identity });
  await source.reset(seed);
  for (let i = 0; i < warmup + batches; i++) {
    const it = await timedTrainIteration(source, algorithm, config.trpo, `bench/${B}`);
    const upd = it.update;
    if (i < warmup) continue;
    const [ps, vf] = innerMs(upd.raw);
    add('collect', it.collectMs);
    add('update', it.updateMs);
    add('  policy step', ps);
    add('  value fit', vf);
    add('line-search trials', upd.lineSearchSteps ?? 0);
  }
  await source.close();
} else if (a.which === 'learner') {
  // The actor's networks: a copy acting with the learner's snapshot, its own critic for the storage.
  const [actorPolicy, actorValue] = nets();
  const learner = createOffPolicyLearner({
    policy,
    value,
    identity,
    rng: root.fork(),
    algorithm: 'trpo',
    batchSize: nSteps * config.env.numEnvs,
    trpo: config.trpo,
  });
  let version = 0;
  const source = new VecEnvSource({
    vecEnv,
    policy: actorPolicy,
    value: actorValue,
    nSteps,
    rng: root.fork(),
    identity,
    policyVersion: () => version,
  });
  await source.reset(seed);
  for (let i = 0; i < warmup + batches; i++) {
    const snap = learner.snapshot();
    applyPolicySnapshot(actorPolicy, snap);
    version = snap.version;
    const t0 = performance.now();
    const d = await source.next();
    if (d === null) throw new Error(`bench/${B}: the simulation source closed`);
    const t1 = performance.now();
    const wire = decodeTransitionChunk(encodeTransitionChunk({ ...d, sequence: i }, 0n)).delivery;
    const t2 = performance.now();
    learner.offer(wire);
    const step = learner.step();
    const t3 = performance.now();
    if (step === null) throw new Error(`bench/${B}: the learner made no update`);
    if (i < warmup) continue;
    const [ps, vf] = innerMs(step.raw);
    add('collect (actor)', t1 - t0);
    add('encode + decode', t2 - t1);
    add('step', t3 - t2);
    add('  policy step', ps);
    add('  value fit', vf);
    add('  rest (V-trace batch, merge, …)', t3 - t2 - ps - vf);
    add('line-search trials', step.lineSearchSteps ?? 0);
  }
  await source.close();
} else throw new Error(`bench/${B}: --which '${a.which}' is not train or learner`);

process.stdout.write(
  `${B} --which ${a.which}: ${a.task}, ${batches} batches of ${nSteps * config.env.numEnvs} after ${warmup} warm-up, mean per batch\n`,
);
for (const [k, v] of Object.entries(sums))
  process.stdout.write(`${k.padEnd(40)} ${(v / batches).toFixed(k.includes('trials') ? 2 : 1)}\n`);
process.exit(0);
