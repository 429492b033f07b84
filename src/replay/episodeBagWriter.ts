/**
 * EpisodeBagWriter: writes episodes, one control step at a time, as an MCAP file in rosbag2's
 * `ros2` profile (Foxglove mcap docs/specification/profiles/ros2.md): profile "ros2", schemas in
 * `ros2msg` encoding with the full definition text, `cdr` messages, and `offered_qos_profiles`
 * channel metadata. Three topics: /joint_states, the effort command topic, and one
 * torquepilot_msgs/msg/Transition per step.
 *
 * The core imports nothing from `node:`: it writes through @mcap/core's IWritable, so the same class
 * writes to a file (NodeFileWritable) or to memory (tests). `bagMetadataYaml(writer.summary())`
 * gives the directory's metadata.yaml; EpisodeRecorder (node) does both.
 *
 * NOTE: as with McapWriter, await each call before making the next.
 */
import { McapWriter } from '@mcap/core';
import type { IWritable } from '@mcap/core';
import {
  DEFAULT_QOS,
  ROSBAG2_METADATA_VERSION,
  bagMetadataYaml,
  offeredQosProfilesYaml,
} from './bagMetadata.js';
import type { BagMetadataInput, BagTopicInfo } from './bagMetadata.js';
import { EpisodeMessageCodec, f64 } from './episodeMessages.js';
import {
  FLOAT64_MULTI_ARRAY_TYPE,
  JOINT_STATE_TYPE,
  TRANSITION_TYPE,
  schemaText,
} from './messageDefinitions.js';
import { DEFAULT_TOPICS } from './types.js';
import type { BagTopics, RecordedStep } from './types.js';

/** Version of the torquepilot episode layout inside the bag (custom_data `torquepilot.format`). */
/** 2: Transition has `deterministic` (issue 16); format-1 bags still read (episodeMessages.ts). */
export const EPISODE_FORMAT_VERSION = '2';

export interface EpisodeBagWriterOptions {
  /** Where the MCAP bytes go. */
  readonly writable: IWritable;
  /** File name recorded in metadata.yaml (`<bag dir name>_0.mcap`, as rosbag2 names it). */
  readonly fileName: string;
  /** Task name (models/<task>/). */
  readonly task: string;
  /** Commanded joints in the robot description's order. Shape: (actionSize). */
  readonly jointNames: readonly string[];
  /** Behaviour policy's checkpoint id. */
  readonly checkpointId: string;
  /** Observation length. */
  readonly obsSize: number;
  /** Topic names (default DEFAULT_TOPICS). */
  readonly topics?: Partial<BagTopics>;
  /** MCAP chunk size in bytes (rosbag2_storage_mcap default 768 KiB). */
  readonly chunkSize?: number;
  /** ROS distribution name written to metadata (default '': recorded without ROS). */
  readonly rosDistro?: string;
  /** Extra custom_data string pairs for metadata.yaml. */
  readonly customData?: Readonly<Record<string, string>>;
}

/** The empty array field (no effort, no final observation): the codec only reads it. */
const EMPTY = new Float64Array(0);

/** Library string in the MCAP header. */
export const MCAP_LIBRARY = 'torquepilot-replay/1 (@mcap/core)';

export class EpisodeBagWriter {
  readonly topics: BagTopics;
  readonly fileName: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly checkpointId: string;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly #mcap: McapWriter;
  readonly #codec = new EpisodeMessageCodec();
  readonly #channel: { jointStates: number; command: number; transition: number };
  readonly #counts = new Map<string, number>();
  readonly #rosDistro: string;
  readonly #customData: Readonly<Record<string, string>>;
  #sequence = 0;
  #start: bigint | undefined;
  #end = 0n;
  #lastEpisode = -1;
  #lastStep = -1;
  #episodeOpen = false;
  #completeEpisodes = 0;
  #incompleteEpisodes = 0;
  #deterministicSteps = 0;
  #ended = false;

  private constructor(
    options: EpisodeBagWriterOptions,
    mcap: McapWriter,
    channel: { jointStates: number; command: number; transition: number },
    topics: BagTopics,
  ) {
    const { fileName, task, jointNames, checkpointId, obsSize } = options;
    this.fileName = fileName;
    this.task = task;
    this.jointNames = Object.freeze([...jointNames]);
    this.checkpointId = checkpointId;
    this.obsSize = obsSize;
    this.actionSize = jointNames.length;
    this.topics = topics;
    this.#mcap = mcap;
    this.#channel = channel;
    this.#rosDistro = options.rosDistro ?? '';
    this.#customData = options.customData ?? {};
    for (const t of Object.values(topics) as string[]) this.#counts.set(t, 0);
  }

  /** Start the MCAP file: header, the three schemas and channels. */
  static async create(options: EpisodeBagWriterOptions): Promise<EpisodeBagWriter> {
    const topics: BagTopics = { ...DEFAULT_TOPICS, ...options.topics };
    if (new Set(Object.values(topics)).size !== 3) {
      throw new Error(
        `EpisodeBagWriter.create: topic names must be distinct, got ${JSON.stringify(topics)}`,
      );
    }
    if (options.jointNames.length === 0 || !(options.obsSize > 0)) {
      throw new Error(
        `EpisodeBagWriter.create: need at least one joint and obsSize > 0, got ${options.jointNames.length} joints, obsSize ${options.obsSize}`,
      );
    }
    const mcap = new McapWriter({
      writable: options.writable,
      chunkSize: options.chunkSize ?? 768 * 1024,
      useStatistics: true,
      useChunks: true,
      useChunkIndex: true,
      useMessageIndex: true,
      useSummaryOffsets: true,
    });
    await mcap.start({ profile: 'ros2', library: MCAP_LIBRARY });
    const qos = offeredQosProfilesYaml([DEFAULT_QOS]);
    const channel = async (topic: string, type: string): Promise<number> => {
      const schemaId = await mcap.registerSchema({
        name: type,
        encoding: 'ros2msg',
        data: new TextEncoder().encode(schemaText(type)),
      });
      return mcap.registerChannel({
        topic,
        schemaId,
        messageEncoding: 'cdr',
        metadata: new Map([['offered_qos_profiles', qos]]),
      });
    };
    const ids = {
      jointStates: await channel(topics.jointStates, JOINT_STATE_TYPE),
      command: await channel(topics.command, FLOAT64_MULTI_ARRAY_TYPE),
      transition: await channel(topics.transition, TRANSITION_TYPE),
    };
    return new EpisodeBagWriter(options, mcap, ids, topics);
  }

  /** Complete episodes written so far. */
  get completeEpisodes(): number {
    return this.#completeEpisodes;
  }

  /** Transitions written so far. */
  get transitions(): number {
    return this.#counts.get(this.topics.transition) ?? 0;
  }

  /**
   * Write one control step: the joint state and command (when given) and the transition, all
   * stamped `step.stampNs`. Steps of an episode must come in order 0, 1, 2, ...; a new episode index
   * must be larger than the last one (an episode left open is counted incomplete, and readers skip
   * it). The episode's last step (terminated or truncated) must carry `finalObservation`.
   */
  async writeStep(step: RecordedStep): Promise<void> {
    const where = `EpisodeBagWriter.writeStep(episode ${step.episodeIndex}, step ${step.stepIndex})`;
    if (this.#ended) throw new Error(`${where}: the writer has ended`);
    this.#checkOrder(step, where);
    const a = this.actionSize;
    checkLength(where, 'observation', step.observation, this.obsSize);
    checkLength(where, 'action', step.action, a);
    checkLength(where, 'mean', step.mean, a);
    checkLength(where, 'logStd', step.logStd, a);
    const last = step.terminated || step.truncated;
    if (last) {
      if (!step.finalObservation)
        throw new Error(`${where}: the last step of an episode needs finalObservation`);
      checkLength(where, 'finalObservation', step.finalObservation, this.obsSize);
    }
    const js = step.jointState;
    if (js) {
      checkLength(where, 'jointState.position', js.position, a);
      checkLength(where, 'jointState.velocity', js.velocity, a);
      if (js.effort && js.effort.length !== 0)
        checkLength(where, 'jointState.effort', js.effort, a);
    }
    if (step.command) checkLength(where, 'command', step.command, a);
    const deterministic = step.deterministic === true;
    if (!deterministic && !Number.isFinite(step.logProb)) {
      throw new Error(
        `${where}: a sampled step needs a finite logProb, got ${step.logProb} (flag a mean action deterministic)`,
      );
    }
    // All checks pass before the first byte of this step is written.
    const stamp = step.stampNs;
    if (js) {
      const data = this.#codec.encodeJointState({
        stampNs: stamp,
        name: this.jointNames,
        position: f64(js.position),
        velocity: f64(js.velocity),
        effort: js.effort ? f64(js.effort) : EMPTY,
      });
      await this.#add(this.#channel.jointStates, this.topics.jointStates, stamp, data);
    }
    if (step.command) {
      const data = this.#codec.encodeCommand({
        stampNs: stamp,
        data: f64(step.command),
      });
      await this.#add(this.#channel.command, this.topics.command, stamp, data);
    }
    const data = this.#codec.encodeTransition({
      stampNs: stamp,
      episodeIndex: step.episodeIndex,
      stepIndex: step.stepIndex,
      checkpointId: this.checkpointId,
      task: this.task,
      jointNames: this.jointNames,
      observation: f64(step.observation),
      action: f64(step.action),
      mean: f64(step.mean),
      logStd: f64(step.logStd),
      // A deterministic behaviour has no density: whatever the caller computed is not written.
      logProb: deterministic ? NaN : step.logProb,
      deterministic,
      reward: step.reward,
      terminated: step.terminated,
      truncated: step.truncated,
      finalObservation: last && step.finalObservation ? f64(step.finalObservation) : EMPTY,
    });
    await this.#add(this.#channel.transition, this.topics.transition, stamp, data);
    this.#lastEpisode = step.episodeIndex;
    this.#lastStep = step.stepIndex;
    this.#episodeOpen = !last;
    if (last) this.#completeEpisodes++;
    if (deterministic) this.#deterministicSteps++;
  }

  /** Finish the file: the `rosbag2` metadata record (as Jazzy writes it), summary and footer. */
  async end(): Promise<BagMetadataInput> {
    if (this.#ended) throw new Error('EpisodeBagWriter.end: already ended');
    if (this.#episodeOpen) this.#incompleteEpisodes++;
    this.#episodeOpen = false;
    const summary = this.summary();
    // rosbag2_storage_mcap (Jazzy) reads the bag's metadata from this record when present; with
    // version 8 inside it decodes our integer QoS enums.
    await this.#mcap.addMetadata({
      name: 'rosbag2',
      metadata: new Map([
        ['serialized_metadata', bagMetadataYaml(summary)],
        ['ROS_DISTRO', this.#rosDistro],
      ]),
    });
    await this.#mcap.end();
    this.#ended = true;
    return summary;
  }

  /** The metadata.yaml contents for what has been written so far. */
  summary(): BagMetadataInput {
    const topics: BagTopicInfo[] = (
      [
        [this.topics.jointStates, JOINT_STATE_TYPE],
        [this.topics.command, FLOAT64_MULTI_ARRAY_TYPE],
        [this.topics.transition, TRANSITION_TYPE],
      ] as const
    ).map(([name, type]) => ({
      name,
      type,
      messageCount: this.#counts.get(name) ?? 0,
      offeredQosProfiles: offeredQosProfilesYaml([DEFAULT_QOS]),
    }));
    const start = this.#start ?? 0n;
    return {
      fileName: this.fileName,
      startingTimeNs: start,
      durationNs: this.#start === undefined ? 0n : this.#end - start,
      messageCount: this.#sequence,
      topics,
      rosDistro: this.#rosDistro,
      customData: {
        ...this.#customData,
        'torquepilot.format': EPISODE_FORMAT_VERSION,
        'torquepilot.metadata_version': String(ROSBAG2_METADATA_VERSION),
        'torquepilot.task': this.task,
        'torquepilot.checkpoint_id': this.checkpointId,
        'torquepilot.joint_names': JSON.stringify(this.jointNames),
        'torquepilot.obs_size': String(this.obsSize),
        'torquepilot.episodes': String(this.#completeEpisodes),
        'torquepilot.incomplete_episodes': String(this.#incompleteEpisodes),
        'torquepilot.transitions': String(this.transitions),
        'torquepilot.deterministic_steps': String(this.#deterministicSteps),
        'torquepilot.transition_topic': this.topics.transition,
        'torquepilot.joint_states_topic': this.topics.jointStates,
        'torquepilot.command_topic': this.topics.command,
      },
    };
  }

  #checkOrder(step: RecordedStep, where: string): void {
    if (!Number.isInteger(step.episodeIndex) || step.episodeIndex < 0)
      throw new Error(`${where}: episodeIndex must be a non-negative integer`);
    if (step.episodeIndex === this.#lastEpisode) {
      if (!this.#episodeOpen)
        throw new Error(`${where}: episode ${step.episodeIndex} already ended`);
      if (step.stepIndex !== this.#lastStep + 1)
        throw new Error(`${where}: expected step ${this.#lastStep + 1} of this episode`);
    } else {
      if (step.episodeIndex < this.#lastEpisode)
        throw new Error(`${where}: episode indices must increase (last was ${this.#lastEpisode})`);
      if (this.#episodeOpen) this.#incompleteEpisodes++;
      if (step.stepIndex !== 0) throw new Error(`${where}: a new episode must start at step 0`);
    }
    if (this.#start !== undefined && step.stampNs < this.#end)
      throw new Error(`${where}: stamp ${step.stampNs} ns is earlier than the last (${this.#end})`);
  }

  async #add(channelId: number, topic: string, stamp: bigint, data: Uint8Array): Promise<void> {
    await this.#mcap.addMessage({
      channelId,
      sequence: this.#sequence++,
      logTime: stamp,
      publishTime: stamp,
      data,
    });
    this.#counts.set(topic, (this.#counts.get(topic) ?? 0) + 1);
    if (this.#start === undefined) this.#start = stamp;
    this.#end = stamp;
  }
}

function checkLength(where: string, field: string, v: ArrayLike<number>, expected: number): void {
  if (v.length !== expected)
    throw new Error(`${where}: ${field} has length ${v.length}, expected ${expected}`);
}
