/**
 * An in-process actor for the asynchronous-learner tests and bench/vtraceLag.ts: it steps a VecEnv
 * with its own copy of the policy, set from a learner snapshot (which may lag the learner), and
 * delivers what it collected as TrajectorySegments, one segment per environment run: TERMINATED or
 * TRUNCATED where an episode ended, CUT at the end of the chunk.
 */
import {
  type OffPolicyAlgorithmName,
  createOffPolicyLearner,
} from '../../src/learn/asyncLearner.js';
import type { VecEnv } from '../../src/learn/env.js';
import { allocateSegments } from '../../src/learn/segments.js';
import type {
  ExperienceIdentity,
  OffPolicyLearnerStats,
  PolicySnapshot,
  SegmentEnd,
  TrajectorySegments,
  TransitionDelivery,
} from '../../src/learn/transitionSource.js';
import {
  SEGMENT_CUT,
  SEGMENT_TERMINATED,
  SEGMENT_TRUNCATED,
} from '../../src/learn/transitionSource.js';
import type { LagCorrection } from '../../src/learn/vtraceBatch.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';

interface Row {
  obs: Float64Array;
  action: Float64Array;
  reward: number;
  logProb: number;
  mean: Float64Array;
  logStd: Float64Array;
}

export class LaggedActor {
  readonly policy: GaussianPolicy;
  version = 0;
  #obs: Float64Array;
  #sequence = 0;
  #episodeReturn: Float64Array;

  private constructor(
    readonly env: VecEnv,
    template: GaussianPolicy,
    readonly identity: ExperienceIdentity,
    readonly rng: Random,
    obs: Float64Array,
  ) {
    this.policy = new GaussianPolicy(template.options, new Random(0));
    this.#obs = obs;
    this.#episodeReturn = new Float64Array(env.numEnvs);
  }

  static async create(
    env: VecEnv,
    template: GaussianPolicy,
    identity: ExperienceIdentity,
    seed: number,
  ): Promise<LaggedActor> {
    const obs = Float64Array.from(await env.reset(seed));
    return new LaggedActor(env, template, identity, new Random(seed + 1), obs);
  }

  /** Act with `snapshot` from now on. */
  apply(snapshot: PolicySnapshot): void {
    this.policy.params.set(snapshot.policyParams);
    const nm = this.policy.normalizer;
    nm.setState({
      mean: Array.from(snapshot.normalizerMean),
      var: Array.from(snapshot.normalizerVar),
      count: snapshot.normalizerCount,
      clip: nm.clip,
      epsilon: nm.epsilon,
    });
    this.version = snapshot.version;
  }

  /** nSteps steps of every environment; the returns of the episodes that ended, and their envs. */
  async collect(
    nSteps: number,
  ): Promise<{ delivery: TransitionDelivery; returns: number[]; envs: number[] }> {
    const { env, policy } = this;
    const N = env.numEnvs;
    const D = policy.obsSize;
    const A = policy.actionSize;
    const norm = new Float64Array(N * D);
    const actions = new Float64Array(N * A);
    const logProbs = new Float64Array(N);
    const means = new Float64Array(N * A);
    const logStds = new Float64Array(N * A);
    const open: Row[][] = Array.from({ length: N }, () => []);
    const closed: Array<{ rows: Row[]; end: SegmentEnd; final: Float64Array }> = [];
    const returns: number[] = [];
    const envs: number[] = [];
    for (let s = 0; s < nSteps; s++) {
      policy.normalizeObs(this.#obs, norm, N);
      const ws = policy.forward(norm, N);
      means.set(ws.mean.subarray(0, N * A));
      logStds.set(ws.logStd.subarray(0, N * A));
      policy.distribution.sampleBatch(means, logStds, N, this.rng, actions, logProbs);
      const res = await env.step(actions);
      for (let e = 0; e < N; e++) {
        const row: Row = {
          obs: this.#obs.slice(e * D, (e + 1) * D),
          action: actions.slice(e * A, (e + 1) * A),
          reward: res.rewards[e] as number,
          logProb: logProbs[e] as number,
          mean: means.slice(e * A, (e + 1) * A),
          logStd: logStds.slice(e * A, (e + 1) * A),
        };
        (open[e] as Row[]).push(row);
        this.#episodeReturn[e] = (this.#episodeReturn[e] as number) + row.reward;
        const term = res.terminated[e] === 1;
        if (term || res.truncated[e] === 1) {
          closed.push({
            rows: open[e] as Row[],
            end: term ? SEGMENT_TERMINATED : SEGMENT_TRUNCATED,
            final: res.finalObs.slice(e * D, (e + 1) * D),
          });
          open[e] = [];
          returns.push(this.#episodeReturn[e] as number);
          envs.push(e);
          this.#episodeReturn[e] = 0;
        }
      }
      this.#obs.set(res.obs);
    }
    for (let e = 0; e < N; e++) {
      const rows = open[e] as Row[];
      if (rows.length > 0)
        closed.push({ rows, end: SEGMENT_CUT, final: this.#obs.slice(e * D, (e + 1) * D) });
    }
    const delivery: TransitionDelivery = {
      segments: toSegments(closed, D, A, this.version),
      identity: this.identity,
      origin: 'lagged-actor',
      sequence: this.#sequence++,
    };
    return { delivery, returns, envs };
  }
}

function toSegments(
  segs: ReadonlyArray<{ rows: Row[]; end: SegmentEnd; final: Float64Array }>,
  D: number,
  A: number,
  version: number,
): TrajectorySegments {
  const n = segs.reduce((k, s) => k + s.rows.length, 0);
  const E = segs.length;
  const out = allocateSegments(n, E, D, A);
  out.policyVersions.fill(version);
  let r = 0;
  segs.forEach((s, e) => {
    for (const row of s.rows) {
      out.observations.set(row.obs, r * D);
      out.actions.set(row.action, r * A);
      out.rewards[r] = row.reward;
      out.behaviourLogProbs[r] = row.logProb;
      out.behaviourMeans.set(row.mean, r * A);
      out.behaviourLogStds.set(row.logStd, r * A);
      r++;
    }
    out.bounds[e + 1] = r;
    out.segmentEnds[e] = s.end;
    out.finalObservations.set(s.final, e * D);
  });
  return out;
}

export interface LaggedRunOptions {
  readonly env: VecEnv;
  readonly identity: ExperienceIdentity;
  readonly seed: number;
  /** The actor acts with the snapshot `lag` versions behind the learner (fewer at the start). */
  readonly lag: number;
  readonly updates: number;
  /** Steps per environment per chunk (one chunk per update). */
  readonly nSteps: number;
  readonly correction: LagCorrection;
  readonly algorithm?: OffPolicyAlgorithmName;
  /** After training: steps of a fresh evaluation of each of the final policies (0: none). */
  readonly evalSteps?: number;
  /** How many of the last versions to evaluate (default 1: the final policy only). */
  readonly evalVersions?: number;
}

export interface LaggedRunResult {
  /** Mean return of the episodes that ended in each chunk (NaN where none did). */
  readonly curve: number[];
  readonly stats: OffPolicyLearnerStats;
  /**
   * Mean return of the first episode of each environment, reset with seed 1000 + seed and acting
   * (sampling) with the policy for evalSteps steps, averaged over the last evalVersions versions;
   * NaN without evalSteps or if no episode ended.
   */
  readonly finalReturn: number;
}

/**
 * The asynchronous loop run in lock step, so the lag is exact and the run deterministic: each
 * round the actor collects one chunk with the snapshot `lag` versions old, the learner takes it
 * and makes one update.
 */
export async function trainWithLag(o: LaggedRunOptions): Promise<LaggedRunResult> {
  const rng = new Random(o.seed);
  const { obsSize, actionSize } = o.env.spec;
  const policy = new GaussianPolicy({ obsSize, actionSize }, rng.fork());
  const value = new ValueNetwork({ obsSize }, rng.fork());
  const learner = createOffPolicyLearner({
    policy,
    value,
    identity: o.identity,
    rng: rng.fork(),
    algorithm: o.algorithm ?? 'trpo',
    correction: o.correction,
    batchSize: o.env.numEnvs * o.nSteps,
    maxLag: o.lag,
  });
  const actor = await LaggedActor.create(o.env, policy, o.identity, o.seed);
  const history: PolicySnapshot[] = [learner.snapshot()];
  const curve: number[] = [];
  for (let u = 0; u < o.updates; u++) {
    actor.apply(history[Math.max(0, history.length - 1 - o.lag)] as PolicySnapshot);
    const { delivery, returns } = await actor.collect(o.nSteps);
    curve.push(returns.length > 0 ? returns.reduce((a, b) => a + b, 0) / returns.length : NaN);
    const outcome = learner.offer(delivery);
    if (outcome !== 'queued') throw new Error(`trainWithLag: offer said ${outcome}`);
    if (!learner.step()) throw new Error('trainWithLag: no update on a full batch');
    history.push(learner.snapshot());
  }
  let finalReturn = NaN;
  if (o.evalSteps) {
    const means: number[] = [];
    for (const snapshot of history.slice(-(o.evalVersions ?? 1))) {
      const evaluator = await LaggedActor.create(o.env, policy, o.identity, 1000 + o.seed);
      evaluator.apply(snapshot);
      const { returns, envs } = await evaluator.collect(o.evalSteps);
      const first = new Map<number, number>();
      returns.forEach((r, i) => {
        if (!first.has(envs[i] as number)) first.set(envs[i] as number, r);
      });
      const rs = [...first.values()];
      if (rs.length > 0) means.push(rs.reduce((a, b) => a + b, 0) / rs.length);
    }
    if (means.length > 0) finalReturn = means.reduce((a, b) => a + b, 0) / means.length;
  }
  return { curve, stats: learner.stats(), finalReturn };
}
