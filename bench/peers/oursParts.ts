/**
 * Times torquepilot's parts on the same work as bench/peers/sb3_parts.py times SB3's:
 * - rollout: `collectRollouts` of N steps on one environment (one batched forward per step);
 * - update: `trpoUpdate` on those N samples with TRPO_DEFAULTS (15 CG steps, 10 critic epochs of
 *   minibatch 128), split into the policy step and the value fit as trpoUpdate reports them;
 * - Fisher-vector product: `FisherOperator.apply` on N observations for the default 64-64 policy,
 *   the one-off forward pass that caches activations (`fvpSetupMs`, the analogue of SB3's KL
 *   gradient with create_graph), and a whole 15-step conjugate-gradient solve (no early stop); and,
 *   when the task's train config subsamples the Fisher batch (trpo.fisherSubsample < 1), the product
 *   and the CG solve on that subsample;
 * - batch-1 forward pass: `PolicyForward.forward` on a raw observation (the control loop's path);
 * - physics floor: mujoco-js `mj_step` and our `env.step`.
 * Every figure is a median over repeats.
 */
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import { loadMujoco, loadModel, taskModelPath } from '../../sim/index.js';
import {
  FisherOperator,
  RolloutStorage,
  TRPO_DEFAULTS,
  collectRollouts,
  conjugateGradient,
  createUpdateContext,
  startRollouts,
  trpoUpdate,
} from '../../src/learn/index.js';
import { GaussianPolicy, PolicyForward, ValueNetwork } from '../../src/policy/index.js';
import { Random } from '../../src/util/index.js';
import { benchConfig } from './oursTrain.js';
import type { PartsResult } from './types.js';

/** Flags for resolving the task's TRPO configuration (only trpo.fisherSubsample is read). */
const TRAIN_FLAGS = Object.freeze({
  algo: 'trpo' as const,
  steps: 1,
  workers: undefined,
  evalEvery: 0,
  evalEpisodes: 1,
  budgetSteps: [],
  budgetEpisodes: 1,
  evalSeed: 0,
});

export interface OursPartsOptions {
  /** torquepilot task name. */
  readonly task: string;
  /** Rollout and Fisher batch size (issue 10: 4096). */
  readonly samples: number;
  /** Rollout + update repeats; the first is a warm-up. */
  readonly updates: number;
  readonly fvpRepeats: number;
  /** Whole CG solves timed (after one warm-up). */
  readonly cgRepeats: number;
  readonly forwardCalls: number;
  readonly physicsSteps: number;
  readonly seed: number;
}

export const OURS_PARTS_DEFAULTS: Readonly<OursPartsOptions> = Object.freeze({
  task: 'inverted-pendulum',
  samples: 4096, // issue 10: "one policy update on 4096 samples"
  updates: 5, // as sb3_parts.py --updates
  fvpRepeats: 50, // as sb3_parts.py --fvp-repeats
  cgRepeats: 5, // as sb3_parts.py
  forwardCalls: 20000, // as sb3_parts.py --forward-calls
  physicsSteps: 50000, // as sb3_parts.py --physics-steps
  seed: 0,
});

export const OURS_PARTS_QUICK: Readonly<Partial<OursPartsOptions>> = Object.freeze({
  updates: 2,
  fvpRepeats: 10,
  cgRepeats: 2,
  forwardCalls: 2000,
  physicsSteps: 5000,
});

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeOursParts(options: Partial<OursPartsOptions> = {}): Promise<PartsResult> {
  const o = { ...OURS_PARTS_DEFAULTS, ...options };
  const rng = new Random(o.seed);
  const vec = await makeVecEnv(o.task, { numEnvs: 1, workers: 0 });
  const spec = vec.spec;
  const policy = new GaussianPolicy(
    { obsSize: spec.obsSize, actionSize: spec.actionSize },
    rng.fork(),
  );
  const value = new ValueNetwork({ obsSize: spec.obsSize }, rng.fork());
  const storage = new RolloutStorage({
    numSteps: o.samples,
    numEnvs: 1,
    obsSize: spec.obsSize,
    actionSize: spec.actionSize,
  });
  const ctx = createUpdateContext(policy, value, rng.fork());
  const cursor = await startRollouts(vec, o.seed);

  // ---- rollout and update -------------------------------------------------------------------
  const rolloutMs: number[] = [];
  const updateMs: number[] = [];
  const policyMs: number[] = [];
  const valueMs: number[] = [];
  for (let i = 0; i < o.updates; i++) {
    storage.clear();
    const t0 = performance.now();
    const res = await collectRollouts(vec, policy, value, storage, rng, o.samples, cursor);
    const t1 = performance.now();
    storage.computeReturnsAndAdvantages(
      res.lastValues,
      TRPO_DEFAULTS.gamma,
      TRPO_DEFAULTS.gaeLambda,
    );
    const t2 = performance.now();
    const stats = trpoUpdate(policy, value, storage.batch(), ctx, TRPO_DEFAULTS);
    const t3 = performance.now();
    if (i === 0) continue; // warm-up (JIT)
    rolloutMs.push(t1 - t0);
    updateMs.push(t3 - t2);
    policyMs.push(stats.policyStepMs);
    valueMs.push(stats.valueFitMs);
  }

  // ---- Fisher-vector product and CG on the last batch ----------------------------------------
  const batch = storage.batch();
  const n = batch.size;
  const setupMs: number[] = [];
  let op = new FisherOperator(policy, batch.obs, n, TRPO_DEFAULTS.damping);
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    op = new FisherOperator(policy, batch.obs, n, TRPO_DEFAULTS.damping, op.ws);
    setupMs.push(performance.now() - t);
  }
  const v = new Float64Array(policy.numParams);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  const out = new Float64Array(policy.numParams);
  const fvpMs: number[] = [];
  for (let i = 0; i < o.fvpRepeats + 3; i++) {
    const t = performance.now();
    op.apply(v, out);
    if (i >= 3) fvpMs.push(performance.now() - t);
  }
  const cgMs: number[] = [];
  for (let i = 0; i < o.cgRepeats + 1; i++) {
    const t = performance.now();
    conjugateGradient((x, y) => void op.apply(x, y), v, TRPO_DEFAULTS.cgIterations, 0);
    if (i >= 1) cgMs.push(performance.now() - t);
  }

  // With the Fisher subsampling `torquepilot train` uses for this task (TRPO paper §6), if any:
  // as many rows as trpoPolicyStep's random subsample for 1/fraction integral (the time does not
  // depend on which rows).
  const fraction = benchConfig({ ...TRAIN_FLAGS, task: o.task, seed: o.seed }).trpo.fisherSubsample;
  let subsampled: Partial<PartsResult> = {};
  if (fraction < 1) {
    const stride = Math.max(1, Math.round(1 / fraction));
    const m = Math.ceil(n / stride);
    const d = spec.obsSize;
    const subObs = new Float64Array(m * d);
    for (let r = 0; r < m; r++)
      for (let j = 0; j < d; j++) subObs[r * d + j] = batch.obs[r * stride * d + j]!;
    const sub = new FisherOperator(policy, subObs, m, TRPO_DEFAULTS.damping);
    const subFvp: number[] = [];
    for (let i = 0; i < o.fvpRepeats + 3; i++) {
      const t = performance.now();
      sub.apply(v, out);
      if (i >= 3) subFvp.push(performance.now() - t);
    }
    const subCg: number[] = [];
    for (let i = 0; i < o.cgRepeats + 1; i++) {
      const t = performance.now();
      conjugateGradient((x, y) => void sub.apply(x, y), v, TRPO_DEFAULTS.cgIterations, 0);
      if (i >= 1) subCg.push(performance.now() - t);
    }
    subsampled = {
      fisherSubsample: fraction,
      fvpSubsampledMs: median(subFvp),
      cgSolveSubsampledMs: median(subCg),
    };
  }

  // ---- batch-1 forward pass ------------------------------------------------------------------
  const fwd = new PolicyForward(policy);
  const obs1 = Float64Array.from(cursor.obs.subarray(0, spec.obsSize));
  const act1 = new Float64Array(spec.actionSize);
  const fwdNs: number[] = [];
  for (let i = 0; i < o.forwardCalls + 1000; i++) {
    const t = process.hrtime.bigint();
    fwd.forward(obs1, act1);
    const dt = process.hrtime.bigint() - t;
    if (i >= 1000) fwdNs.push(Number(dt));
  }
  await vec.close();

  // ---- physics floor -------------------------------------------------------------------------
  const mj = await loadMujoco();
  const model = loadModel(mj, taskModelPath(o.task));
  const data = new mj.MjData(model);
  let t = performance.now();
  for (let i = 0; i < o.physicsSteps; i++) mj.mj_step(model, data);
  const mjStepPerSecond = o.physicsSteps / ((performance.now() - t) / 1000);
  data.delete();
  model.delete();
  const env = await makeEnv(o.task);
  env.reset(o.seed);
  const acts = new Float64Array(o.physicsSteps * spec.actionSize);
  for (let i = 0; i < acts.length; i++) {
    const j = i % spec.actionSize;
    const lo = spec.actionLow[j]!;
    acts[i] = lo + (spec.actionHigh[j]! - lo) * rng.uniform();
  }
  t = performance.now();
  for (let i = 0; i < o.physicsSteps; i++) {
    const r = env.step(acts.subarray(i * spec.actionSize, (i + 1) * spec.actionSize));
    if (r.terminated || r.truncated) env.reset(o.seed + i + 1);
  }
  const envStepPerSecond = o.physicsSteps / ((performance.now() - t) / 1000);
  env.close();

  return {
    side: 'ours',
    task: o.task,
    threads: 1,
    samples: n,
    rolloutMs: median(rolloutMs),
    updateMs: median(updateMs),
    updatePolicyMs: median(policyMs),
    updateValueMs: median(valueMs),
    fvpMs: median(fvpMs),
    fvpSetupMs: median(setupMs),
    cgSolveMs: median(cgMs),
    ...subsampled,
    forwardRawUs: median(fwdNs) / 1000,
    mjStepPerSecond,
    envStepPerSecond,
    source: 'bench/peers/oursParts.ts (src/learn, src/policy, sim timed directly)',
  };
}
