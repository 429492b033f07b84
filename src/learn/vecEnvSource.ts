/**
 * The simulation source of the learning seam: a vectorised env stepped by the current Gaussian
 * policy. Each `next()` collects nSteps × numEnvs transitions with collectRollouts (one batched
 * policy and value forward per step, the normaliser updated as the policy acts) and delivers them
 * as per-environment segments (segments.ts), ending TERMINATED, TRUNCATED or CUT at the rollout's
 * end.
 *
 * On-policy extras. The delivery also carries the filled RolloutStorage and the rollout's result
 * (`onPolicy`). The on-policy runner forms GAE from them, not from the segments, because that is
 * what keeps `train` bit-identical: the storage holds V(s_t) and V(final obs) computed while
 * collecting, with the normaliser statistics of THAT step (they move every step), in float32 as the
 * update reads them. Recomputing them from the raw segments afterwards would use the end-of-rollout
 * statistics and give different numbers. An off-policy learner reads only the segments.
 */
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';
import type { TaskSpec, VecEnv } from './env.js';
import { collectRollouts, startRollouts } from './rollout.js';
import type { RolloutCursor, RolloutResult } from './rollout.js';
import { RolloutRecorder, segmentsFromRollout } from './segments.js';
import { RolloutStorage } from './storage.js';
import type {
  ExperienceIdentity,
  TransitionDelivery,
  TransitionSource,
} from './transitionSource.js';

/** What a simulation delivery adds for an on-policy learner (see the module comment). */
export interface OnPolicyExtras {
  /** The rollout as collected (normalised obs, V(s), bootstrap values, log π), GAE not yet formed. */
  readonly storage: RolloutStorage;
  /** Steps, finished episodes' statistics, V(s_T) for GAE, clipped actions. */
  readonly rollout: RolloutResult;
}

export interface OnPolicyDelivery extends TransitionDelivery {
  readonly onPolicy: OnPolicyExtras;
}

/** A source whose deliveries carry on-policy extras (VecEnvSource, or a wrapper around it). */
export interface OnPolicySource extends TransitionSource {
  next(): Promise<OnPolicyDelivery | null>;
}

export interface VecEnvSourceOptions {
  readonly vecEnv: VecEnv;
  readonly policy: GaussianPolicy;
  /** Critic whose V(s) the storage keeps for GAE. */
  readonly value: ValueNetwork;
  /** Steps per environment per delivery (SB3 n_steps). */
  readonly nSteps: number;
  /** The action-noise stream. */
  readonly rng: Random;
  /** Where collection stands (restoreCursor on resume); absent: call `reset(seed)` first. */
  readonly cursor?: RolloutCursor;
  /** Version of the policy's parameters at each delivery (default 0). */
  readonly policyVersion?: () => number;
  /** Who sends the deliveries (default 'local'). */
  readonly origin?: string;
  /** Identity of the experience (default experienceIdentity(vecEnv.spec)). */
  readonly identity?: ExperienceIdentity;
  /**
   * Run `value` while collecting (default true). false for a source whose learner reads only the
   * segments (an actor): the storage's V(s) and bootstrap values are then 0 (CollectOptions.critic).
   */
  readonly critic?: boolean;
}

/** JSON with object keys sorted at every level (one text per value, whatever the key order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/**
 * The identity of experience collected on `spec`: robot name and model hash ('' on a spec without
 * a robot), task name, its parameters as canonical JSON ('' without), joints and sizes.
 */
export function experienceIdentity(spec: TaskSpec): ExperienceIdentity {
  return {
    robotName: spec.robot?.name ?? '',
    modelHash: spec.robot?.modelHash ?? '',
    task: spec.name,
    taskParams: spec.taskParams !== undefined ? canonicalJson(spec.taskParams) : '',
    jointNames: [...spec.jointNames],
    obsSize: spec.obsSize,
    actionSize: spec.actionSize,
  };
}

/** The simulation TransitionSource (see the module comment). */
export class VecEnvSource implements OnPolicySource {
  readonly kind = 'simulation' as const;
  readonly vecEnv: VecEnv;
  readonly identity: ExperienceIdentity;
  readonly origin: string;
  readonly #options: VecEnvSourceOptions;
  readonly #storage: RolloutStorage;
  readonly #recorder: RolloutRecorder;
  #cursor: RolloutCursor | undefined;
  #sequence = 0;
  #closed = false;

  constructor(options: VecEnvSourceOptions) {
    const { vecEnv, policy, nSteps } = options;
    const spec = vecEnv.spec;
    if (spec.obsSize !== policy.obsSize || spec.actionSize !== policy.actionSize)
      throw new Error(
        `VecEnvSource: env '${spec.name}' has obsSize ${spec.obsSize}, actionSize ${spec.actionSize}; policy expects ${policy.obsSize}, ${policy.actionSize}`,
      );
    this.vecEnv = vecEnv;
    this.#options = options;
    this.#cursor = options.cursor;
    this.identity = options.identity ?? experienceIdentity(spec);
    this.origin = options.origin ?? 'local';
    this.#storage = new RolloutStorage({
      numSteps: nSteps,
      numEnvs: vecEnv.numEnvs,
      obsSize: spec.obsSize,
      actionSize: spec.actionSize,
    });
    this.#recorder = new RolloutRecorder(nSteps, vecEnv.numEnvs, spec.obsSize, spec.actionSize);
  }

  /** Reset every environment (env i seeded from `seed` and i) and start collecting afresh. */
  async reset(seed: number): Promise<void> {
    this.#cursor = await startRollouts(this.vecEnv, seed);
  }

  /** Where collection stands (checkpointed by the runner). */
  get cursor(): RolloutCursor {
    if (!this.#cursor)
      throw new Error('VecEnvSource.cursor: no rollout cursor yet (call reset(seed) or set one)');
    return this.#cursor;
  }

  /** Continue from a restored cursor (resume; the envs' states are restored by the caller). */
  set cursor(cursor: RolloutCursor) {
    this.#cursor = cursor;
  }

  /** Deliveries made so far. */
  get sequence(): number {
    return this.#sequence;
  }

  /**
   * Collect one rollout with the policy as it is now. The delivery's storage and segments stay
   * valid until the next call (the storage is reused; the segments are fresh copies).
   */
  async next(): Promise<OnPolicyDelivery | null> {
    if (this.#closed) return null;
    const o = this.#options;
    this.#storage.clear();
    const rollout = await collectRollouts(
      o.vecEnv,
      o.policy,
      o.value,
      this.#storage,
      o.rng,
      o.nSteps,
      this.cursor,
      { recorder: this.#recorder, critic: o.critic ?? true },
    );
    const segments = segmentsFromRollout(this.#recorder.record, o.policyVersion?.() ?? 0);
    const sequence = this.#sequence;
    this.#sequence += 1;
    return {
      segments,
      identity: this.identity,
      origin: this.origin,
      sequence,
      onPolicy: { storage: this.#storage, rollout },
    };
  }

  /** Close the vectorised env (its worker threads). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.vecEnv.close();
  }
}
