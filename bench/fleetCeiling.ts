/**
 * bench/fleet.ts --mode ceiling (no DDS, one process): the most a learner and one actor can gain
 * over `train` on two cores. `train` spends, per batch, the collection C (simulation, policy and
 * value forward passes, GAE) and the update U; a learner fed by an actor that collects while it
 * updates spends only its own step L (V-trace targets from the delivered segments, normaliser
 * merge, the same TRPO update). So the fleet's steps/s is at most (C + U) / L times train's, and
 * only if the learner has a core to itself and never waits.
 *
 * Times C, U and L on the same batches as `train` builds them (the task's train.yaml: 8 envs × 256
 * steps = 2048 transitions), after `--warmup` batches, mean over `--batches`.
 */
import { makeVecEnv, modelsDir } from '../sim/index.js';
import { resolveTrainConfig } from '../src/config/index.js';
import type {
  Algorithm,
  OnPolicyDelivery,
  TransitionDelivery,
  UpdateSummary,
} from '../src/learn/index.js';
import {
  createAlgorithm,
  createOffPolicyLearner,
  experienceIdentity,
  VecEnvSource,
} from '../src/learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../src/policy/index.js';
import { decodeTransitionChunk, encodeTransitionChunk } from '../src/ros/index.js';
import { cliLayer } from '../src/train/index.js';
import { Random } from '../src/util/index.js';
import { load1, table } from './fleetProcs.js';

export interface CeilingOptions {
  readonly task: string;
  readonly seed: number;
  readonly batches: number;
  readonly warmup: number;
}

function updateMs(raw: Readonly<Record<string, unknown>>): number {
  const x = Number(raw['policyStepMs']) + Number(raw['valueFitMs']);
  return Number.isFinite(x) ? x : Number.NaN;
}

/**
 * One iteration of `train`, timed: collect a batch from `source` (with GAE), then update. What
 * the fleet is measured against (bench/fleetCeiling.ts, bench/learnerStep.ts).
 */
export async function timedTrainIteration(
  source: VecEnvSource,
  algorithm: Algorithm,
  trpo: { readonly gamma: number; readonly gaeLambda: number },
  where: string,
): Promise<{
  delivery: OnPolicyDelivery;
  update: UpdateSummary;
  collectMs: number;
  updateMs: number;
}> {
  const t0 = performance.now();
  const d = await source.next();
  if (d === null || d.onPolicy === undefined)
    throw new Error(`${where}: the simulation source closed`);
  const { storage, rollout } = d.onPolicy;
  storage.computeReturnsAndAdvantages(rollout.lastValues, trpo.gamma, trpo.gaeLambda);
  const t1 = performance.now();
  const update = algorithm.update(storage.batch());
  const t2 = performance.now();
  return { delivery: d, update, collectMs: t1 - t0, updateMs: t2 - t1 };
}

export async function runCeiling(
  o: CeilingOptions,
): Promise<{ text: string; json: Record<string, unknown> }> {
  const config = resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: cliLayer({ task: o.task }),
  }).config;
  const nSteps = config.trpo.nSteps;
  const vecEnv = await makeVecEnv(config.task, { numEnvs: config.env.numEnvs });
  const spec = vecEnv.spec;
  const identity = experienceIdentity(spec);
  const root = new Random(o.seed);
  const nets = () =>
    [
      new GaussianPolicy(
        { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
        root.fork(),
      ),
      new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, root.fork()),
    ] as const;
  const [policy, value] = nets();
  const algorithm = createAlgorithm('trpo', policy, value, config.trpo, root.fork());
  const source = new VecEnvSource({
    vecEnv,
    policy,
    value,
    nSteps,
    rng: root.fork(),
    policyVersion: () => 0,
    identity,
  });
  await source.reset(o.seed);
  const [lp, lv] = nets();
  const learner = createOffPolicyLearner({
    policy: lp,
    value: lv,
    identity,
    rng: root.fork(),
    algorithm: 'trpo',
    batchSize: nSteps * config.env.numEnvs,
    maxLag: 1_000_000,
    trpo: config.trpo,
  });
  const loadBefore = load1();
  let c = 0;
  let u = 0;
  let l = 0;
  let codec = 0;
  let uInner = 0;
  let lInner = 0;
  let uSearch = 0;
  let lSearch = 0;
  const total = o.warmup + o.batches;
  for (let i = 0; i < total; i++) {
    const {
      delivery: d,
      update: upd,
      collectMs,
      updateMs: updMs,
    } = await timedTrainIteration(source, algorithm, config.trpo, 'bench/fleet ceiling');
    const t2 = performance.now();
    // The same segments through the wire codec, then the learner's step on them.
    const wire: TransitionDelivery = decodeTransitionChunk(
      encodeTransitionChunk({ ...d, sequence: i }, 0n),
    ).delivery;
    const t3 = performance.now();
    learner.offer(wire);
    const step = learner.step();
    if (step === null) throw new Error('bench/fleet ceiling: the learner made no update');
    const t4 = performance.now();
    if (i < o.warmup) continue;
    // The update rule's own timing (policy step + value fit, ms) inside each.
    uInner += updateMs(upd.raw);
    lInner += updateMs(step.raw);
    uSearch += upd.lineSearchSteps ?? 0;
    lSearch += step.lineSearchSteps ?? 0;
    c += collectMs;
    u += updMs;
    codec += t3 - t2;
    l += t4 - t3;
  }
  await source.close();
  const n = o.batches;
  const ms = {
    collect: c / n,
    update: u / n,
    updateRule: uInner / n,
    learnerStep: l / n,
    learnerUpdateRule: lInner / n,
    encodeDecode: codec / n,
  };
  const lineSearchSteps = { train: uSearch / n, learner: lSearch / n };
  const ceiling = (ms.collect + ms.update) / ms.learnerStep;
  const idealSameUpdate = (ms.collect + ms.update) / ms.update;
  const rows = [
    ['per batch of ' + String(nSteps * config.env.numEnvs), 'ms'],
    ['train: collect (sim, forward passes, GAE)', ms.collect.toFixed(1)],
    ['train: update (TRPO step + critic fit)', ms.update.toFixed(1)],
    ['  of which the update rule (policy step + value fit)', ms.updateRule.toFixed(1)],
    ['chunk encode + decode', ms.encodeDecode.toFixed(1)],
    ['learner: step (V-trace batch + the same update)', ms.learnerStep.toFixed(1)],
    ['  of which the update rule (policy step + value fit)', ms.learnerUpdateRule.toFixed(1)],
  ];
  const text = [
    `fleet ceiling: ${o.task}, ${n} batches after ${o.warmup} warm-up, one process, load ${loadBefore}`,
    table(rows),
    '',
    `line-search backtracks per update: train ${lineSearchSteps.train.toFixed(1)}, learner ${lineSearchSteps.learner.toFixed(1)}`,
    `update share of train's step: ${(ms.update / (ms.collect + ms.update)).toFixed(2)}; ceiling of learner + 1 actor over train: (collect + update) / learner step = ${ceiling.toFixed(2)}× (${idealSameUpdate.toFixed(2)}× if the learner's step cost only the update)`,
  ].join('\n');
  return {
    text,
    json: { task: o.task, batches: n, loadBefore, ms, lineSearchSteps, ceiling, idealSameUpdate },
  };
}
