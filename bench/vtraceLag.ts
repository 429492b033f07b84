/**
 * V-trace against no correction under the same policy lag (issue 17's "V-trace against no
 * correction" figure).
 *
 *   nice -n 10 npx tsx bench/vtraceLag.ts [--lags 0,4,16] [--seeds 1,2,3] [--algos trpo,impala]
 *                                          [--updates 30] [--eval-versions 5]
 *                                          [--task inverted-pendulum] [--json]
 *
 * An in-process actor steps 8 inverted-pendulum environments with the learner's snapshot k
 * versions old (exactly k, in lock step, so every run is deterministic), and the asynchronous
 * learner (src/learn createOffPolicyLearner) makes one update per chunk, either with V-trace
 * (ρ̄ = c̄ = 1, Espeholt et al. 2018) or with no correction (ρ = c = 1: the lagged data treated as
 * on-policy). Same seeds, same lag, same budget for both. The final return of a run is the mean
 * return of the first episode of each of the 8 environments, reset with a fresh seed, acting
 * (sampling) for up to 1000 steps (the task's horizon: 1000 is the maximum), averaged over the
 * last --eval-versions (default 5) versions of the learner: a single final version is a noisy
 * figure, as a trust-region step on a solved task can knock one version down.
 *
 *   trpo:   chunks of 8 × 256 = 2048 transitions, --updates of them (default 30);
 *   impala: chunks of 8 × 32 = 256 transitions, 8 × --updates of them (the same transitions).
 */
import { makeVecEnv } from '../sim/index.js';
import type {
  ExperienceIdentity,
  LagCorrection,
  OffPolicyAlgorithmName,
} from '../src/learn/index.js';
import { trainWithLag } from '../test/learn/laggedActor.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const list = (s: string): number[] => s.split(',').map(Number);

const lags = list(flag('--lags', '0,4,16'));
const seeds = list(flag('--seeds', '1,2,3'));
const algos = flag('--algos', 'trpo,impala').split(',') as OffPolicyAlgorithmName[];
const updates = Number(flag('--updates', '30'));
const task = flag('--task', 'inverted-pendulum');
const evalVersions = Number(flag('--eval-versions', '5'));
const json = process.argv.includes('--json');

interface Row {
  readonly algorithm: OffPolicyAlgorithmName;
  readonly lag: number;
  readonly correction: LagCorrection;
  readonly finalReturns: number[];
  readonly mean: number;
  readonly transitions: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly seconds: number;
}

const env = await makeVecEnv(task, { numEnvs: 8 });
// The learner refuses other robots' data; here one in-process actor, so any consistent identity.
const identity: ExperienceIdentity = {
  robotName: task,
  modelHash: 'bench',
  task,
  taskParams: '{}',
  jointNames: [],
  obsSize: env.spec.obsSize,
  actionSize: env.spec.actionSize,
};
const rows: Row[] = [];
try {
  for (const algorithm of algos) {
    for (const lag of lags) {
      for (const correction of ['vtrace', 'none'] as const) {
        const t0 = performance.now();
        const finalReturns: number[] = [];
        let last = { transitions: 0, lagP50: 0, lagP99: 0 };
        for (const seed of seeds) {
          const run = await trainWithLag({
            env,
            identity,
            seed,
            lag,
            correction,
            algorithm,
            updates: algorithm === 'trpo' ? updates : 8 * updates,
            nSteps: algorithm === 'trpo' ? 256 : 32,
            evalSteps: 1000,
            evalVersions,
          });
          finalReturns.push(run.finalReturn);
          last = run.stats;
        }
        const row: Row = {
          algorithm,
          lag,
          correction,
          finalReturns,
          mean: finalReturns.reduce((a, b) => a + b, 0) / finalReturns.length,
          transitions: last.transitions,
          lagP50: last.lagP50,
          lagP99: last.lagP99,
          seconds: (performance.now() - t0) / 1000,
        };
        rows.push(row);
        if (!json)
          console.log(
            `${algorithm.padEnd(6)} lag ${String(lag).padStart(2)}  ${correction.padEnd(6)}  final return ${row.mean.toFixed(1).padStart(6)}  (seeds ${finalReturns.map((x) => x.toFixed(0)).join(', ')})  lag p50/p99 ${row.lagP50}/${row.lagP99}  ${row.transitions} transitions/run  ${row.seconds.toFixed(0)} s`,
          );
      }
    }
  }
} finally {
  await env.close();
}
if (!json) {
  console.log('\nalgorithm | lag k | V-trace (ρ̄ = c̄ = 1) | no correction');
  for (const algorithm of algos)
    for (const lag of lags) {
      const v = rows.find(
        (r) => r.algorithm === algorithm && r.lag === lag && r.correction === 'vtrace',
      );
      const n = rows.find(
        (r) => r.algorithm === algorithm && r.lag === lag && r.correction === 'none',
      );
      console.log(`${algorithm} | ${lag} | ${v?.mean.toFixed(1)} | ${n?.mean.toFixed(1)}`);
    }
}
console.log(JSON.stringify({ bench: 'vtraceLag', task, seeds, updates, rows }));
