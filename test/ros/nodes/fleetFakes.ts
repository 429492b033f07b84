/**
 * In-process stand-ins for the fleet node tests: a RawTopicNode bus (QoS: transient-local
 * publishers keep their last `depth` messages for late transient-local subscribers, as DDS does)
 * and a minimal OffPolicyLearner (queues whole deliveries, one "update" per batch, no math) so
 * that the nodes' plumbing is tested without the real learner.
 */
import { identityDifference } from '../../../src/learn/index.js';
import type {
  ExperienceIdentity,
  OffPolicyLearner,
  OffPolicyLearnerStats,
  OfferOutcome,
  PolicySnapshot,
  TransitionDelivery,
  UpdateSummary,
} from '../../../src/learn/index.js';
import type { GaussianPolicy } from '../../../src/policy/index.js';
import { Random } from '../../../src/util/index.js';
import type {
  NodeLogger,
  RawPublisher,
  RawQos,
  RawTopicNode,
} from '../../../src/ros/transport/index.js';

interface Subscriber {
  readonly qos: RawQos;
  readonly callback: (bytes: Uint8Array) => void;
}

export class RawBus {
  readonly #subs = new Map<string, Set<Subscriber>>();
  readonly #latched = new Map<string, Uint8Array[]>();
  /** Messages published per topic. */
  readonly published = new Map<string, number>();

  node(name: string, logger: NodeLogger & { lines?: string[] } = recordingLogger()): RawTopicNode {
    return {
      name,
      logger,
      now: () => process.hrtime.bigint(),
      createRawPublisher: (_type: string, topic: string, qos: RawQos): RawPublisher => ({
        topic,
        publish: (bytes) => {
          const copy = new Uint8Array(bytes);
          this.published.set(topic, (this.published.get(topic) ?? 0) + 1);
          if (qos.durability === 'transient_local') {
            const kept = [...(this.#latched.get(topic) ?? []), copy].slice(-qos.depth);
            this.#latched.set(topic, kept);
          }
          for (const s of this.#subs.get(topic) ?? []) s.callback(copy);
        },
        subscriptionCount: () => this.#subs.get(topic)?.size ?? 0,
      }),
      createRawSubscription: (_type, topic, qos, callback) => {
        const sub: Subscriber = { qos, callback };
        const set = this.#subs.get(topic) ?? new Set<Subscriber>();
        set.add(sub);
        this.#subs.set(topic, set);
        if (qos.durability === 'transient_local')
          for (const m of (this.#latched.get(topic) ?? []).slice(-qos.depth)) callback(m);
        return { dispose: () => set.delete(sub) };
      },
    };
  }
}

export function recordingLogger(): NodeLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

/** Queues deliveries; one update per batch of at least `batchSize` transitions; no math. */
export class MinimalLearner implements OffPolicyLearner {
  version: number;
  lastRefusal: string | null = null;
  readonly offered: TransitionDelivery[] = [];
  readonly #queue: TransitionDelivery[] = [];
  #transitions = 0;
  #stale = 0;
  #refused = 0;
  readonly #lags: number[] = [];

  constructor(
    readonly policy: GaussianPolicy,
    readonly identity: ExperienceIdentity,
    readonly batchSize: number,
    readonly maxLag = 20,
    startVersion = 0,
  ) {
    this.version = startVersion;
  }

  offer(d: TransitionDelivery): OfferOutcome {
    this.offered.push(d);
    const mismatch = identityDifference(this.identity, d.identity);
    if (mismatch !== null) {
      this.#refused++;
      this.lastRefusal = mismatch;
      return 'refused';
    }
    const oldest = Math.min(...d.segments.policyVersions);
    if (this.version - oldest > this.maxLag) {
      this.#stale++;
      return 'stale';
    }
    this.#queue.push(d);
    return 'queued';
  }

  #queued(): number {
    return this.#queue.reduce((n, d) => n + d.segments.size, 0);
  }

  step(): UpdateSummary | null {
    if (this.#queued() < this.batchSize) return null;
    // Whole deliveries, oldest first, until a batch is reached (as the real learner takes them).
    let taken = 0;
    while (taken < this.batchSize) {
      const d = this.#queue.shift() as TransitionDelivery;
      taken += d.segments.size;
      this.#transitions += d.segments.size;
      for (const v of d.segments.policyVersions) this.#lags.push(this.version - v);
    }
    this.version++;
    return {
      kl: 0.001,
      entropy: 1,
      valueLoss: 0.5,
      explainedVariance: null,
      lineSearchAccepted: null,
      lineSearchSteps: null,
      raw: {},
    };
  }

  snapshot(): PolicySnapshot {
    const n = this.policy.normalizer.getState();
    return {
      version: this.version,
      identity: this.identity,
      policyParams: Float32Array.from(this.policy.params),
      normalizerMean: Float64Array.from(n.mean),
      normalizerVar: Float64Array.from(n.var),
      normalizerCount: n.count,
    };
  }

  stats(): OffPolicyLearnerStats {
    const lags = [...this.#lags].sort((a, b) => a - b);
    const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? 0;
    return {
      transitions: this.#transitions,
      updates: this.version,
      droppedStale: this.#stale,
      refused: this.#refused,
      droppedFull: 0,
      queuedTransitions: this.#queued(),
      lagP50: q(0.5),
      lagP99: q(0.99),
    };
  }
}

export const IDENTITY: ExperienceIdentity = {
  robotName: 'arm2',
  modelHash: 'ab'.repeat(32),
  task: 'reacher-2dof',
  taskParams: '{"kind":"reach"}',
  jointNames: ['shoulder', 'elbow'],
  obsSize: 3,
  actionSize: 2,
};

/** Two segments (3 + 2 rows) with awkward values; deterministic rows get NaN log μ. */
export function sampleDelivery(sequence = 7, seed = 1): TransitionDelivery {
  const rng = new Random(seed);
  const n = 5;
  const D = IDENTITY.obsSize;
  const A = IDENTITY.actionSize;
  const fill = (len: number) => Float64Array.from({ length: len }, () => rng.normal() * 1e3);
  const observations = fill(n * D);
  observations[0] = -0;
  observations[1] = Number.MIN_VALUE;
  observations[2] = Number.MAX_VALUE;
  const behaviourLogProbs = fill(n);
  return {
    segments: {
      size: n,
      obsSize: D,
      actionSize: A,
      observations,
      actions: fill(n * A),
      rewards: fill(n),
      behaviourLogProbs,
      behaviourMeans: fill(n * A),
      behaviourLogStds: fill(n * A),
      bounds: Int32Array.from([0, 3, 5]),
      segmentEnds: Uint8Array.from([1, 3]),
      finalObservations: fill(2 * D),
      policyVersions: Uint32Array.from([4, 0xffffffff]),
    },
    identity: IDENTITY,
    origin: 'host-123',
    sequence,
  };
}
