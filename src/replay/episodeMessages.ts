/**
 * CDR encoding of the three message types an episode bag carries, through
 * @foxglove/rosmsg (definition parsing) and @foxglove/rosmsg2-serialization (MessageWriter /
 * MessageReader). The only place where ROS snake_case field names meet our camelCase records.
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import {
  FLOAT64_MULTI_ARRAY_TYPE,
  JOINT_STATE_TYPE,
  TRANSITION_TYPE,
  schemaText,
} from './messageDefinitions.js';
import type { CommandRecord, JointStateRecord, TransitionRecord } from './types.js';

const NS_PER_S = 1_000_000_000n;

/** builtin_interfaces/Time from bigint nanoseconds (floor division, so nanosec is in [0, 1e9)). */
export function stampFromNs(ns: bigint): { sec: number; nanosec: number } {
  let sec = ns / NS_PER_S;
  let nanosec = ns % NS_PER_S;
  if (nanosec < 0n) {
    sec -= 1n;
    nanosec += NS_PER_S;
  }
  return { sec: Number(sec), nanosec: Number(nanosec) };
}

/** bigint nanoseconds from builtin_interfaces/Time. */
export function nsFromStamp(stamp: { sec: number; nanosec: number }): bigint {
  return BigInt(stamp.sec) * NS_PER_S + BigInt(stamp.nanosec);
}

/** `v` itself when it is a Float64Array, else a Float64Array copy (the codec only reads arrays). */
export function f64(v: ArrayLike<number>): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

interface RosStamp {
  sec: number;
  nanosec: number;
}
interface RosHeader {
  stamp: RosStamp;
  frame_id: string;
}
interface RosTransition {
  header: RosHeader;
  episode_index: number;
  step_index: number;
  checkpoint_id: string;
  task: string;
  joint_names: readonly string[];
  observation: Float64Array;
  action: Float64Array;
  mean: Float64Array;
  log_std: Float64Array;
  log_prob: number;
  /** Absent in bags recorded before the field existed (format 1). */
  deterministic?: boolean;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  final_observation: Float64Array;
}
interface RosJointState {
  header: RosHeader;
  name: readonly string[];
  position: Float64Array;
  velocity: Float64Array;
  effort: Float64Array;
}
interface RosFloat64MultiArray {
  layout: { dim: { label: string; size: number; stride: number }[]; data_offset: number };
  data: Float64Array;
}

/** Encoders/decoders for one bag (definitions parsed once). */
export class EpisodeMessageCodec {
  readonly #transitionWriter = new MessageWriter(
    parse(schemaText(TRANSITION_TYPE), { ros2: true }),
  );
  readonly #jointStateWriter = new MessageWriter(
    parse(schemaText(JOINT_STATE_TYPE), { ros2: true }),
  );
  readonly #commandWriter = new MessageWriter(
    parse(schemaText(FLOAT64_MULTI_ARRAY_TYPE), { ros2: true }),
  );

  encodeTransition(t: TransitionRecord): Uint8Array {
    const msg: RosTransition = {
      header: { stamp: stampFromNs(t.stampNs), frame_id: '' },
      episode_index: t.episodeIndex,
      step_index: t.stepIndex,
      checkpoint_id: t.checkpointId,
      task: t.task,
      joint_names: t.jointNames,
      observation: t.observation,
      action: t.action,
      mean: t.mean,
      log_std: t.logStd,
      log_prob: t.logProb,
      deterministic: t.deterministic,
      reward: t.reward,
      terminated: t.terminated,
      truncated: t.truncated,
      final_observation: t.finalObservation,
    };
    return this.#transitionWriter.writeMessage(msg);
  }

  encodeJointState(j: JointStateRecord): Uint8Array {
    const msg: RosJointState = {
      header: { stamp: stampFromNs(j.stampNs), frame_id: '' },
      name: j.name,
      position: j.position,
      velocity: j.velocity,
      effort: j.effort,
    };
    return this.#jointStateWriter.writeMessage(msg);
  }

  /** The command with an empty layout, as ros2_control's forward command controllers expect. */
  encodeCommand(c: CommandRecord): Uint8Array {
    const msg: RosFloat64MultiArray = { layout: { dim: [], data_offset: 0 }, data: c.data };
    return this.#commandWriter.writeMessage(msg);
  }
}

/** Decoders built from the schema text found in a bag (not from our definitions). */
export function makeTransitionDecoder(schema: string): (data: Uint8Array) => TransitionRecord {
  const reader = new MessageReader<RosTransition>(parse(schema, { ros2: true }));
  return (data) => {
    const m = reader.readMessage<RosTransition>(data);
    const action = f64(m.action);
    const mean = f64(m.mean);
    return {
      stampNs: nsFromStamp(m.header.stamp),
      episodeIndex: m.episode_index,
      stepIndex: m.step_index,
      checkpointId: m.checkpoint_id,
      task: m.task,
      jointNames: m.joint_names,
      observation: f64(m.observation),
      action,
      mean,
      logStd: f64(m.log_std),
      logProb: m.log_prob,
      deterministic: m.deterministic ?? actionIsMean(action, mean),
      reward: m.reward,
      terminated: m.terminated,
      truncated: m.truncated,
      finalObservation: f64(m.final_observation),
    };
  };
}

/**
 * A step of a bag written before Transition had `deterministic`: the node then recorded the mean
 * with the density at the mean as log-prob. A Gaussian sample equals its mean with probability 0,
 * so action = mean on every joint (bit for bit) identifies such a step.
 */
function actionIsMean(action: Float64Array, mean: Float64Array): boolean {
  if (action.length !== mean.length || action.length === 0) return false;
  for (let j = 0; j < action.length; j++) if (action[j] !== mean[j]) return false;
  return true;
}

export function makeJointStateDecoder(schema: string): (data: Uint8Array) => JointStateRecord {
  const reader = new MessageReader<RosJointState>(parse(schema, { ros2: true }));
  return (data) => {
    const m = reader.readMessage<RosJointState>(data);
    return {
      stampNs: nsFromStamp(m.header.stamp),
      name: m.name,
      position: f64(m.position),
      velocity: f64(m.velocity),
      effort: f64(m.effort),
    };
  };
}

export function makeCommandDecoder(
  schema: string,
): (data: Uint8Array, stampNs: bigint) => CommandRecord {
  const reader = new MessageReader<RosFloat64MultiArray>(parse(schema, { ros2: true }));
  return (data, stampNs) => ({ stampNs, data: f64(reader.readMessage(data).data) });
}
