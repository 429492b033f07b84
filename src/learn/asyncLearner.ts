/**
 * The asynchronous off-policy learner (IMPALA-style; Espeholt et al. 2018): actors deliver
 * segments through `offer` at any time; `step` turns a batch of whole deliveries into one
 * V-trace-corrected update (vtraceBatch.ts) with the natural-gradient step ('trpo', weights ρ_s in
 * the surrogate) or the IMPALA actor-critic ('impala', impala.ts); every update is one version.
 *
 * Queue and lag (all counts below are of DELIVERIES, except `transitions` and the lag figures):
 *   - refused: another robot/task (ExperienceIdentity), or malformed segments, or a delivery larger
 *     than the whole queue;
 *   - stale: version − min(policyVersions) > maxLag, checked at offer AND again when the update
 *     takes it (the learner may have moved on while it waited);
 *   - full: the queue holds at most queueCapacity transitions; the OLDEST deliveries go first.
 * Lag (version − behaviour version, per transition, at the update that uses it; clamped at 0 for a
 * behaviour newer than a restored learner) is kept as a histogram for p50/p99.
 * A queued delivery's arrays are kept as they are (no copy): a caller must not reuse them.
 *
 * The observation normaliser moves as in on-policy training, where collectRollouts merges every
 * raw observation once and the update sees each one normalised with the statistics the acting
 * policy had. Here the acting policy is a snapshot, so an update normalises its batch with the
 * current statistics (those of a lag-0 actor: its ratios are then exactly 1) and merges the batch's
 * raw observations after the update; the next version carries them. Bootstrap observations are
 * normalised, never merged, as there.
 */
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';
import type { AdamState } from './adam.js';
import type { TransitionBatch } from './batch.js';
import type { UpdateSummary } from './algorithms.js';
import { createAlgorithm } from './algorithms.js';
import { IMPALA_DEFAULTS, type ImpalaConfig, impalaUpdate } from './impala.js';
import type { TrpoConfig } from './trpo.js';
import type {
  ExperienceIdentity,
  OffPolicyLearner,
  OffPolicyLearnerStats,
  OfferOutcome,
  PolicySnapshot,
  TrajectorySegments,
  TransitionDelivery,
} from './transitionSource.js';
import type { UpdateContext } from './updateContext.js';
import { createUpdateContext } from './updateContext.js';
import {
  type LagCorrection,
  VtraceWorkspace,
  buildVtraceBatch,
  identityDifference,
  segmentsProblem,
} from './vtraceBatch.js';

export type OffPolicyAlgorithmName = 'trpo' | 'impala';

export interface OffPolicyLearnerConfig {
  readonly algorithm: OffPolicyAlgorithmName;
  /** Discount γ (IMPALA and sb3-contrib TRPO: 0.99). */
  readonly gamma: number;
  /** Truncation ρ̄ of the policy-gradient weights and V-trace δ terms (Espeholt et al. 2018: 1). */
  readonly rhoBar: number;
  /** Truncation c̄ of the V-trace traces (Espeholt et al. 2018: 1). */
  readonly cBar: number;
  /** 'vtrace', or 'none' (ρ = c = 1: the data treated as on-policy; for comparisons). */
  readonly correction: LagCorrection;
  /** Transitions per update, at least (sb3-contrib TRPO n_steps = 2048; whole deliveries are taken). */
  readonly batchSize: number;
  /**
   * Versions a delivery may lag behind before it is dropped (Sample Factory drops experience older
   * than max_policy_lag; 20 here: a TRPO step moves KL ≤ 0.01, so 20 versions keep ratios usable).
   */
  readonly maxLag: number;
  /**
   * Transitions the queue holds (default 4 batches, i.e. 4 × batchSize when batchSize is given:
   * actors may run ahead of the learner by that much).
   */
  readonly queueCapacity: number;
}

export const OFF_POLICY_LEARNER_DEFAULTS: Readonly<OffPolicyLearnerConfig> = Object.freeze({
  algorithm: 'trpo',
  gamma: 0.99,
  rhoBar: 1,
  cBar: 1,
  correction: 'vtrace',
  batchSize: 2048,
  maxLag: 20,
  queueCapacity: 4 * 2048,
});

export interface OffPolicyLearnerOptions extends Partial<OffPolicyLearnerConfig> {
  readonly policy: GaussianPolicy;
  readonly value: ValueNetwork;
  readonly identity: ExperienceIdentity;
  /** Drives the update's minibatch shuffles and Fisher subsamples. */
  readonly rng: Random;
  /** The update rule's own config over its defaults (TRPO_DEFAULTS or IMPALA_DEFAULTS). */
  readonly trpo?: Partial<TrpoConfig>;
  readonly impala?: Partial<ImpalaConfig>;
}

/** Everything a checkpoint needs to resume the learner besides the networks (JSON-able). */
export interface OffPolicyLearnerState {
  readonly version: number;
  readonly transitions: number;
  readonly droppedStale: number;
  readonly refused: number;
  readonly droppedFull: number;
  /** lagHistogram[k] = transitions learned from at lag k. */
  readonly lagHistogram: readonly number[];
  readonly valueOptimizer: AdamState;
  readonly policyOptimizer: AdamState | null;
  readonly rng: ReturnType<Random['getState']>;
}

/** The learner with what a node needs beyond the contract. */
export interface AsyncLearner extends OffPolicyLearner {
  readonly config: Readonly<OffPolicyLearnerConfig>;
  /** Why the last refused delivery was refused (for the node's log), or null. */
  readonly lastRefusal: string | null;
  exportState(): OffPolicyLearnerState;
  restoreState(state: OffPolicyLearnerState): void;
}

interface Queued {
  readonly segments: TrajectorySegments;
  readonly minVersion: number;
}

function minVersion(s: TrajectorySegments): number {
  let m = Infinity;
  for (let e = 0; e < s.policyVersions.length; e++) m = Math.min(m, s.policyVersions[e] as number);
  return m;
}

/** The lag at quantile q of a histogram (smallest k with cumulative count ≥ q·total); 0 if empty. */
export function histogramQuantile(histogram: readonly number[], q: number): number {
  let total = 0;
  for (const c of histogram) total += c;
  if (total === 0) return 0;
  const target = q * total;
  let cum = 0;
  for (let k = 0; k < histogram.length; k++) {
    cum += histogram[k] as number;
    if (cum >= target) return k;
  }
  return histogram.length - 1;
}

function checkConfig(c: OffPolicyLearnerConfig): void {
  const where = 'createOffPolicyLearner';
  if (c.algorithm !== 'trpo' && c.algorithm !== 'impala')
    throw new Error(`${where}: algorithm '${String(c.algorithm)}'; expected trpo or impala`);
  if (c.correction !== 'vtrace' && c.correction !== 'none')
    throw new Error(`${where}: correction '${String(c.correction)}'; expected vtrace or none`);
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw new Error(`${where}: gamma ${c.gamma} not in [0, 1]`);
  if (!(c.rhoBar > 0) || !(c.cBar > 0))
    throw new Error(`${where}: rhoBar ${c.rhoBar} and cBar ${c.cBar} must be > 0`);
  for (const key of ['batchSize', 'maxLag', 'queueCapacity'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < (key === 'maxLag' ? 0 : 1))
      throw new Error(
        `${where}: ${key} ${c[key]} must be a ${key === 'maxLag' ? 'non-negative' : 'positive'} integer`,
      );
  }
  if (c.queueCapacity < c.batchSize)
    throw new Error(`${where}: queueCapacity ${c.queueCapacity} is below batchSize ${c.batchSize}`);
}

/**
 * Act with a learner's snapshot: its parameters and normaliser statistics written into `policy`'s
 * own arrays (an actor's copy of the network; the shape is the caller's to check).
 */
export function applyPolicySnapshot(policy: GaussianPolicy, snapshot: PolicySnapshot): void {
  policy.params.set(snapshot.policyParams);
  policy.normalizer.setStatistics(
    snapshot.normalizerMean,
    snapshot.normalizerVar,
    snapshot.normalizerCount,
  );
}

/** An asynchronous V-trace learner on `policy` and `value` (updated in place). */
export function createOffPolicyLearner(options: OffPolicyLearnerOptions): AsyncLearner {
  const { policy, value, identity, rng } = options;
  const config: OffPolicyLearnerConfig = Object.freeze({
    algorithm: options.algorithm ?? OFF_POLICY_LEARNER_DEFAULTS.algorithm,
    gamma: options.gamma ?? OFF_POLICY_LEARNER_DEFAULTS.gamma,
    rhoBar: options.rhoBar ?? OFF_POLICY_LEARNER_DEFAULTS.rhoBar,
    cBar: options.cBar ?? OFF_POLICY_LEARNER_DEFAULTS.cBar,
    correction: options.correction ?? OFF_POLICY_LEARNER_DEFAULTS.correction,
    batchSize: options.batchSize ?? OFF_POLICY_LEARNER_DEFAULTS.batchSize,
    maxLag: options.maxLag ?? OFF_POLICY_LEARNER_DEFAULTS.maxLag,
    queueCapacity:
      options.queueCapacity ?? 4 * (options.batchSize ?? OFF_POLICY_LEARNER_DEFAULTS.batchSize),
  });
  checkConfig(config);
  if (policy.obsSize !== identity.obsSize || policy.actionSize !== identity.actionSize)
    throw new Error(
      `createOffPolicyLearner: policy has obsSize/actionSize ${policy.obsSize}/${policy.actionSize}, identity says ${identity.obsSize}/${identity.actionSize}`,
    );

  let context: UpdateContext;
  let update: (batch: TransitionBatch) => UpdateSummary;
  if (config.algorithm === 'trpo') {
    const algo = createAlgorithm('trpo', policy, value, options.trpo ?? {}, rng);
    context = algo.context;
    update = (b) => algo.update(b);
  } else {
    const cfg = { ...IMPALA_DEFAULTS, ...options.impala };
    context = createUpdateContext(policy, value, rng, cfg.learningRate, cfg.criticLearningRate);
    update = (b) => {
      const s = impalaUpdate(policy, value, b, context, cfg);
      return {
        kl: null,
        entropy: s.entropy,
        valueLoss: s.valueLoss,
        explainedVariance: Number.isFinite(s.explainedVariance) ? s.explainedVariance : null,
        lineSearchAccepted: null,
        lineSearchSteps: null,
        raw: { ...s },
      };
    };
  }

  const queue: Queued[] = [];
  // The V-trace batch's arrays, sized by the first update and reused by every later one.
  const vtraceWs = new VtraceWorkspace();
  const parts: TrajectorySegments[] = [];
  let queued = 0;
  let version = 0;
  let transitions = 0;
  let droppedStale = 0;
  let refused = 0;
  let droppedFull = 0;
  let lastRefusal: string | null = null;
  let lagHistogram: number[] = [];

  const refuse = (why: string): OfferOutcome => {
    refused += 1;
    lastRefusal = why;
    return 'refused';
  };
  const isStale = (q: Queued): boolean => version - q.minVersion > config.maxLag;

  const learner: AsyncLearner = {
    config,
    get version() {
      return version;
    },
    get lastRefusal() {
      return lastRefusal;
    },

    offer(delivery: TransitionDelivery): OfferOutcome {
      const from = `delivery ${delivery.sequence} from '${delivery.origin}'`;
      const diff = identityDifference(identity, delivery.identity);
      if (diff) return refuse(`${from}: another robot or task: ${diff}`);
      const problem = segmentsProblem(delivery.segments, identity);
      if (problem) return refuse(`${from}: malformed segments: ${problem}`);
      const n = delivery.segments.size;
      if (n > config.queueCapacity)
        return refuse(`${from}: ${n} transitions exceed queueCapacity ${config.queueCapacity}`);
      const item: Queued = {
        segments: delivery.segments,
        minVersion: minVersion(delivery.segments),
      };
      if (isStale(item)) {
        droppedStale += 1;
        return 'stale';
      }
      let outcome: OfferOutcome = 'queued';
      while (queued + n > config.queueCapacity) {
        const old = queue.shift() as Queued;
        queued -= old.segments.size;
        droppedFull += 1;
        outcome = 'queued-dropped-oldest';
      }
      queue.push(item);
      queued += n;
      return outcome;
    },

    step(): UpdateSummary | null {
      if (queued < config.batchSize) return null;
      const taken: Queued[] = [];
      let n = 0;
      while (n < config.batchSize && queue.length > 0) {
        const q = queue.shift() as Queued;
        queued -= q.segments.size;
        if (isStale(q)) {
          droppedStale += 1;
          continue;
        }
        taken.push(q);
        n += q.segments.size;
      }
      if (n < config.batchSize) {
        // Stale deliveries went; the rest wait for more.
        queue.unshift(...taken);
        queued += n;
        return null;
      }
      parts.length = 0;
      for (const q of taken) parts.push(q.segments);
      const vb = buildVtraceBatch(policy, value, parts, config, vtraceWs);
      for (const q of taken) {
        const s = q.segments;
        for (let e = 0; e + 1 < s.bounds.length; e++) {
          const lag = Math.max(0, version - (s.policyVersions[e] as number));
          while (lagHistogram.length <= lag) lagHistogram.push(0);
          lagHistogram[lag] =
            (lagHistogram[lag] as number) + (s.bounds[e + 1] as number) - (s.bounds[e] as number);
        }
      }
      const summary = update(vb.batch);
      // After the update, so that this batch was normalised as its behaviour normalised it.
      for (const q of taken) policy.updateNormalizer(q.segments.observations, q.segments.size);
      version += 1;
      transitions += n;
      return {
        ...summary,
        raw: {
          ...summary.raw,
          vtraceClipped: vb.clipped,
          vtraceMeanRho: vb.meanRho,
          batchTransitions: n,
        },
      };
    },

    snapshot(): PolicySnapshot {
      const nm = policy.normalizer;
      return {
        version,
        identity,
        policyParams: policy.params.slice(),
        normalizerMean: nm.mean.slice(),
        normalizerVar: nm.var.slice(),
        normalizerCount: nm.count,
      };
    },

    stats(): OffPolicyLearnerStats {
      return {
        transitions,
        updates: version,
        droppedStale,
        refused,
        droppedFull,
        queuedTransitions: queued,
        lagP50: histogramQuantile(lagHistogram, 0.5),
        lagP99: histogramQuantile(lagHistogram, 0.99),
      };
    },

    exportState(): OffPolicyLearnerState {
      return {
        version,
        transitions,
        droppedStale,
        refused,
        droppedFull,
        lagHistogram: lagHistogram.slice(),
        valueOptimizer: context.valueOptimizer.getState(),
        policyOptimizer: context.policyOptimizer ? context.policyOptimizer.getState() : null,
        rng: context.rng.getState(),
      };
    },

    restoreState(state: OffPolicyLearnerState): void {
      for (const key of [
        'version',
        'transitions',
        'droppedStale',
        'refused',
        'droppedFull',
      ] as const) {
        if (!Number.isInteger(state[key]) || state[key] < 0)
          throw new Error(
            `OffPolicyLearner.restoreState: ${key} ${state[key]} is not a non-negative integer`,
          );
      }
      context.valueOptimizer.setState(state.valueOptimizer);
      if (state.policyOptimizer && context.policyOptimizer)
        context.policyOptimizer.setState(state.policyOptimizer);
      context.rng.setState(state.rng);
      version = state.version;
      transitions = state.transitions;
      droppedStale = state.droppedStale;
      refused = state.refused;
      droppedFull = state.droppedFull;
      lagHistogram = state.lagHistogram.slice();
    },
  };
  return learner;
}
