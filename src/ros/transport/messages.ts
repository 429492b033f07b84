/**
 * The messages the node exchanges, as camelCase TypeScript shapes with bigint nanosecond stamps.
 * ROS field names (snake_case, builtin_interfaces/Time) appear only in the rclnodejs adapter,
 * which converts at the boundary.
 */

/** sensor_msgs/msg/JointState. Arrays may be shorter than `name` (ROS allows empty effort). */
export interface JointStateMessage {
  readonly stampNs: bigint;
  readonly name: readonly string[];
  /** Shape: (name.length). */
  readonly position: ArrayLike<number>;
  /** Shape: (name.length) or empty. */
  readonly velocity: ArrayLike<number>;
  /** Shape: (name.length) or empty. */
  readonly effort: ArrayLike<number>;
}

/** std_msgs/msg/Float64MultiArray with an empty layout (what ros2_control's controllers read). */
export interface Float64ArrayMessage {
  readonly data: ArrayLike<number>;
}

/** std_msgs/msg/Bool. */
export interface BoolMessage {
  readonly data: boolean;
}

/** std_msgs/msg/String (the trainer node's JSON metrics and checkpoint paths). */
export interface StringMessage {
  readonly data: string;
}

/** geometry_msgs/msg/PointStamped. */
export interface PointStampedMessage {
  readonly stampNs: bigint;
  readonly frameId: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/**
 * std_msgs/msg/Header on its own: the episode boundary signal on /torquepilot/episode (the sim
 * robot's stamp is that of the new episode's first joint state; an operator's may be 0 = on
 * arrival). frame_id says why: 'start', 'reset', 'horizon', 'terminated', 'operator'.
 */
export interface HeaderMessage {
  readonly stampNs: bigint;
  readonly frameId: string;
}

/** geometry_msgs/msg/TransformStamped: the pose of `childFrameId` in `frameId`. */
export interface TransformStampedMessage {
  readonly stampNs: bigint;
  readonly frameId: string;
  readonly childFrameId: string;
  /** Translation, m. */
  readonly translation: { readonly x: number; readonly y: number; readonly z: number };
  /** Unit quaternion. */
  readonly rotation: {
    readonly x: number;
    readonly y: number;
    readonly z: number;
    readonly w: number;
  };
}

/** tf2_msgs/msg/TFMessage (/tf, /tf_static). */
export interface TfMessage {
  readonly transforms: readonly TransformStampedMessage[];
}

/** rosgraph_msgs/msg/Clock. */
export interface ClockMessage {
  readonly stampNs: bigint;
}

/** torquepilot_msgs/msg/PolicyOutput (ros2/torquepilot_msgs/msg/PolicyOutput.msg). */
export interface PolicyOutputMessage {
  readonly stampNs: bigint;
  readonly jointNames: readonly string[];
  readonly mean: ArrayLike<number>;
  readonly std: ArrayLike<number>;
  readonly logStd: ArrayLike<number>;
  readonly action: ArrayLike<number>;
  readonly logProb: number;
  readonly command: ArrayLike<number>;
  readonly deterministic: boolean;
  readonly safetyState: string;
  readonly checkpointId: string;
  /** Seconds. */
  readonly tickLatency: number;
}

/** diagnostic_msgs/msg/DiagnosticStatus levels. */
export const DIAGNOSTIC_OK = 0;
export const DIAGNOSTIC_WARN = 1;
export const DIAGNOSTIC_ERROR = 2;
export const DIAGNOSTIC_STALE = 3;

/** diagnostic_msgs/msg/DiagnosticStatus. */
export interface DiagnosticStatusMessage {
  readonly level: number;
  readonly name: string;
  readonly message: string;
  readonly hardwareId: string;
  readonly values: readonly { readonly key: string; readonly value: string }[];
}

/** diagnostic_msgs/msg/DiagnosticArray. */
export interface DiagnosticArrayMessage {
  readonly stampNs: bigint;
  readonly status: readonly DiagnosticStatusMessage[];
}

/** ROS type name → TypeScript shape, for typed publishers and subscriptions. */
export interface MessageTypes {
  'sensor_msgs/msg/JointState': JointStateMessage;
  'std_msgs/msg/Float64MultiArray': Float64ArrayMessage;
  'std_msgs/msg/Bool': BoolMessage;
  'std_msgs/msg/String': StringMessage;
  'std_msgs/msg/Header': HeaderMessage;
  'geometry_msgs/msg/PointStamped': PointStampedMessage;
  'tf2_msgs/msg/TFMessage': TfMessage;
  'rosgraph_msgs/msg/Clock': ClockMessage;
  'torquepilot_msgs/msg/PolicyOutput': PolicyOutputMessage;
  'diagnostic_msgs/msg/DiagnosticArray': DiagnosticArrayMessage;
}
export type MessageTypeName = keyof MessageTypes;

/** Nanoseconds ↔ builtin_interfaces/Time. */
export function nsToTime(ns: bigint): { sec: number; nanosec: number } {
  const sec = ns / 1_000_000_000n;
  return { sec: Number(sec), nanosec: Number(ns - sec * 1_000_000_000n) };
}
export function timeToNs(t: { sec: number; nanosec: number }): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nanosec);
}
