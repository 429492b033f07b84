/**
 * EpisodeAssembler: turns the stream of Transition messages into complete, columnar episodes.
 * An episode is complete when its last step (terminated or truncated) arrives; an episode whose
 * steps stop early (new episode index, or end of data) is dropped and counted in `incomplete`.
 * Inconsistent data (sizes, joint names changing within a bag, steps out of order) throws with
 * the episode and step named. No `node:` imports.
 */
import type { Episode, TransitionRecord } from './types.js';

export class EpisodeAssembler {
  readonly #source: string;
  #steps: TransitionRecord[] = [];
  #jointNames: readonly string[] | undefined;
  #obsSize = -1;
  #incomplete = 0;
  #complete = 0;

  constructor(source: string) {
    this.#source = source;
  }

  /** Episodes dropped because their steps stopped before a terminated/truncated step. */
  get incomplete(): number {
    return this.#incomplete;
  }

  get complete(): number {
    return this.#complete;
  }

  /** The bag's joint names (from the first transition), if any was seen. */
  get jointNames(): readonly string[] | undefined {
    return this.#jointNames;
  }

  /** Add one transition; returns the episode it completes, if any. */
  push(t: TransitionRecord): Episode | undefined {
    const where = `EpisodeAssembler: ${this.#source}: episode ${t.episodeIndex}, step ${t.stepIndex}`;
    if (this.#jointNames === undefined) {
      this.#jointNames = [...t.jointNames];
      this.#obsSize = t.observation.length;
    } else if (t.jointNames.join('\u0000') !== this.#jointNames.join('\u0000')) {
      throw new Error(
        `${where}: joint names [${t.jointNames.join(', ')}] differ from the bag's [${this.#jointNames.join(', ')}]`,
      );
    }
    const a = this.#jointNames.length;
    if (t.observation.length !== this.#obsSize)
      throw new Error(
        `${where}: observation has length ${t.observation.length}, expected ${this.#obsSize}`,
      );
    for (const [name, arr] of [
      ['action', t.action],
      ['mean', t.mean],
      ['log_std', t.logStd],
    ] as const) {
      if (arr.length !== a)
        throw new Error(`${where}: ${name} has length ${arr.length}, expected ${a}`);
    }
    const first = this.#steps[0];
    if (first && (first.episodeIndex !== t.episodeIndex || t.stepIndex !== this.#steps.length)) {
      // The open episode stopped early (a recorder crash or an aborted episode): drop it.
      this.#incomplete++;
      this.#steps = [];
    }
    if (this.#steps.length === 0 && t.stepIndex !== 0) {
      // Steps of an episode whose beginning is missing: skip until the next step 0.
      return undefined;
    }
    this.#steps.push(t);
    if (!(t.terminated || t.truncated)) return undefined;
    if (t.finalObservation.length !== this.#obsSize) {
      throw new Error(
        `${where}: the last step's final_observation has length ${t.finalObservation.length}, expected ${this.#obsSize}`,
      );
    }
    const episode = this.#build(this.#steps);
    this.#steps = [];
    this.#complete++;
    return episode;
  }

  /** End of data: an open episode is incomplete. */
  finish(): void {
    if (this.#steps.length > 0) this.#incomplete++;
    this.#steps = [];
  }

  #build(steps: readonly TransitionRecord[]): Episode {
    const T = steps.length;
    const o = this.#obsSize;
    const a = (this.#jointNames ?? []).length;
    const observations = new Float64Array(T * o);
    const actions = new Float64Array(T * a);
    const means = new Float64Array(T * a);
    const logStds = new Float64Array(T * a);
    const behaviourLogProbs = new Float64Array(T);
    const deterministic = new Uint8Array(T);
    const rewards = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const s = steps[t] as TransitionRecord;
      observations.set(s.observation, t * o);
      actions.set(s.action, t * a);
      means.set(s.mean, t * a);
      logStds.set(s.logStd, t * a);
      behaviourLogProbs[t] = s.logProb;
      deterministic[t] = s.deterministic ? 1 : 0;
      rewards[t] = s.reward;
    }
    const last = steps[T - 1] as TransitionRecord;
    return {
      source: this.#source,
      episodeIndex: last.episodeIndex,
      checkpointId: last.checkpointId,
      task: last.task,
      jointNames: this.#jointNames ?? [],
      length: T,
      obsSize: o,
      actionSize: a,
      observations,
      actions,
      means,
      logStds,
      behaviourLogProbs,
      deterministic,
      rewards,
      terminated: last.terminated,
      truncated: last.truncated && !last.terminated,
      finalObservation: Float64Array.from(last.finalObservation),
    };
  }
}
