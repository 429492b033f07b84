/**
 * The bag source of the learning seam: rosbag2 MCAP episode bags, read in order through
 * BagEpisodeReader (streaming, damaged files yield the episodes before the damage), delivered as
 * `TrajectorySegments` with one segment per complete episode. It implements src/learn's
 * `TransitionSource` from above (replay imports learn, never the reverse).
 *
 * An episode's segment ends TERMINATED when its last step reached a terminal state, TRUNCATED when
 * the time limit cut it (bootstrap V of the final observation), CUT otherwise. Steps recorded with
 * the behaviour's mean action keep their `deterministic` flag (and their NaN log-prob): no density,
 * so an importance-weighting learner must refuse or skip them. Bags carry no policy version: 0.
 *
 * Identity: task, joints and sizes from the episodes (the Transition messages); robot name, model
 * hash and task parameters from the bag's metadata.yaml custom_data (`torquepilot.robot_name`,
 * `torquepilot.model_hash`, `torquepilot.task_params`) when a recorder wrote them, else from the
 * `identity` option, else ''.
 */
import {
  allocateSegments,
  SEGMENT_CUT,
  SEGMENT_TERMINATED,
  SEGMENT_TRUNCATED,
} from '../learn/index.js';
import type {
  ExperienceIdentity,
  SegmentEnd,
  TrajectorySegments,
  TransitionDelivery,
  TransitionSource,
} from '../learn/index.js';
import { BagEpisodeReader } from './bagEpisodeReader.js';
import type { BagReadReport } from './bagEpisodeReader.js';
import type { BagTopics, Episode } from './types.js';

/**
 * The bag metadata.yaml custom_data keys that carry the recording's robot and task identity (read
 * back by BagTransitionSource), from the identity of the experience being recorded.
 */
export function bagIdentityCustomData(
  identity: Pick<ExperienceIdentity, 'robotName' | 'modelHash' | 'taskParams'>,
): Record<string, string> {
  return {
    'torquepilot.robot_name': identity.robotName,
    'torquepilot.model_hash': identity.modelHash,
    'torquepilot.task_params': identity.taskParams,
  };
}

/** Identity fields an episode does not carry. */
export type BagIdentityDefaults = Partial<
  Pick<ExperienceIdentity, 'robotName' | 'modelHash' | 'taskParams'>
>;

export interface BagTransitionSourceOptions {
  /** Bag directories (or .mcap files), read in this order. */
  readonly bags: readonly string[];
  readonly topics?: Partial<BagTopics>;
  /**
   * Whole episodes of one bag per delivery, up to this many transitions (always at least one
   * episode). Default 0: one episode per delivery.
   */
  readonly maxTransitions?: number;
  /** Identity fields the bags' metadata does not record. */
  readonly identity?: BagIdentityDefaults;
  /** Called when a bag is opened, before any of its episodes is delivered (to check its metadata). */
  readonly onBagOpen?: (bag: BagOpened) => void;
  /** Called when a bag has been read to its end, with what the pass found. */
  readonly onBagRead?: (report: BagReadReport) => void;
}

/** A bag as opened: its path and its metadata.yaml custom_data ({} without metadata). */
export interface BagOpened {
  readonly path: string;
  readonly customData: Readonly<Record<string, string>>;
}

/** Where segment e of a bag delivery came from. */
export interface BagEpisodeInfo {
  /** Episode index in its bag. */
  readonly episodeIndex: number;
  /** Behaviour checkpoint id the episode was recorded with. */
  readonly checkpointId: string;
}

/** A delivery of the bag source: `origin` is the bag's path, `sequence` counts its deliveries. */
export interface BagDelivery extends TransitionDelivery {
  /** Per segment (Shape: (E)). */
  readonly episodes: readonly BagEpisodeInfo[];
}

/** A source of bag deliveries (BagTransitionSource, or a wrapper around it). */
export interface BagSource extends TransitionSource {
  next(): Promise<BagDelivery | null>;
  /** Reports of the bags read to their end so far, in order. */
  reports(): readonly BagReadReport[];
}

/** Concatenate complete episodes into segments, one per episode (see the module comment). */
export function segmentsFromEpisodes(
  episodes: readonly Episode[],
  policyVersion = 0,
): TrajectorySegments {
  const first = episodes[0];
  if (!first) throw new Error('segmentsFromEpisodes: no episodes');
  const D = first.obsSize;
  const A = first.actionSize;
  let n = 0;
  for (const ep of episodes) {
    if (ep.obsSize !== D || ep.actionSize !== A)
      throw new Error(
        `segmentsFromEpisodes: episode ${ep.episodeIndex} of ${ep.source} has obs ${ep.obsSize}, actions ${ep.actionSize}; the first has ${D}, ${A}`,
      );
    n += ep.length;
  }
  const E = episodes.length;
  const out = { ...allocateSegments(n, E, D, A), deterministic: new Uint8Array(n) };
  let row = 0;
  episodes.forEach((ep, e) => {
    out.observations.set(ep.observations.subarray(0, ep.length * D), row * D);
    out.actions.set(ep.actions.subarray(0, ep.length * A), row * A);
    out.behaviourMeans.set(ep.means.subarray(0, ep.length * A), row * A);
    out.behaviourLogStds.set(ep.logStds.subarray(0, ep.length * A), row * A);
    out.rewards.set(ep.rewards.subarray(0, ep.length), row);
    out.behaviourLogProbs.set(ep.behaviourLogProbs.subarray(0, ep.length), row);
    out.deterministic.set(ep.deterministic.subarray(0, ep.length), row);
    out.finalObservations.set(ep.finalObservation.subarray(0, D), e * D);
    const end: SegmentEnd = ep.terminated
      ? SEGMENT_TERMINATED
      : ep.truncated
        ? SEGMENT_TRUNCATED
        : SEGMENT_CUT;
    out.segmentEnds[e] = end;
    row += ep.length;
    out.bounds[e + 1] = row;
  });
  out.policyVersions.fill(policyVersion);
  return out;
}

/** The bag TransitionSource (see the module comment). */
export class BagTransitionSource implements BagSource {
  readonly kind = 'bag' as const;
  readonly #options: BagTransitionSourceOptions;
  readonly #reports: BagReadReport[] = [];
  readonly #deliveries: AsyncGenerator<BagDelivery>;
  #closed = false;

  constructor(options: BagTransitionSourceOptions) {
    const max = options.maxTransitions ?? 0;
    if (!Number.isInteger(max) || max < 0)
      throw new Error(
        `BagTransitionSource: maxTransitions must be a non-negative integer, got ${max}`,
      );
    this.#options = options;
    this.#deliveries = this.#read();
  }

  reports(): readonly BagReadReport[] {
    return [...this.#reports];
  }

  async next(): Promise<BagDelivery | null> {
    if (this.#closed) return null;
    const r = await this.#deliveries.next();
    return r.done === true ? null : r.value;
  }

  /** Stop reading (closes the open file). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#deliveries.return(undefined);
  }

  async *#read(): AsyncGenerator<BagDelivery> {
    const o = this.#options;
    const max = o.maxTransitions ?? 0;
    for (const bag of o.bags) {
      const reader = await BagEpisodeReader.open(bag, o.topics ? { topics: o.topics } : {});
      const custom = reader.metadata?.rosbag2_bagfile_information.custom_data ?? {};
      o.onBagOpen?.({ path: reader.path, customData: custom });
      let group: Episode[] = [];
      let size = 0;
      let sequence = 0;
      for await (const ep of reader.episodes()) {
        // A delivery has one identity: a change of task starts a new one.
        if (group.length > 0 && (size + ep.length > max || ep.task !== group[0]?.task)) {
          yield this.#delivery(reader.path, custom, group, sequence++);
          group = [];
          size = 0;
        }
        group.push(ep);
        size += ep.length;
      }
      if (group.length > 0) yield this.#delivery(reader.path, custom, group, sequence++);
      const report = reader.report();
      this.#reports.push(report);
      o.onBagRead?.(report);
    }
  }

  #delivery(
    path: string,
    custom: Readonly<Record<string, string>>,
    episodes: readonly Episode[],
    sequence: number,
  ): BagDelivery {
    const ep = episodes[0] as Episode;
    const d = this.#options.identity ?? {};
    return {
      segments: segmentsFromEpisodes(episodes),
      identity: {
        robotName: custom['torquepilot.robot_name'] ?? d.robotName ?? '',
        modelHash: custom['torquepilot.model_hash'] ?? d.modelHash ?? '',
        task: ep.task,
        taskParams: custom['torquepilot.task_params'] ?? d.taskParams ?? '',
        jointNames: ep.jointNames,
        obsSize: ep.obsSize,
        actionSize: ep.actionSize,
      },
      origin: path,
      sequence,
      episodes: episodes.map((e) => ({
        episodeIndex: e.episodeIndex,
        checkpointId: e.checkpointId,
      })),
    };
  }
}
