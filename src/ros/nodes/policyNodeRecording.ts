/**
 * What the policy node does with the steps it acted on besides commanding the robot: the episode
 * segmentation (episodeSegmenter.ts) feeding its sinks — the bag writer (`record_path`) and, in
 * explore mode, the fleet's chunk publisher (`chunk_topic`: the node is an actor of issue 17) —
 * and the learner's parameters (`follow_parameters`), applied only where an episode ends.
 *
 * Lifetimes: the parameter subscription from configure to cleanup (a latched snapshot waits for
 * the first episode); segmentation and sinks from activate to deactivate (one bag per activation,
 * one chunk sequence per node). An activation starts an episode, so a waiting snapshot is applied
 * there; so is it at every boundary the node hears (episode topic, target change) and at every
 * episode the segmentation ends (the length cap).
 */
import type { ControlStep, LoadedDeployment } from '../control/index.js';
import type {
  JointStateMessage,
  ParameterValue,
  RawPublisher,
  RawTopicNode,
  TransportNode,
} from '../transport/index.js';
import { TRANSITION_CHUNK_TYPE } from '../transport/index.js';
import { ChunkEpisodeSink } from './chunkPublisher.js';
import type { ChunkSinkStats } from './chunkPublisher.js';
import { EpisodeSegmenter } from './episodeSegmenter.js';
import type { EpisodeSink } from './episodeSegmenter.js';
import { ParameterFollower } from './parameterFollower.js';
import type { ParameterFollowerStats } from './parameterFollower.js';
import type { RecorderFactory, RecordingInfo } from './policyNodeTypes.js';
import { FLEET_QOS, FLEET_TOPICS } from './topicTransitionSource.js';

export interface PolicyNodeRecordingStats {
  /** Chunks of the current or last activation with chunk_topic set (null: never). */
  readonly chunks: ChunkSinkStats | null;
  /** The learner's parameters (null: not following). */
  readonly follower: ParameterFollowerStats | null;
}

export class PolicyNodeRecording {
  readonly #node: TransportNode;
  readonly #factory: RecorderFactory | undefined;
  readonly #rawTopics: () => RawTopicNode;
  #raw: RawTopicNode | null = null;
  /** Chunk publishers by topic: raw publishers live as long as the node. */
  readonly #chunkPublishers = new Map<string, RawPublisher>();
  #segmenter: EpisodeSegmenter | null = null;
  #chunkSink: ChunkEpisodeSink | null = null;
  #lastChunkStats: ChunkSinkStats | null = null;
  #follower: ParameterFollower | null = null;
  #deployment: LoadedDeployment | null = null;
  readonly #closed: Promise<void>[] = [];

  constructor(
    node: TransportNode,
    factory: RecorderFactory | undefined,
    rawTopics: (() => RawTopicNode) | undefined,
  ) {
    this.#node = node;
    this.#factory = factory;
    this.#rawTopics = rawTopics ?? (() => transportRawTopics(node));
  }

  get recording(): boolean {
    return this.#segmenter !== null;
  }

  /** The version of the policy acting now: the learner's when following, else the checkpoint's. */
  get policyVersion(): number {
    return this.#follower?.version ?? this.#deployment?.policyVersion ?? 0;
  }

  stats(): PolicyNodeRecordingStats {
    return {
      chunks: this.#chunkSink?.stats() ?? this.#lastChunkStats,
      follower: this.#follower?.stats() ?? null,
    };
  }

  /** On configure: follow the learner when follow_parameters is set. */
  configure(deployment: LoadedDeployment, param: (name: string) => ParameterValue): void {
    this.#deployment = deployment;
    if (param('follow_parameters') !== true) return;
    const name = this.#node.name;
    const identity = requireIdentity(deployment, 'follow_parameters');
    const follower = new ParameterFollower({
      identity,
      policy: deployment.policy,
      initialVersion: deployment.policyVersion ?? 0,
      logger: this.#node.logger,
      name,
    });
    follower.listen((this.#raw ??= this.#rawTopics()));
    this.#follower = follower;
    this.#node.logger.warn(
      param('mode') === 'real'
        ? `${name}: real mode, follow_parameters enabled: the learner's parameters replace the policy at episode boundaries only (an episode-topic signal, a new target, or the episode_max_steps cap); the safety layer applies to every version`
        : `${name}: following the learner's parameters on ${FLEET_TOPICS.parameters}, applied at episode boundaries`,
    );
  }

  /** On activate: start segmenting into the configured sinks (bag, chunks), if any. */
  open(control: ControlStep, param: (name: string) => ParameterValue): void {
    const deployment = control.deployment;
    const { description, policy } = deployment;
    const info: RecordingInfo = {
      task: description.task,
      jointNames: description.jointNames,
      checkpointId: policy.checkpointId,
      commandTopic: description.commandTopic,
      jointStatesTopic: description.jointStatesTopic,
      maxEpisodeSteps: param('episode_max_steps') as number,
      ...(deployment.identity !== undefined ? { identity: deployment.identity } : {}),
    };
    const recordPath = param('record_path') as string;
    const chunkTopic = param('chunk_topic') as string;
    // A new activation starts a new episode: the newest snapshot acts from its first step.
    this.#follower?.atBoundary();
    if (recordPath === '' && chunkTopic === '') return;
    const factory = this.#factory;
    if (factory === undefined && recordPath !== '')
      throw new Error(`record_path '${recordPath}' set but this build has no episode recorder`);
    const maxSteps =
      factory?.maxSteps(info) ?? (info.maxEpisodeSteps > 0 ? info.maxEpisodeSteps : 0);
    if (maxSteps < 1)
      throw new Error(
        `chunk_topic '${chunkTopic}': set episode_max_steps (this build does not know the task's horizon)`,
      );
    const sinks: EpisodeSink[] = [];
    if (recordPath !== '' && factory !== undefined) sinks.push(factory.bag(recordPath, info));
    if (chunkTopic !== '') {
      const actorId = param('actor_id') as string;
      this.#chunkSink = new ChunkEpisodeSink({
        publisher: this.#chunkPublisher(chunkTopic),
        identity: requireIdentity(deployment, 'chunk_topic'),
        actorId: actorId !== '' ? actorId : this.#node.name,
        firstSequence: this.#lastChunkStats?.nextSequence ?? 0,
        logger: this.#node.logger,
        name: this.#node.name,
        now: () => this.#node.now(),
      });
      sinks.push(this.#chunkSink);
    }
    this.#segmenter = new EpisodeSegmenter({
      sinks,
      maxSteps,
      logger: this.#node.logger,
      jointNames: description.jointNames,
      ...(this.#follower !== null ? { onEpisodeEnd: () => this.#follower?.atBoundary() } : {}),
    });
  }

  /**
   * An episode boundary: the episode ended at `stampNs` (joint states' clock; 0 = now) for
   * `reason` ('reset', 'horizon', 'operator', 'target', ...). A waiting snapshot applies now.
   */
  boundary(stampNs: bigint, reason: string): void {
    this.#segmenter?.boundary(stampNs, reason);
    this.#follower?.atBoundary();
  }

  /**
   * Record the step a tick made from `state` (arrays are the control path's, reused): the
   * behaviour's log σ and log-prob, or the deterministic flag when it took the mean, and the
   * version that acted.
   */
  recordTick(
    stampNs: bigint,
    state: JointStateMessage,
    control: ControlStep,
    logProb: number,
    command: Float64Array,
  ): void {
    const segmenter = this.#segmenter;
    if (segmenter === null) return;
    const { policy, observation } = control.deployment;
    segmenter.recordStep({
      stampNs,
      jointState: state,
      observation: control.observation,
      action: control.action,
      mean: policy.mean,
      logStd: control.behaviour.logStd,
      logProb,
      deterministic: !control.behaviour.explore,
      reward: observation.reward?.(control.action) ?? NaN,
      command,
      policyVersion: this.policyVersion,
    });
  }

  /** Finish the activation's episodes (deactivate, cleanup, error); a failure is logged. */
  close(): void {
    const segmenter = this.#segmenter;
    if (segmenter === null) return;
    this.#segmenter = null;
    const sink = this.#chunkSink;
    this.#chunkSink = null;
    const done = segmenter.close();
    // The sink numbers the chunks it still sends: the next activation goes on from there.
    this.#closed.push(
      sink === null ? done : done.then(() => void (this.#lastChunkStats = sink.stats())),
    );
  }

  /** Cleanup: close, stop following. */
  cleanup(): void {
    this.close();
    this.#follower?.dispose();
    this.#follower = null;
    this.#deployment = null;
  }

  /** Resolves when every recording closed so far is written and sent. */
  async closed(): Promise<void> {
    await Promise.all(this.#closed);
  }

  #chunkPublisher(topic: string): RawPublisher {
    let pub = this.#chunkPublishers.get(topic);
    if (pub === undefined) {
      pub = (this.#raw ??= this.#rawTopics()).createRawPublisher(
        TRANSITION_CHUNK_TYPE,
        topic,
        FLEET_QOS.chunksOut,
      );
      this.#chunkPublishers.set(topic, pub);
    }
    return pub;
  }
}

function requireIdentity(deployment: LoadedDeployment, parameter: string) {
  if (deployment.identity === undefined)
    throw new Error(
      `${parameter}: checkpoint '${deployment.policy.checkpointId}' has no robot and task identity in this deployment`,
    );
  return deployment.identity;
}

/** The transport node's serialized-message endpoints (rclnodejs nodes have them). */
function transportRawTopics(node: TransportNode): RawTopicNode {
  if (node.rawTopics === undefined)
    throw new Error(
      `${node.name}: chunk_topic and follow_parameters need serialized-message endpoints, which this transport has not`,
    );
  return node.rawTopics();
}
