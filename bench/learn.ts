/**
 * Learning-core bench: Fisher-vector product time on 4096 samples (64-64 nets at pendulum, reacher
 * and arm7 sizes; full batch and subsampled), the tfjs double-backprop reference product, a full
 * TRPO update (policy step and value fit separately), batch-1 forward latency, and tfjs tensor
 * counts across updates.
 *
 *   npx tsx bench/learn.ts [--json] [--backend wasm|cpu] [--quick] [--kernels both|wasm|js]
 *
 * `--kernels` picks the MLP kernel path (src/nn: WebAssembly SIMD, or plain TS); the default
 * runs both in one process so their ratio is measured under the same load. The tfjs backend only
 * matters for the tfjs reference product.
 *
 * Figures measured on a shared machine are pessimistic; compare ratios within one run.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  FisherOperator,
  conjugateGradient,
  trpoUpdate,
  createUpdateContext,
  TRPO_DEFAULTS,
} from '../src/learn/index.js';
import {
  GaussianPolicy,
  PolicyForward,
  ValueNetwork,
  fisherVectorProductTf,
  initBackend,
  type BackendName,
} from '../src/policy/index.js';
import { type KernelMode, setKernelMode } from '../src/nn/index.js';
import { Random } from '../src/util/index.js';
import { benchArgs } from './benchArgs.js';

const args = benchArgs('learn', {
  json: { type: 'boolean' },
  quick: { type: 'boolean' },
  backend: { type: 'string', default: 'wasm' },
  kernels: { type: 'string', default: 'both' },
});
const json = args.json === true;
const quick = args.quick === true;
const backend = args.backend as BackendName;
const kernelsArg = args.kernels;
if (!['both', 'wasm', 'js'].includes(kernelsArg ?? '')) {
  throw new Error(`bench/learn.ts: --kernels must be both, wasm or js, got '${kernelsArg}'`);
}
const MODES: KernelMode[] = kernelsArg === 'both' ? ['wasm', 'js'] : [kernelsArg as KernelMode];

/** Sizes: obs and action lengths of the tasks (Gymnasium InvertedPendulum-v5, Reacher-v5, arm7). */
const SIZES = [
  { task: 'inverted-pendulum', obsSize: 4, actionSize: 1 },
  { task: 'reacher-2dof', obsSize: 10, actionSize: 2 },
  { task: 'arm7-reach', obsSize: 20, actionSize: 7 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(fn: () => void, reps: number, warmup = 2): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function randomBatch(obsSize: number, actionSize: number, n: number, rng: Random) {
  const obs = new Float32Array(n * obsSize);
  const actions = new Float32Array(n * actionSize);
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
  for (let i = 0; i < actions.length; i++) actions[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    advantages[i] = rng.normal();
    returns[i] = 10 * rng.normal();
  }
  return { size: n, obs, actions, advantages, returns };
}

const N = 4096;

/** All figures for one kernel path. `tfjsReference` also times the tfjs double-backprop product. */
function measure(mode: KernelMode, tfjsReference: boolean): Record<string, unknown> {
  setKernelMode(mode);
  const rng = new Random(1);
  const results: Record<string, unknown> = { kernels: mode };
  const fvp: Record<string, unknown>[] = [];
  for (const s of SIZES) {
    const policy = new GaussianPolicy({ obsSize: s.obsSize, actionSize: s.actionSize }, rng.fork());
    const batch = randomBatch(s.obsSize, s.actionSize, N, rng);
    const v = new Float64Array(policy.numParams).map(() => rng.normal());
    const out = new Float64Array(policy.numParams);
    const row: Record<string, unknown> = { task: s.task, params: policy.numParams };
    for (const frac of [1, 0.25, 0.1]) {
      const m = Math.ceil(N * frac);
      const op = new FisherOperator(policy, batch.obs, m, 0.1);
      const ts = time(() => op.apply(v, out), quick ? 5 : 20);
      row[`fvpMs@${m}`] = median(ts);
      const setup = time(
        () => new FisherOperator(policy, batch.obs, m, 0.1, op.ws),
        quick ? 3 : 5,
        1,
      );
      row[`forwardCacheMs@${m}`] = median(setup);
      if (frac === 1 || frac === 0.25) {
        const cg = time(
          () => conjugateGradient((x, o) => op.apply(x, o), v, TRPO_DEFAULTS.cgIterations, 0),
          3,
          1,
        );
        row[`cg15Ms@${m}`] = median(cg);
      }
    }
    if (tfjsReference && (s.task === 'inverted-pendulum' || !quick)) {
      const x = tf.tensor2d(batch.obs, [N, s.obsSize]);
      const ts = time(
        () => void fisherVectorProductTf(policy, policy.params, x, v, 0.1),
        quick ? 2 : 5,
        1,
      );
      row['tfjsDoubleBackpropMs@4096'] = median(ts);
      x.dispose();
    }
    fvp.push(row);
  }
  results['fisherVectorProduct'] = fvp;

  // Full TRPO update on 4096 samples with the defaults (Fisher on a 25% subsample), policy step and
  // value fit separately; and the policy step with the Fisher on the whole batch.
  const updates: Record<string, unknown>[] = [];
  for (const s of SIZES) {
    const policy = new GaussianPolicy({ obsSize: s.obsSize, actionSize: s.actionSize }, rng.fork());
    const value = new ValueNetwork({ obsSize: s.obsSize }, rng.fork());
    const ctx = createUpdateContext(policy, value, rng.fork());
    const batch = randomBatch(s.obsSize, s.actionSize, N, rng);
    const stats = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) stats.push(trpoUpdate(policy, value, batch, ctx));
    const tail = stats.slice(1);
    const full = trpoUpdate(policy, value, batch, ctx, { fisherSubsample: 1 });
    updates.push({
      task: s.task,
      policyStepMs: median(tail.map((x) => x.policyStepMs)),
      valueFitMs: median(tail.map((x) => x.valueFitMs)),
      totalMs: median(tail.map((x) => x.policyStepMs + x.valueFitMs)),
      fisherSubsample: TRPO_DEFAULTS.fisherSubsample,
      policyStepMsFullBatchFisher: full.policyStepMs,
    });
  }
  results['trpoUpdate'] = updates;

  // Batch-1 forward latency (plain TS, raw obs → mean), and one batched pass for 8 environments
  // (PolicyForward.meanBatch, as in a rollout step: wasm kernels when enabled).
  const latency: Record<string, unknown>[] = [];
  for (const s of SIZES) {
    const policy = new GaussianPolicy({ obsSize: s.obsSize, actionSize: s.actionSize }, rng.fork());
    const fwd = new PolicyForward(policy);
    const obs = new Float64Array(s.obsSize).map(() => rng.normal());
    const out = new Float64Array(s.actionSize);
    const per: number[] = [];
    for (let i = 0; i < 20000; i++) fwd.forward(obs, out);
    for (let rep = 0; rep < 200; rep++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) fwd.forward(obs, out);
      per.push(Number(process.hrtime.bigint() - t0) / 100 / 1000);
    }
    const envs = 8;
    const obs8 = new Float64Array(envs * s.obsSize).map(() => rng.normal());
    const out8 = new Float64Array(envs * s.actionSize);
    for (let i = 0; i < 5000; i++) fwd.meanBatch(obs8, envs, out8);
    const per8: number[] = [];
    for (let rep = 0; rep < 100; rep++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) fwd.meanBatch(obs8, envs, out8);
      per8.push(Number(process.hrtime.bigint() - t0) / 100 / 1000);
    }
    latency.push({
      task: s.task,
      batch8MedianUs: median(per8),
      batch1MedianUs: median(per),
      batch1P99Us: [...per].sort((a, b) => a - b)[Math.floor(per.length * 0.99)],
    });
  }
  results['forward'] = latency;

  return results;
}

async function main(): Promise<void> {
  const choice = await initBackend(backend);
  const results: Record<string, unknown> = {
    backend: choice.backend,
    samples: N,
    node: process.version,
    loadAverage: os.loadavg(),
  };
  const byMode: Record<string, Record<string, unknown>> = {};
  MODES.forEach((mode, i) => (byMode[mode] = measure(mode, i === 0)));
  results['kernels'] = byMode;
  results['tfjsTensors'] = tf.memory().numTensors;
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(
    `tfjs backend ${choice.backend}, ${N} samples, node ${process.version}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (shared 2-core machine: pessimistic)`,
  );
  for (const [mode, r] of Object.entries(byMode)) {
    console.log(`\n=== MLP kernels: ${mode} ===`);
    console.log('\nFisher-vector product (ms):');
    console.table(r['fisherVectorProduct']);
    console.log('\nTRPO update on 4096 samples (ms):');
    console.table(r['trpoUpdate']);
    console.log('\nBatch-1 forward (µs):');
    console.table(r['forward']);
  }
  console.log(`\ntfjs tensors alive at exit: ${tf.memory().numTensors}`);
}

await main();
