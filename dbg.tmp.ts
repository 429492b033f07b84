import { makeVecEnv } from './sim/index.js';
import { GaussianPolicy, ValueNetwork } from './src/policy/index.js';
import { RolloutStorage, startRollouts, collectRollouts, createUpdateContext, trpoUpdate } from './src/learn/index.js';
import { Random } from './src/util/random.js';
const numEnvs = Number(process.argv[2] ?? 8), nSteps = Number(process.argv[3] ?? 256), sub = Number(process.argv[4] ?? 1);
const env = await makeVecEnv('inverted-pendulum', { numEnvs });
const rng = new Random(1);
const policy = new GaussianPolicy({ obsSize: env.spec.obsSize, actionSize: env.spec.actionSize }, rng.fork());
const value = new ValueNetwork({ obsSize: env.spec.obsSize }, rng.fork());
const ctx = createUpdateContext(policy, value, rng.fork());
const storage = new RolloutStorage({ numSteps: nSteps, numEnvs, obsSize: env.spec.obsSize, actionSize: env.spec.actionSize });
const cursor = await startRollouts(env, 1);
let steps = 0; const t0 = performance.now();
for (let it = 0; it < 40; it++) {
  const tc = performance.now();
  const res = await collectRollouts(env, policy, value, storage, rng, nSteps, cursor);
  const tcol = performance.now() - tc;
  storage.computeReturnsAndAdvantages(res.lastValues, 0.99, 0.95);
  const st = trpoUpdate(policy, value, storage.batch(), ctx, { fisherSubsample: sub });
  storage.clear(); steps += res.steps;
  const r = res.episodes.returns; const mean = r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
  console.log(it, steps, mean.toFixed(1), r.length, 'kl', st.kl.toFixed(4), st.accepted, st.lineSearchSteps, 'ev', st.explainedVariance.toFixed(2), 'ms col', tcol.toFixed(0), 'pol', st.policyStepMs.toFixed(0), 'vf', st.valueFitMs.toFixed(0), 'tot s', ((performance.now()-t0)/1000).toFixed(1));
  if (mean >= 900 && it > 3) break;
}
await env.close();
