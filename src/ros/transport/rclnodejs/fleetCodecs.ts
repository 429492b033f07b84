/**
 * CDR codecs of the fleet's two messages (issue 17), with @foxglove/rosmsg2-serialization as for
 * the per-tick topics (cdrCodecs.ts): an actor publishes TransitionChunk bytes and the learner takes
 * them raw; the learner publishes PolicyParameters bytes, actors take them raw. Going through
 * rclnodejs's message classes would box every float of a chunk (tens of thousands per message).
 *
 * float64[] fields decode straight into Float64Array (a view of the message's bytes when aligned,
 * which `decode*` ensures by copying the bytes once into a fresh buffer), so what an actor
 * computed reaches the learner bit for bit.
 *
 * Shapes are checked on decode: a malformed chunk throws one Error naming the field, its length
 * and the expected one (the topic source counts it as refused).
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import type {
  ExperienceIdentity,
  PolicySnapshot,
  TrajectorySegments,
  TransitionDelivery,
} from '../../../learn/index.js';
import { DEFINITION_SEPARATOR, JOINT_STATE_TYPE, schemaText } from '../../../replay/index.js';
import { nsToTime, timeToNs } from '../messages.js';
import { POLICY_PARAMETERS_MSG, TRANSITION_CHUNK_MSG } from './fleetMessages.js';

type Fields = Record<string, unknown>;

/** The full definition (root, then std_msgs/Header and builtin_interfaces/Time as replay embeds them). */
export function fleetDefinition(root: string): string {
  const jointState = schemaText(JOINT_STATE_TYPE);
  return `${root}${jointState.slice(jointState.indexOf(DEFINITION_SEPARATOR))}`;
}

function codec(
  root: string,
  withHeader = true,
): { read(b: Uint8Array): Fields; write(m: Fields): Buffer } {
  const definitions = parse(withHeader ? fleetDefinition(root) : root, { ros2: true });
  const reader = new MessageReader(definitions);
  const writer = new MessageWriter(definitions);
  return {
    // A fresh, 8-byte-aligned copy: the typed arrays are views of it (no per-element copy), and
    // they stay valid whatever the middleware does with its buffer afterwards.
    read: (bytes) => reader.readMessage<Fields>(new Uint8Array(bytes)),
    write: (message) => {
      const out = writer.writeMessage(message);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}

let chunkCodec: ReturnType<typeof codec> | undefined;
let parametersCodec: ReturnType<typeof codec> | undefined;
const chunks = () => (chunkCodec ??= codec(TRANSITION_CHUNK_MSG));
const parameters = () => (parametersCodec ??= codec(POLICY_PARAMETERS_MSG));

function header(stampNs: bigint): Fields {
  return { stamp: nsToTime(stampNs), frame_id: '' };
}

function stampOf(m: Fields): bigint {
  const h = m['header'] as { stamp: { sec: number; nanosec: number } };
  return timeToNs(h.stamp);
}

function identityFields(id: ExperienceIdentity): Fields {
  return {
    robot_name: id.robotName,
    model_hash: id.modelHash,
    task: id.task,
    task_params: id.taskParams,
    joint_names: [...id.jointNames],
    obs_size: id.obsSize,
    action_size: id.actionSize,
  };
}

function identityOf(m: Fields): ExperienceIdentity {
  return {
    robotName: m['robot_name'] as string,
    modelHash: m['model_hash'] as string,
    task: m['task'] as string,
    taskParams: m['task_params'] as string,
    jointNames: m['joint_names'] as string[],
    obsSize: m['obs_size'] as number,
    actionSize: m['action_size'] as number,
  };
}

function expectLength(where: string, field: string, got: number, expected: number): void {
  if (got !== expected)
    throw new Error(`${where}: field ${field} has ${got} entries, expected ${expected}`);
}

/** One TransitionChunk as bytes (CDR with its encapsulation header), stamped `stampNs`. */
export function encodeTransitionChunk(delivery: TransitionDelivery, stampNs: bigint): Buffer {
  const s = delivery.segments;
  const empty = new Float64Array(0);
  return chunks().write({
    header: header(stampNs),
    actor_id: delivery.origin,
    sequence: BigInt(delivery.sequence),
    ...identityFields(delivery.identity),
    policy_versions: s.policyVersions,
    observations: s.observations,
    actions: s.actions,
    rewards: s.rewards,
    behaviour_log_probs: s.behaviourLogProbs,
    behaviour_means: s.behaviourMeans ?? empty,
    behaviour_log_stds: s.behaviourLogStds ?? empty,
    bounds: s.bounds,
    segment_ends: s.segmentEnds,
    final_observations: s.finalObservations,
  });
}

/** A decoded chunk: the delivery and the publish stamp. Throws on a malformed chunk. */
export function decodeTransitionChunk(bytes: Uint8Array): {
  stampNs: bigint;
  delivery: TransitionDelivery;
} {
  const where = 'decodeTransitionChunk';
  const m = chunks().read(bytes);
  const identity = identityOf(m);
  const D = identity.obsSize;
  const A = identity.actionSize;
  const rewards = m['rewards'] as Float64Array;
  const n = rewards.length;
  const bounds = m['bounds'] as Int32Array;
  const E = bounds.length - 1;
  if (E < 1) throw new Error(`${where}: field bounds has ${bounds.length} entries, expected ≥ 2`);
  if (bounds[0] !== 0 || bounds[E] !== n)
    throw new Error(`${where}: bounds run ${bounds[0]}..${bounds[E]}, expected 0..${n}`);
  for (let e = 0; e < E; e++) {
    if ((bounds[e + 1] as number) <= (bounds[e] as number))
      throw new Error(`${where}: bounds[${e + 1}] = ${bounds[e + 1]} ≤ bounds[${e}]`);
  }
  const observations = m['observations'] as Float64Array;
  const actions = m['actions'] as Float64Array;
  const logProbs = m['behaviour_log_probs'] as Float64Array;
  const means = m['behaviour_means'] as Float64Array;
  const logStds = m['behaviour_log_stds'] as Float64Array;
  const ends = m['segment_ends'] as Uint8Array;
  const finals = m['final_observations'] as Float64Array;
  const versions = m['policy_versions'] as Uint32Array;
  expectLength(where, 'observations', observations.length, n * D);
  expectLength(where, 'actions', actions.length, n * A);
  expectLength(where, 'behaviour_log_probs', logProbs.length, n);
  if (means.length !== 0) expectLength(where, 'behaviour_means', means.length, n * A);
  if (logStds.length !== 0) expectLength(where, 'behaviour_log_stds', logStds.length, n * A);
  expectLength(where, 'segment_ends', ends.length, E);
  expectLength(where, 'final_observations', finals.length, E * D);
  expectLength(where, 'policy_versions', versions.length, E);
  for (let e = 0; e < E; e++) {
    const end = ends[e] as number;
    if (end < 1 || end > 3)
      throw new Error(`${where}: segment_ends[${e}] = ${end}, expected 1, 2 or 3`);
  }
  // NaN log μ marks a deterministic action (the mean has no density).
  let deterministic: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(logProbs[i] as number)) (deterministic ??= new Uint8Array(n))[i] = 1;
  }
  const segments: TrajectorySegments = {
    size: n,
    obsSize: D,
    actionSize: A,
    observations,
    actions,
    rewards,
    behaviourLogProbs: logProbs,
    ...(means.length !== 0 ? { behaviourMeans: means } : {}),
    ...(logStds.length !== 0 ? { behaviourLogStds: logStds } : {}),
    ...(deterministic !== undefined ? { deterministic } : {}),
    bounds,
    segmentEnds: ends,
    finalObservations: finals,
    policyVersions: versions,
  };
  const sequence = m['sequence'] as bigint;
  return {
    stampNs: stampOf(m),
    delivery: {
      segments,
      identity,
      origin: m['actor_id'] as string,
      sequence: Number(sequence),
    },
  };
}

/** A policy snapshot as the learner publishes it. */
export interface PolicyParametersMessage {
  readonly stampNs: bigint;
  /** The learner's run id (its run directory name). */
  readonly learnerId: string;
  readonly snapshot: PolicySnapshot;
}

export function encodePolicyParameters(message: PolicyParametersMessage): Buffer {
  const s = message.snapshot;
  return parameters().write({
    header: header(message.stampNs),
    version: s.version,
    learner_id: message.learnerId,
    ...identityFields(s.identity),
    policy_params: s.policyParams,
    normalizer_mean: s.normalizerMean,
    normalizer_var: s.normalizerVar,
    normalizer_count: s.normalizerCount,
  });
}

/** Throws when the normaliser's sizes do not match the identity's observation size. */
export function decodePolicyParameters(bytes: Uint8Array): PolicyParametersMessage {
  const m = parameters().read(bytes);
  const identity = identityOf(m);
  const mean = m['normalizer_mean'] as Float64Array;
  const variance = m['normalizer_var'] as Float64Array;
  expectLength('decodePolicyParameters', 'normalizer_mean', mean.length, identity.obsSize);
  expectLength('decodePolicyParameters', 'normalizer_var', variance.length, identity.obsSize);
  return {
    stampNs: stampOf(m),
    learnerId: m['learner_id'] as string,
    snapshot: {
      version: m['version'] as number,
      identity,
      policyParams: m['policy_params'] as Float32Array,
      normalizerMean: mean,
      normalizerVar: variance,
      normalizerCount: m['normalizer_count'] as number,
    },
  };
}

let stringCodec: ReturnType<typeof codec> | undefined;

/** A std_msgs/msg/String as bytes (the learner's metrics topic). */
export function encodeStringMessage(data: string): Buffer {
  stringCodec ??= codec('string data\n', false);
  return stringCodec.write({ data });
}

/** The text of a std_msgs/msg/String's bytes. */
export function decodeStringMessage(bytes: Uint8Array): string {
  stringCodec ??= codec('string data\n', false);
  return stringCodec.read(bytes)['data'] as string;
}
