/**
 * One torquepilot training run under the peer bench's evaluation protocol (the same as
 * bench/peers/sb3_train.py's):
 * - the configuration is the one `torquepilot train --task T --algo A --seed S` resolves
 *   (defaults < models/<task>/train.yaml < these flags), so the bench measures what users run;
 * - the iteration is the runner's: collect nSteps × numEnvs steps with one batched forward per
 *   step, GAE, one update through src/learn createAlgorithm (as the runner);
 * - evaluation: deterministic episodes on a separate environment, episode k reset with seed
 *   (evalSeed + k), whenever the step count crosses a multiple of evalEvery (or a budget). Like
 *   SB3's EvalCallback, which fires mid-rollout, the evaluated policy is the one that collected
 *   the crossing rollout (before its update), recorded at the crossing step count; its training
 *   time is taken at the END of that rollout (slightly pessimistic for us);
 * - the training clock stops during evaluation.
 * It also reports the fraction of training time spent in physics (VecEnv.step), inference and
 * storage (the rest of rollout collection) and the update.
 */
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import { modelsDir } from '../../sim/index.js';
import type { VecEnv, VecStepResult } from '../../sim/index.js';
import { resolveTrainConfig } from '../../src/config/index.js';
import type { TrainConfig } from '../../src/config/index.js';
import {
  RolloutStorage,
  collectRollouts,
  createAlgorithm,
  rolloutSettings,
  startRollouts,
} from '../../src/learn/index.js';
import { GaussianPolicy, PolicyForward, ValueNetwork } from '../../src/policy/index.js';
import { Random } from '../../src/util/index.js';
import type { Algo, EvalPoint, RunResult } from './types.js';

export interface OursTrainOptions {
  readonly task: string;
  readonly algo: Algo;
  readonly seed: number;
  /** Training budget in environment steps (whole rollouts: may overshoot by less than one). */
  readonly steps: number;
  /** Worker threads for the environments (0 = in-process); undefined = the config's. */
  readonly workers: number | undefined;
  /** Environment steps between evaluations; 0 = no evaluation (scaling runs). */
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Step counts evaluated with budgetEpisodes episodes. */
  readonly budgetSteps: readonly number[];
  readonly budgetEpisodes: number;
  /** Seed of evaluation resets: episode k uses evalSeed + k (as sb3_train.py --eval-seed). */
  readonly evalSeed: number;
}

/** Timing of VecEnv.step calls (physics, plus the worker round-trip when workers > 0). */
class TimedVecEnv implements VecEnv {
  readonly inner: VecEnv;
  stepMs = 0;
  constructor(inner: VecEnv) {
    this.inner = inner;
  }
  get spec(): VecEnv['spec'] {
    return this.inner.spec;
  }
  get numEnvs(): number {
    return this.inner.numEnvs;
  }
  reset(seed: number): Promise<Float64Array> {
    return this.inner.reset(seed);
  }
  async step(actions: Float32Array | Float64Array): Promise<VecStepResult> {
    const t = performance.now();
    const r = await this.inner.step(actions);
    this.stepMs += performance.now() - t;
    return r;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  getState(): ReturnType<VecEnv['getState']> {
    return this.inner.getState();
  }
  setState(states: Parameters<VecEnv['setState']>[0]): Promise<void> {
    return this.inner.setState(states);
  }
}

/** The configuration `torquepilot train` would resolve for these flags. */
export function benchConfig(o: OursTrainOptions): TrainConfig {
  const cli: Record<string, unknown> = {
    task: o.task,
    algo: o.algo,
    seed: o.seed,
    totalSteps: o.steps,
  };
  if (o.workers !== undefined) cli['env'] = { workers: o.workers };
  return resolveTrainConfig({ modelsDir: modelsDir(), cli: cli as never }).config;
}

export async function trainOurs(
  o: OursTrainOptions,
): Promise<RunResult & { trainConfig: TrainConfig }> {
  const config = benchConfig(o);
  // The runner's random streams (src/train/runner.ts deriveStreams), so a bench run trains as
  // `torquepilot train --seed S` does: policy init, value init, action noise, update, env seed.
  const root = new Random(o.seed);
  const policyInit = root.fork();
  const valueInit = root.fork();
  const sampleRng = root.fork();
  const updateRng = root.fork();
  const envSeed = root.nextUint32();
  const inner = await makeVecEnv(o.task, {
    numEnvs: config.env.numEnvs,
    workers: config.env.workers,
  });
  const vec = new TimedVecEnv(inner);
  const spec = vec.spec;
  const policy = new GaussianPolicy(
    { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
    policyInit,
  );
  const value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, valueInit);
  const algorithm = createAlgorithm(config.algo, policy, value, config[config.algo], updateRng);
  const { nSteps, gamma, gaeLambda } = rolloutSettings(config.algo, config[config.algo]);
  const storage = new RolloutStorage({
    numSteps: nSteps,
    numEnvs: vec.numEnvs,
    obsSize: spec.obsSize,
    actionSize: spec.actionSize,
  });
  const evalEnv = o.evalEvery > 0 ? await makeEnv(o.task) : undefined;
  const fwd = new PolicyForward(policy);
  const act = new Float64Array(spec.actionSize);
  const evals: EvalPoint[] = [];
  const evaluate = (episodes: number): { mean: number; std: number } => {
    const rets: number[] = [];
    for (let k = 0; k < episodes; k++) {
      let obs = evalEnv!.reset(o.evalSeed + k);
      let total = 0;
      for (;;) {
        fwd.forward(obs, act);
        const r = evalEnv!.step(act);
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      rets.push(total);
    }
    const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
    const std = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / rets.length);
    return { mean, std };
  };

  const pendingBudgets = [...o.budgetSteps].sort((a, b) => a - b);
  let nextEval = o.evalEvery > 0 ? o.evalEvery : Infinity;
  let steps = 0;
  let trainMs = 0;
  let collectMs = 0;
  let updateMs = 0;
  let t = performance.now();
  const cursor = await startRollouts(vec, envSeed);
  while (steps < o.steps) {
    const t0 = performance.now();
    storage.clear();
    const res = await collectRollouts(vec, policy, value, storage, sampleRng, nSteps, cursor);
    const t1 = performance.now();
    collectMs += t1 - t0;
    const before = steps;
    steps += res.steps;
    // Evaluations due in this rollout's span, with the policy that collected it (see header).
    const due: { at: number; episodes: number }[] = [];
    while (pendingBudgets.length && pendingBudgets[0]! <= steps) {
      due.push({ at: pendingBudgets.shift()!, episodes: o.budgetEpisodes });
    }
    while (nextEval <= steps) {
      if (!due.some((d) => d.at === nextEval)) due.push({ at: nextEval, episodes: o.evalEpisodes });
      nextEval += o.evalEvery;
    }
    if (due.length && evalEnv) {
      trainMs += performance.now() - t;
      for (const d of due.sort((a, b) => a.at - b.at)) {
        const e = evaluate(d.episodes);
        evals.push({
          steps: Math.max(d.at, before),
          trainSeconds: trainMs / 1000,
          meanReturn: e.mean,
          stdReturn: e.std,
          episodes: d.episodes,
        });
      }
      t = performance.now();
    }
    const t2 = performance.now();
    storage.computeReturnsAndAdvantages(res.lastValues, gamma, gaeLambda);
    algorithm.update(storage.batch());
    updateMs += performance.now() - t2;
  }
  trainMs += performance.now() - t;
  if (evalEnv && (evals.length === 0 || steps - evals[evals.length - 1]!.steps >= o.evalEvery)) {
    const e = evaluate(o.budgetEpisodes);
    evals.push({
      steps,
      trainSeconds: trainMs / 1000,
      meanReturn: e.mean,
      stdReturn: e.std,
      episodes: o.budgetEpisodes,
    });
  }
  await vec.close();
  evalEnv?.close();
  const physics = vec.stepMs / trainMs;
  const inference = (collectMs - vec.stepMs) / trainMs;
  const update = updateMs / trainMs;
  return {
    side: 'ours',
    algo: o.algo,
    task: o.task,
    seed: o.seed,
    threads: config.env.workers,
    nEnvs: vec.numEnvs,
    steps,
    trainSeconds: trainMs / 1000,
    stepsPerSecond: steps / (trainMs / 1000),
    evals,
    fractions: {
      physics,
      'inference+storage': inference,
      update,
      other: Math.max(0, 1 - physics - inference - update),
    },
    versions: { node: process.version },
    trainConfig: config,
  };
}
