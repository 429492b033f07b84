/**
 * ReplayData: logged episodes packed into columnar arrays for the learner, plus the builder that
 * fills them from an episode stream or from the bag source's deliveries (the learning seam). The reader streams (memory bounded by a chunk); the learner
 * needs the whole batch for its Fisher-vector products, so this holds 8·(obs + 2 + a) bytes per
 * transition plus 8·obs per episode. Growth doubles, so adding is amortised O(1).
 */
import { SEGMENT_TERMINATED, SEGMENT_TRUNCATED } from '../learn/index.js';
import type { BagDelivery } from './bagTransitionSource.js';
import type { Episode } from './types.js';

/** Concatenated episodes. Rows [bounds[e], bounds[e+1]) are episode e. */
export interface ReplayData {
  /** Transitions n. */
  readonly size: number;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly jointNames: readonly string[];
  readonly task: string;
  /** Behaviour checkpoint ids seen (in order of first appearance). */
  readonly checkpointIds: readonly string[];
  /** Raw observations. Shape: (n, obsSize). */
  readonly observations: Float64Array;
  /** Shape: (n, actionSize). */
  readonly actions: Float64Array;
  /** log μ(a_t|s_t) as logged (NaN on deterministic steps). Shape: (n). */
  readonly behaviourLogProbs: Float64Array;
  /** 1 where the logged action was the behaviour's mean: no density, no importance weight. Shape: (n). */
  readonly deterministic: Uint8Array;
  /** How many rows of `deterministic` are 1. */
  readonly deterministicSteps: number;
  /** Shape: (n). */
  readonly rewards: Float64Array;
  /** Episode boundaries. Shape: (E + 1). */
  readonly bounds: Int32Array;
  /** 1 where episode e ended in a terminal state (bootstrap 0). Shape: (E). */
  readonly terminated: Uint8Array;
  /** Observation after each episode's last step (bootstrap V on truncation). Shape: (E, obsSize). */
  readonly finalObservations: Float64Array;
}

export class ReplayDataBuilder {
  #obsSize = -1;
  #actionSize = -1;
  #jointNames: readonly string[] = [];
  #task = '';
  #checkpointIds: string[] = [];
  #n = 0;
  #episodes = 0;
  #obs = new Float64Array(0);
  #actions = new Float64Array(0);
  #logProbs = new Float64Array(0);
  #deterministic = new Uint8Array(0);
  #deterministicSteps = 0;
  #rewards = new Float64Array(0);
  #bounds = new Int32Array(1);
  #terminated = new Uint8Array(0);
  #finalObs = new Float64Array(0);

  get size(): number {
    return this.#n;
  }

  get episodes(): number {
    return this.#episodes;
  }

  /** Append one episode; its sizes and joint names must match the first episode's. */
  add(ep: Episode): void {
    if (this.#obsSize < 0) {
      this.#obsSize = ep.obsSize;
      this.#actionSize = ep.actionSize;
      this.#jointNames = [...ep.jointNames];
      this.#task = ep.task;
    } else if (
      ep.obsSize !== this.#obsSize ||
      ep.actionSize !== this.#actionSize ||
      ep.jointNames.join('\u0000') !== this.#jointNames.join('\u0000')
    ) {
      throw new Error(
        `ReplayDataBuilder.add: episode ${ep.episodeIndex} of ${ep.source} has obs ${ep.obsSize}, joints [${ep.jointNames.join(', ')}]; ` +
          `earlier episodes have obs ${this.#obsSize}, joints [${this.#jointNames.join(', ')}]`,
      );
    }
    if (!this.#checkpointIds.includes(ep.checkpointId)) this.#checkpointIds.push(ep.checkpointId);
    const o = this.#obsSize;
    const a = this.#actionSize;
    const n = this.#n + ep.length;
    const e = this.#episodes + 1;
    this.#obs = grow(this.#obs, n * o);
    this.#actions = grow(this.#actions, n * a);
    this.#logProbs = grow(this.#logProbs, n);
    if (this.#deterministic.length < n) {
      const d = new Uint8Array(Math.max(n, 2 * this.#deterministic.length, 1024));
      d.set(this.#deterministic);
      this.#deterministic = d;
    }
    this.#rewards = grow(this.#rewards, n);
    this.#finalObs = grow(this.#finalObs, e * o);
    if (this.#bounds.length < e + 1) {
      const b = new Int32Array(Math.max(2 * this.#bounds.length, e + 1));
      b.set(this.#bounds);
      this.#bounds = b;
    }
    if (this.#terminated.length < e) {
      const t = new Uint8Array(Math.max(2 * this.#terminated.length, e));
      t.set(this.#terminated);
      this.#terminated = t;
    }
    this.#obs.set(ep.observations, this.#n * o);
    this.#actions.set(ep.actions, this.#n * a);
    this.#logProbs.set(ep.behaviourLogProbs, this.#n);
    this.#deterministic.set(ep.deterministic, this.#n);
    for (let t = 0; t < ep.length; t++) this.#deterministicSteps += ep.deterministic[t] as number;
    this.#rewards.set(ep.rewards, this.#n);
    this.#finalObs.set(ep.finalObservation, this.#episodes * o);
    this.#terminated[this.#episodes] = ep.terminated ? 1 : 0;
    this.#bounds[e] = n;
    this.#n = n;
    this.#episodes = e;
  }

  /** Append every segment (one logged episode each) of a BagTransitionSource delivery. */
  addDelivery(d: BagDelivery): void {
    const s = d.segments;
    const D = s.obsSize;
    const A = s.actionSize;
    const E = s.bounds.length - 1;
    for (let e = 0; e < E; e++) {
      const lo = s.bounds[e] as number;
      const hi = s.bounds[e + 1] as number;
      const info = d.episodes[e];
      if (!info)
        throw new Error(
          `ReplayDataBuilder.addDelivery: delivery ${d.sequence} of ${d.origin} has ${E} segments but ${d.episodes.length} episode records`,
        );
      const end = s.segmentEnds[e];
      this.add({
        source: d.origin,
        episodeIndex: info.episodeIndex,
        checkpointId: info.checkpointId,
        task: d.identity.task,
        jointNames: d.identity.jointNames,
        length: hi - lo,
        obsSize: D,
        actionSize: A,
        observations: s.observations.subarray(lo * D, hi * D),
        actions: s.actions.subarray(lo * A, hi * A),
        means: s.behaviourMeans?.subarray(lo * A, hi * A) ?? new Float64Array((hi - lo) * A),
        logStds: s.behaviourLogStds?.subarray(lo * A, hi * A) ?? new Float64Array((hi - lo) * A),
        behaviourLogProbs: s.behaviourLogProbs.subarray(lo, hi),
        deterministic: s.deterministic?.subarray(lo, hi) ?? new Uint8Array(hi - lo),
        rewards: s.rewards.subarray(lo, hi),
        terminated: end === SEGMENT_TERMINATED,
        truncated: end === SEGMENT_TRUNCATED,
        finalObservation: s.finalObservations.subarray(e * D, (e + 1) * D),
      });
    }
  }

  /** The packed data (copies trimmed to size). Throws when empty. */
  build(): ReplayData {
    if (this.#n === 0) throw new Error('ReplayDataBuilder.build: no complete episodes were added');
    const o = this.#obsSize;
    const a = this.#actionSize;
    const e = this.#episodes;
    return {
      size: this.#n,
      obsSize: o,
      actionSize: a,
      jointNames: this.#jointNames,
      task: this.#task,
      checkpointIds: [...this.#checkpointIds],
      observations: this.#obs.slice(0, this.#n * o),
      actions: this.#actions.slice(0, this.#n * a),
      behaviourLogProbs: this.#logProbs.slice(0, this.#n),
      deterministic: this.#deterministic.slice(0, this.#n),
      deterministicSteps: this.#deterministicSteps,
      rewards: this.#rewards.slice(0, this.#n),
      bounds: this.#bounds.slice(0, e + 1),
      terminated: this.#terminated.slice(0, e),
      finalObservations: this.#finalObs.slice(0, e * o),
    };
  }
}

function grow(arr: Float64Array<ArrayBuffer>, needed: number): Float64Array<ArrayBuffer> {
  if (arr.length >= needed) return arr;
  const out = new Float64Array(Math.max(needed, 2 * arr.length, 1024));
  out.set(arr);
  return out;
}
