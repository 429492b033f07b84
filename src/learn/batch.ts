/**
 * The transition format every update rule consumes, whatever produced it: a live vectorised env
 * (RolloutStorage.batch()), logged episodes (src/replay), later the network. Keeping the learner
 * behind this one readonly shape is what lets a learner take batches from any source (DESIGN.md).
 */

/** A batch of n transitions. All arrays row-major; observations are NORMALISED (policy.normalizeObs). */
export interface TransitionBatch {
  /** Number of transitions n. */
  readonly size: number;
  /** Normalised observations. Shape: (n, obsSize). */
  readonly obs: Float32Array;
  /** Actions taken (unclipped samples of the behaviour policy). Shape: (n, actionSize). */
  readonly actions: Float32Array;
  /** Advantage estimates Â (e.g. GAE), held constant by the update. Shape: (n). */
  readonly advantages: Float32Array;
  /** Value-regression targets (e.g. Â + V_old). Shape: (n). */
  readonly returns: Float32Array;
  /**
   * Optional per-sample weights multiplying each term of the surrogate (importance weights from
   * src/replay; 1 when absent). Shape: (n).
   */
  readonly weights?: Float32Array;
  /**
   * log π_behaviour(a|s) as logged. Not read by trpo/ppo/vpg, which recompute log π_θk from the
   * current parameters at the start of an update (identical on-policy); kept for replay. Shape: (n).
   */
  readonly oldLogProb?: Float32Array;
  /** Behaviour mean and log σ as logged (for replay diagnostics). Shape: (n, actionSize). */
  readonly oldMean?: Float32Array;
  readonly oldLogStd?: Float32Array;
  /**
   * V(obs) of the critic as it is when the update starts, when the source already computed it on
   * exactly these `obs` (the fleet learner's V-trace does): the critic fit takes its explained
   * variance and loss before fitting from it instead of another forward pass. Shape: (n).
   */
  readonly values?: Float64Array;
}

/** Check a batch's array lengths and values; throws naming the field, the index or the sizes. */
export function validateBatch(
  batch: TransitionBatch,
  obsSize: number,
  actionSize: number,
  caller: string,
): void {
  const n = batch.size;
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${caller}: batch.size must be a positive integer, got ${n}`);
  const expect: Array<[string, ArrayLike<number> | undefined, number]> = [
    ['obs', batch.obs, n * obsSize],
    ['actions', batch.actions, n * actionSize],
    ['advantages', batch.advantages, n],
    ['returns', batch.returns, n],
    ['weights', batch.weights, n],
    ['values', batch.values, n],
  ];
  for (const [name, arr, len] of expect) {
    if (arr === undefined) continue;
    if (arr.length < len) {
      throw new Error(
        `${caller}: batch.${name} has ${arr.length} values, expected ${len} (size ${n}, obsSize ${obsSize}, actionSize ${actionSize})`,
      );
    }
    // A NaN or ±Inf anywhere would spread into every parameter through the gradient: refuse it
    // before the update touches the networks.
    for (let i = 0; i < len; i++) {
      if (!Number.isFinite(arr[i] as number)) {
        throw new Error(
          `${caller}: batch.${name}[${i}] = ${arr[i]} is not finite; refusing to update on it`,
        );
      }
    }
  }
}

/** Copy rows `indices` of a batch into a new batch (for minibatches). */
export function gatherBatch(
  batch: TransitionBatch,
  indices: ArrayLike<number>,
  count: number,
  obsSize: number,
  actionSize: number,
): TransitionBatch {
  const rows = (src: Float32Array, width: number): Float32Array => {
    const out = new Float32Array(count * width);
    for (let k = 0; k < count; k++)
      out.set(
        src.subarray((indices[k] as number) * width, ((indices[k] as number) + 1) * width),
        k * width,
      );
    return out;
  };
  return {
    size: count,
    obs: rows(batch.obs, obsSize),
    actions: rows(batch.actions, actionSize),
    advantages: rows(batch.advantages, 1),
    returns: rows(batch.returns, 1),
    ...(batch.weights ? { weights: rows(batch.weights, 1) } : {}),
  };
}
