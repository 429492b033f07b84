/**
 * Rollout collection from a vectorised environment (the VecEnv contract of ./env.ts) into a RolloutStorage,
 * with ONE batched policy forward (and one value forward) per step for all environments, in plain
 * TS (no tfjs overhead in the loop). Truncated episodes store V(final obs) for the bootstrap;
 * terminated ones do not. Observations and rewards are checked for NaN after every step.
 */
import type { VecEnv } from './env.js';
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';
import type { RolloutRecorder } from './segments.js';
import type { RolloutStorage } from './storage.js';
import { valueScratch } from './scratch.js';

/** Where collection stands between calls: current raw observations and running episode sums. */
export interface RolloutCursor {
  /** Raw observations to act on next. Shape: (numEnvs, obsSize). */
  readonly obs: Float64Array;
  /** Undiscounted return of each running episode so far. Shape: (numEnvs). */
  readonly episodeReturn: Float64Array;
  /** Length of each running episode so far. Shape: (numEnvs). */
  readonly episodeLength: Float64Array;
}

/** JSON form of a cursor, for checkpoints. */
export interface RolloutCursorState {
  readonly obs: readonly number[];
  readonly episodeReturn: readonly number[];
  readonly episodeLength: readonly number[];
}

export function cursorState(c: RolloutCursor): RolloutCursorState {
  return {
    obs: Array.from(c.obs),
    episodeReturn: Array.from(c.episodeReturn),
    episodeLength: Array.from(c.episodeLength),
  };
}

export function restoreCursor(s: RolloutCursorState): RolloutCursor {
  return {
    obs: Float64Array.from(s.obs),
    episodeReturn: Float64Array.from(s.episodeReturn),
    episodeLength: Float64Array.from(s.episodeLength),
  };
}

/** Reset every environment (env i seeded from `seed` and i) and start a cursor. */
export async function startRollouts(vecEnv: VecEnv, seed: number): Promise<RolloutCursor> {
  const obs = await vecEnv.reset(seed);
  return {
    obs: Float64Array.from(obs),
    episodeReturn: new Float64Array(vecEnv.numEnvs),
    episodeLength: new Float64Array(vecEnv.numEnvs),
  };
}

/** Episodes that ENDED during a collection. */
export interface EpisodeStats {
  /** Undiscounted return per finished episode. */
  readonly returns: number[];
  readonly lengths: number[];
  /** 1/0 per finished episode: success at its last step (tasks with hasSuccess; else empty). */
  readonly successes: number[];
  /** Distance to target at the last step per finished episode (tasks with a target; else empty). */
  readonly finalDistances: number[];
  /** How many ended by termination and by truncation. */
  terminated: number;
  truncated: number;
}

export interface RolloutResult {
  /** Environment steps collected (nSteps · numEnvs). */
  readonly steps: number;
  readonly episodes: EpisodeStats;
  /** V(s_T) of the cursor's observations after the last step (for GAE). Shape: (numEnvs). */
  readonly lastValues: Float64Array;
  /** Total action entries clipped to the ctrlrange. */
  readonly clippedActions: number;
}

export interface CollectOptions {
  /** Merge each step's raw observations into the policy's normaliser (training: true; eval: false). */
  readonly updateNormalizer?: boolean;
  /**
   * Also keep the raw steps (observations, actions, log μ, …) for the seam's segments
   * (segments.ts); cleared at the start. Reads only: the collection is the same with or without it.
   */
  readonly recorder?: RolloutRecorder;
  /**
   * Run the critic (V(s), V(final obs), V(s_T)); default true. false: every value in the storage
   * and `lastValues` is 0, for a collector whose segments go to a learner with its own critic (an
   * actor): a critic pass per step that nothing reads is CPU taken from the learner.
   */
  readonly critic?: boolean;
}

function checkFinite(
  arr: ArrayLike<number>,
  width: number,
  field: string,
  step: number,
  cause: string,
): void {
  for (let i = 0; i < arr.length; i++) {
    if (!Number.isFinite(arr[i] as number)) {
      const env = Math.floor(i / width);
      throw new Error(
        `collectRollouts: non-finite ${field}[${i % width}] = ${arr[i]} from environment ${env} at rollout step ${step}; likely cause: ${cause}`,
      );
    }
  }
}

/**
 * Step `vecEnv` nSteps times with actions sampled from `policy`, storing each step in `storage`
 * (normalised obs, actions, rewards, terminated/truncated, V(s), log π, V(final obs) on truncation,
 * the policy's mean and log σ). Advances `cursor`. Draws all noise from `rng`.
 */
export async function collectRollouts(
  vecEnv: VecEnv,
  policy: GaussianPolicy,
  value: ValueNetwork,
  storage: RolloutStorage,
  rng: Random,
  nSteps: number,
  cursor: RolloutCursor,
  options: CollectOptions = {},
): Promise<RolloutResult> {
  const N = vecEnv.numEnvs;
  const D = policy.obsSize;
  const A = policy.actionSize;
  if (vecEnv.spec.obsSize !== D || vecEnv.spec.actionSize !== A) {
    throw new Error(
      `collectRollouts: env '${vecEnv.spec.name}' has obsSize ${vecEnv.spec.obsSize}, actionSize ${vecEnv.spec.actionSize}; policy expects ${D}, ${A}`,
    );
  }
  if (storage.numEnvs !== N)
    throw new Error(`collectRollouts: storage has numEnvs ${storage.numEnvs}, env has ${N}`);
  const updateNormalizer = options.updateNormalizer ?? true;
  const critic = options.critic ?? true;
  const recorder = options.recorder;
  if (recorder) {
    const r = recorder.record;
    if (r.numSteps !== nSteps || r.numEnvs !== N || r.obsSize !== D || r.actionSize !== A)
      throw new Error(
        `collectRollouts: recorder holds ${r.numSteps} steps × ${r.numEnvs} envs (obs ${r.obsSize}, actions ${r.actionSize}); this collection is ${nSteps} × ${N} (obs ${D}, actions ${A})`,
      );
    recorder.clear();
  }
  const normObs = new Float64Array(N * D);
  const finalNorm = new Float64Array(D);
  const actions = new Float64Array(N * A);
  const logProbs = new Float64Array(N);
  const values = new Float64Array(N);
  const bootstrap = new Float64Array(N);
  const means = new Float64Array(N * A);
  const logStds = new Float64Array(N * A);
  const episodes: EpisodeStats = {
    returns: [],
    lengths: [],
    successes: [],
    finalDistances: [],
    terminated: 0,
    truncated: 0,
  };
  let clippedActions = 0;
  // Reused across calls (scratch.ts): a fresh N-row workspace per rollout would also mean a fresh
  // wasm memory per rollout. Nothing is read from them across the awaits below.
  const valueWs = valueScratch(value, 'rollout');
  const bootWs = valueScratch(value, 'bootstrap');

  // The in-process VecEnv resolves each step as a microtask, so a collection of seconds never lets
  // the event loop turn: a turn every ~50 ms lets SIGINT/SIGTERM handlers run during it (a
  // deliberate second Ctrl-C can force-quit a long iteration). Computation and results unchanged.
  let nextTurn = performance.now() + 50;
  for (let s = 0; s < nSteps; s++) {
    if (performance.now() >= nextTurn) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      nextTurn = performance.now() + 50;
    }
    if (updateNormalizer) policy.updateNormalizer(cursor.obs, N);
    policy.normalizeObs(cursor.obs, normObs, N);
    // One batched actor pass and one critic pass for all environments.
    const ws = policy.forward(normObs, N);
    means.set(ws.mean.subarray(0, N * A));
    logStds.set(ws.logStd.subarray(0, N * A));
    policy.distribution.sampleBatch(means, logStds, N, rng, actions, logProbs);
    if (critic) value.predict(normObs, N, values, valueWs);

    const res = await vecEnv.step(actions);
    checkFinite(
      res.rewards,
      1,
      'reward',
      s,
      'the physics diverged (check the model timestep, actuator gains, or the reward terms)',
    );
    checkFinite(
      res.obs,
      D,
      'observation',
      s,
      'the physics diverged or the task reads an uninitialised field (check actuator gains and action scale)',
    );

    bootstrap.fill(0);
    for (let e = 0; e < N; e++) {
      cursor.episodeReturn[e] = (cursor.episodeReturn[e] as number) + (res.rewards[e] as number);
      cursor.episodeLength[e] = (cursor.episodeLength[e] as number) + 1;
      clippedActions += res.clipped[e] ?? 0;
      const term = res.terminated[e] === 1;
      const trunc = res.truncated[e] === 1;
      if (trunc && !term) {
        // Time-limit cut: bootstrap with V(final obs), normalised with the current statistics.
        const row = res.finalObs.subarray(e * D, (e + 1) * D);
        checkFinite(row, D, 'finalObs', s, 'the physics diverged just before the time limit');
        if (critic) {
          policy.normalizeObs(row, finalNorm, 1);
          bootstrap[e] = value.forward(finalNorm, 1, bootWs)[0] as number;
        }
      }
      if (term || trunc) {
        episodes.returns.push(cursor.episodeReturn[e] as number);
        episodes.lengths.push(cursor.episodeLength[e] as number);
        if (vecEnv.spec.hasSuccess) episodes.successes.push(res.success[e] ? 1 : 0);
        const d = res.distance[e] as number;
        if (!Number.isNaN(d)) episodes.finalDistances.push(d);
        if (term) episodes.terminated += 1;
        else episodes.truncated += 1;
        cursor.episodeReturn[e] = 0;
        cursor.episodeLength[e] = 0;
      }
    }
    storage.add({
      obs: normObs,
      actions,
      rewards: res.rewards,
      terminated: res.terminated,
      truncated: res.truncated,
      values,
      logProbs,
      bootstrapValues: bootstrap,
      means,
      logStds,
    });
    recorder?.add(cursor.obs, actions, logProbs, means, logStds, res);
    cursor.obs.set(res.obs);
  }
  recorder?.finish(cursor.obs);
  // V(s_T) for GAE, with the statistics the next rollout will start from.
  policy.normalizeObs(cursor.obs, normObs, N);
  const lastValues = new Float64Array(N);
  if (critic) value.predict(normObs, N, lastValues, valueWs);
  return { steps: nSteps * N, episodes, lastValues, clippedActions };
}
