import { rmSync } from 'node:fs';
import { makeEnv, taskSpec } from '../../sim/index.js';
import { GaussianPolicy, ValueNetwork } from '../../src/policy/index.js';
import { saveCheckpoint, loadCheckpoint, policyFromCheckpoint } from '../../src/policy/checkpoint.js';
import { Random } from '../../src/util/random.js';
import { recordSimulatedEpisodes } from '../../src/replay/recordSimulation.js';
import { runReplay } from '../../src/replay/runReplay.js';
import { evaluatePolicy } from '../../src/train/evaluate.js';
const root = '/tmp/rp/improve';
rmSync(root, { recursive: true, force: true });
const spec = await taskSpec('reacher-2dof');
const rng = new Random(7);
const policy = new GaussianPolicy({ obsSize: spec.obsSize, actionSize: spec.actionSize, normalizeObs: false, logStdInit: Number(process.argv[4] ?? 0) }, rng.fork());
const value = new ValueNetwork({ obsSize: spec.obsSize }, rng.fork());
saveCheckpoint(`${root}/ck0`, { task: 'reacher-2dof', jointNames: spec.jointNames, backend: 'cpu', iteration: 0, steps: 0, policy, value, hyperparameters: {} });
const t0 = performance.now();
const rec = await recordSimulatedEpisodes(`${root}/ck0`, `${root}/bag`, { episodes: Number(process.argv[2] ?? 40), seed: 1, startTimeNs: 0n });
console.log('record', rec.transitions, rec.meanReturn, performance.now() - t0);
const env = await makeEnv('reacher-2dof');
const ev = (p: string) => evaluatePolicy(env, policyFromCheckpoint(loadCheckpoint(p)), { episodes: 20, deterministic: true, seed: 5 }).meanReturn;
console.log('before', ev(`${root}/ck0`));
for (const w of ['truncated', 'per-decision'] as const) {
  const t1 = performance.now();
  const s = await runReplay({ bags: [`${root}/bag`], checkpoint: `${root}/ck0`, out: `${root}/ck-${w}`, config: { weights: w, iterations: Number(process.argv[3] ?? 5) } });
  console.log(w, 'after', ev(`${root}/ck-${w}`), s.kl, s.surrogateBefore, s.surrogateAfter, s.ess, s.iterations.map((i) => i.accepted), performance.now() - t1);
}
env.close();
