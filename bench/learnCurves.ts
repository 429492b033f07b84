/**
 * Learning curves straight from the learning core (no CLI, no checkpoints): trains one algorithm
 * on one task and prints the mean training return per update, environment steps, and wall time.
 *
 *   npx tsx bench/learnCurves.ts [--algo trpo|npg|vpg|ppo (src/learn ALGORITHM_NAMES)] [--task inverted-pendulum]
 *                                [--envs 8] [--n-steps 256] [--steps 50000] [--seed 1] [--json]
 *
 * It stops early once the mean training return reaches --stop (default: none).
 */
import { makeVecEnv } from '../sim/index.js';
import {
  ALGORITHM_NAMES,
  RolloutStorage,
  collectRollouts,
  createAlgorithm,
  isAlgorithmName,
  rolloutSettings,
  startRollouts,
} from '../src/learn/index.js';
import { GaussianPolicy, ValueNetwork, initBackend } from '../src/policy/index.js';
import { Random } from '../src/util/index.js';
import { benchArgs, numberArg } from './benchArgs.js';

const B = 'learnCurves';
const args = benchArgs(B, {
  algo: { type: 'string', default: 'trpo' },
  task: { type: 'string', default: 'inverted-pendulum' },
  envs: { type: 'string', default: '8' },
  'n-steps': { type: 'string', default: '256' },
  steps: { type: 'string', default: '50000' },
  seed: { type: 'string', default: '1' },
  stop: { type: 'string', default: 'Infinity' },
  json: { type: 'boolean' },
});
const algo = args.algo;
if (!isAlgorithmName(algo)) {
  throw new Error(`bench/${B}: --algo ${algo}; expected one of ${ALGORITHM_NAMES.join(', ')}`);
}
const task = args.task;
const numEnvs = numberArg(B, 'envs', args.envs, { integer: true, min: 1 });
const nSteps = numberArg(B, 'n-steps', args['n-steps'], { integer: true, min: 1 });
const budget = numberArg(B, 'steps', args.steps, { integer: true, min: 1 });
const seed = numberArg(B, 'seed', args.seed, { integer: true, min: 0 });
const stop = numberArg(B, 'stop', args.stop);
const json = args.json === true;

await initBackend(undefined);
const env = await makeVecEnv(task, { numEnvs });
const rng = new Random(seed);
const { obsSize, actionSize } = env.spec;
const policy = new GaussianPolicy({ obsSize, actionSize }, rng.fork());
const value = new ValueNetwork({ obsSize }, rng.fork());
const { gamma, gaeLambda } = rolloutSettings(algo);
const learner = createAlgorithm(algo, policy, value, {}, rng.fork());
const storage = new RolloutStorage({ numSteps: nSteps, numEnvs, obsSize, actionSize });
const cursor = await startRollouts(env, seed);
const curve: Array<{
  update: number;
  steps: number;
  meanReturn: number;
  episodes: number;
  seconds: number;
  collectMs: number;
  updateMs: number;
}> = [];
const t0 = performance.now();
let steps = 0;
for (let update = 0; steps < budget; update++) {
  const tc = performance.now();
  const res = await collectRollouts(env, policy, value, storage, rng, nSteps, cursor);
  const collectMs = performance.now() - tc;
  storage.computeReturnsAndAdvantages(res.lastValues, gamma, gaeLambda);
  const tu = performance.now();
  learner.update(storage.batch());
  const updateMs = performance.now() - tu;
  storage.clear();
  steps += res.steps;
  const r = res.episodes.returns;
  const meanReturn = r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : Number.NaN;
  const row = {
    update,
    steps,
    meanReturn,
    episodes: r.length,
    seconds: (performance.now() - t0) / 1000,
    collectMs,
    updateMs,
  };
  curve.push(row);
  if (!json) {
    console.log(
      `${algo} ${task} update ${update} steps ${steps} return ${meanReturn.toFixed(1)} (${r.length} episodes) ` +
        `collect ${collectMs.toFixed(0)} ms update ${updateMs.toFixed(0)} ms elapsed ${row.seconds.toFixed(1)} s`,
    );
  }
  if (meanReturn >= stop) break;
}
await env.close();
if (json) console.log(JSON.stringify({ algo, task, numEnvs, nSteps, seed, curve }, null, 2));
