/**
 * From a vectorised rollout to the seam's `TrajectorySegments` (transitionSource.ts): a
 * `RolloutRecorder` keeps what the behaviour saw and did at every step of a collection (raw
 * observations, sampled actions, log μ, mean and log σ, rewards, end flags, final observations),
 * and `segmentsFromRollout` cuts each environment's column into segments at its episode ends.
 *
 * Per environment e, in time order, a segment ends:
 *   - TERMINATED at a step with terminated = 1 (a terminal state: V after it is 0; terminated wins
 *     when both flags are set, as collectRollouts treats it);
 *   - TRUNCATED at a step with truncated = 1 (bootstrap V(final observation));
 *   - CUT at the rollout's last step when the episode is still running (bootstrap V of the
 *     observation the next rollout starts from; the episode goes on in the next delivery).
 * Segments are ordered environment by environment, and in time within one environment.
 */
import type { VecStepResult } from './env.js';
import { SEGMENT_CUT, SEGMENT_TERMINATED, SEGMENT_TRUNCATED } from './transitionSource.js';
import type { SegmentEnd, TrajectorySegments } from './transitionSource.js';

/**
 * One collection's steps, time-major: row (t, e) is environment e at rollout step t.
 * Shapes: (T, N, ·) where T = numSteps and N = numEnvs.
 */
export interface RolloutRecord {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
  /** Raw observations acted on. Shape: (T, N, obsSize). */
  readonly observations: Float64Array;
  /** Sampled actions (before clipping). Shape: (T, N, actionSize). */
  readonly actions: Float64Array;
  /** Shape: (T, N). */
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** log μ(a|s) of the behaviour. Shape: (T, N). */
  readonly logProbs: Float64Array;
  /** Behaviour mean and log σ. Shape: (T, N, actionSize). */
  readonly means: Float64Array;
  readonly logStds: Float64Array;
  /** Last observation of an episode that ended at (t, e); other rows unspecified. Shape: (T, N, obsSize). */
  readonly finalObservations: Float64Array;
  /** Raw observations after the last step (what the next collection acts on). Shape: (N, obsSize). */
  readonly lastObservations: Float64Array;
}

/** Fills a RolloutRecord step by step (collectRollouts' `recorder` option). */
export class RolloutRecorder {
  readonly record: RolloutRecord;
  #step = 0;

  constructor(numSteps: number, numEnvs: number, obsSize: number, actionSize: number) {
    for (const [k, v] of Object.entries({ numSteps, numEnvs, obsSize, actionSize })) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`RolloutRecorder: ${k} must be a positive integer, got ${v}`);
    }
    const n = numSteps * numEnvs;
    this.record = {
      numSteps,
      numEnvs,
      obsSize,
      actionSize,
      observations: new Float64Array(n * obsSize),
      actions: new Float64Array(n * actionSize),
      rewards: new Float64Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      logProbs: new Float64Array(n),
      means: new Float64Array(n * actionSize),
      logStds: new Float64Array(n * actionSize),
      finalObservations: new Float64Array(n * obsSize),
      lastObservations: new Float64Array(numEnvs * obsSize),
    };
  }

  /** Steps recorded so far. */
  get step(): number {
    return this.#step;
  }

  /** Start a new collection (the arrays are reused). */
  clear(): void {
    this.#step = 0;
  }

  /** One vectorised step: what was acted on and sampled, and what the envs returned. */
  add(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    logProbs: ArrayLike<number>,
    means: ArrayLike<number>,
    logStds: ArrayLike<number>,
    res: VecStepResult,
  ): void {
    const r = this.record;
    if (this.#step >= r.numSteps)
      throw new Error(
        `RolloutRecorder.add: already holds ${r.numSteps} steps × ${r.numEnvs} envs; call clear() first`,
      );
    const N = r.numEnvs;
    const D = r.obsSize;
    const A = r.actionSize;
    const base = this.#step * N;
    put(obs, r.observations, base * D, N * D);
    put(actions, r.actions, base * A, N * A);
    put(logProbs, r.logProbs, base, N);
    put(means, r.means, base * A, N * A);
    put(logStds, r.logStds, base * A, N * A);
    put(res.rewards, r.rewards, base, N);
    put(res.terminated, r.terminated, base, N);
    put(res.truncated, r.truncated, base, N);
    for (let e = 0; e < N; e++) {
      if (res.terminated[e] === 1 || res.truncated[e] === 1)
        r.finalObservations.set(res.finalObs.subarray(e * D, (e + 1) * D), (base + e) * D);
    }
    this.#step += 1;
  }

  /** The observations after the last step (the next collection's start). */
  finish(lastObs: ArrayLike<number>): void {
    const r = this.record;
    put(lastObs, r.lastObservations, 0, r.numEnvs * r.obsSize);
  }
}

function put(src: ArrayLike<number>, dst: Float64Array | Uint8Array, at: number, n: number): void {
  for (let i = 0; i < n; i++) dst[at + i] = src[i] as number;
}

/**
 * Policy version of a segment: one number for the whole rollout, or per segment from its
 * environment and first rollout step (an actor that swaps parameters mid-rollout).
 */
export type SegmentVersion = number | ((env: number, firstStep: number) => number);

/** Segments whose behaviour mean and log σ are present (what every actor records). */
export type AllocatedSegments = TrajectorySegments & {
  readonly behaviourMeans: Float64Array;
  readonly behaviourLogStds: Float64Array;
};

/**
 * Zero-filled segments of `n` transitions in `E` segments (obsSize D, actionSize A), for a writer
 * that fills them row by row: bounds[0] = 0, policy versions 0.
 */
export function allocateSegments(n: number, E: number, D: number, A: number): AllocatedSegments {
  return {
    size: n,
    obsSize: D,
    actionSize: A,
    observations: new Float64Array(n * D),
    actions: new Float64Array(n * A),
    rewards: new Float64Array(n),
    behaviourLogProbs: new Float64Array(n),
    behaviourMeans: new Float64Array(n * A),
    behaviourLogStds: new Float64Array(n * A),
    bounds: new Int32Array(E + 1),
    segmentEnds: new Uint8Array(E),
    finalObservations: new Float64Array(E * D),
    policyVersions: new Uint32Array(E),
  };
}

/**
 * Cut a recorded rollout into per-environment segments (see the module comment). Every array is a
 * fresh copy: the record may be reused by the next collection.
 */
export function segmentsFromRollout(
  record: RolloutRecord,
  policyVersion: SegmentVersion,
): TrajectorySegments {
  const { numSteps: T, numEnvs: N, obsSize: D, actionSize: A } = record;
  const n = T * N;
  const observations = new Float64Array(n * D);
  const actions = new Float64Array(n * A);
  const rewards = new Float64Array(n);
  const behaviourLogProbs = new Float64Array(n);
  const behaviourMeans = new Float64Array(n * A);
  const behaviourLogStds = new Float64Array(n * A);
  const bounds: number[] = [0];
  const ends: SegmentEnd[] = [];
  const finals: number[] = [];
  const versions: number[] = [];
  let row = 0;
  for (let e = 0; e < N; e++) {
    let first = 0;
    for (let t = 0; t < T; t++) {
      const src = t * N + e;
      observations.set(record.observations.subarray(src * D, (src + 1) * D), row * D);
      actions.set(record.actions.subarray(src * A, (src + 1) * A), row * A);
      behaviourMeans.set(record.means.subarray(src * A, (src + 1) * A), row * A);
      behaviourLogStds.set(record.logStds.subarray(src * A, (src + 1) * A), row * A);
      rewards[row] = record.rewards[src] as number;
      behaviourLogProbs[row] = record.logProbs[src] as number;
      row += 1;
      const term = record.terminated[src] === 1;
      const trunc = record.truncated[src] === 1;
      if (!term && !trunc && t < T - 1) continue;
      ends.push(term ? SEGMENT_TERMINATED : trunc ? SEGMENT_TRUNCATED : SEGMENT_CUT);
      const final =
        term || trunc
          ? record.finalObservations.subarray(src * D, (src + 1) * D)
          : record.lastObservations.subarray(e * D, (e + 1) * D);
      for (let i = 0; i < D; i++) finals.push(final[i] as number);
      const v = typeof policyVersion === 'number' ? policyVersion : policyVersion(e, first);
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
        throw new Error(
          `segmentsFromRollout: policy version of env ${e} from step ${first} must be a uint32, got ${v}`,
        );
      versions.push(v);
      bounds.push(row);
      first = t + 1;
    }
  }
  return {
    size: n,
    obsSize: D,
    actionSize: A,
    observations,
    actions,
    rewards,
    behaviourLogProbs,
    behaviourMeans,
    behaviourLogStds,
    bounds: Int32Array.from(bounds),
    segmentEnds: Uint8Array.from(ends),
    finalObservations: Float64Array.from(finals),
    policyVersions: Uint32Array.from(versions),
  };
}
