/**
 * The boundary between the node's camelCase messages (messages.ts) and ROS messages as rclnodejs
 * takes and gives them: the only place with ROS field names (snake_case, builtin_interfaces/Time,
 * std_msgs/Header). Pure, so it is tested without ROS.
 */
import type { MessageTypeName, MessageTypes } from '../messages.js';
import { nsToTime, timeToNs } from '../messages.js';

/** Any message object going into or out of rclnodejs. */
export type RosMessage = Record<string, unknown>;

const header = (stampNs: bigint, frameId = ''): RosMessage => ({
  stamp: nsToTime(stampNs),
  frame_id: frameId,
});
const stampOf = (m: RosMessage): bigint =>
  timeToNs(
    ((m['header'] as RosMessage | undefined)?.['stamp'] as { sec: number; nanosec: number }) ?? {
      sec: 0,
      nanosec: 0,
    },
  );
const numbers = (v: unknown): ArrayLike<number> => (v as ArrayLike<number> | undefined) ?? [];
/** float64[] out: a Float64Array goes as it is (rclnodejs copies typed arrays without boxing). */
const float64s = (v: ArrayLike<number>): Float64Array | number[] =>
  v instanceof Float64Array ? v : Array.from(v);

const TO_ROS: { [K in MessageTypeName]: (m: MessageTypes[K]) => RosMessage } = {
  'sensor_msgs/msg/JointState': (m) => ({
    header: header(m.stampNs),
    name: [...m.name],
    position: Array.from(m.position),
    velocity: Array.from(m.velocity),
    effort: Array.from(m.effort),
  }),
  'std_msgs/msg/Float64MultiArray': (m) => ({
    layout: { dim: [], data_offset: 0 },
    data: float64s(m.data),
  }),
  'std_msgs/msg/Bool': (m) => ({ data: m.data }),
  'std_msgs/msg/String': (m) => ({ data: m.data }),
  'geometry_msgs/msg/PointStamped': (m) => ({
    header: header(m.stampNs, m.frameId),
    point: { x: m.x, y: m.y, z: m.z },
  }),
  'rosgraph_msgs/msg/Clock': (m) => ({ clock: nsToTime(m.stampNs) }),
  'std_msgs/msg/Header': (m) => header(m.stampNs, m.frameId),
  'torquepilot_msgs/msg/PolicyOutput': (m) => ({
    header: header(m.stampNs),
    joint_names: [...m.jointNames],
    mean: Array.from(m.mean),
    std: Array.from(m.std),
    log_std: Array.from(m.logStd),
    action: Array.from(m.action),
    log_prob: m.logProb,
    command: Array.from(m.command),
    deterministic: m.deterministic,
    safety_state: m.safetyState,
    checkpoint_id: m.checkpointId,
    tick_latency: m.tickLatency,
  }),
  'diagnostic_msgs/msg/DiagnosticArray': (m) => ({
    header: header(m.stampNs),
    status: m.status.map((s) => ({
      level: s.level,
      name: s.name,
      message: s.message,
      hardware_id: s.hardwareId,
      values: s.values.map((v) => ({ key: v.key, value: v.value })),
    })),
  }),
};

const FROM_ROS: { [K in MessageTypeName]: (m: RosMessage) => MessageTypes[K] } = {
  'sensor_msgs/msg/JointState': (m) => ({
    stampNs: stampOf(m),
    name: (m['name'] as string[] | undefined) ?? [],
    position: numbers(m['position']),
    velocity: numbers(m['velocity']),
    effort: numbers(m['effort']),
  }),
  'std_msgs/msg/Float64MultiArray': (m) => ({ data: numbers(m['data']) }),
  'std_msgs/msg/Bool': (m) => ({ data: m['data'] === true }),
  'std_msgs/msg/String': (m) => ({ data: String(m['data'] ?? '') }),
  'geometry_msgs/msg/PointStamped': (m) => {
    const p = (m['point'] as { x: number; y: number; z: number } | undefined) ?? {
      x: NaN,
      y: NaN,
      z: NaN,
    };
    const frameId =
      ((m['header'] as RosMessage | undefined)?.['frame_id'] as string | undefined) ?? '';
    return { stampNs: stampOf(m), frameId, x: p.x, y: p.y, z: p.z };
  },
  'rosgraph_msgs/msg/Clock': (m) => ({
    stampNs: timeToNs(
      (m['clock'] as { sec: number; nanosec: number } | undefined) ?? { sec: 0, nanosec: 0 },
    ),
  }),
  'std_msgs/msg/Header': (m) => ({
    stampNs: timeToNs(
      (m['stamp'] as { sec: number; nanosec: number } | undefined) ?? { sec: 0, nanosec: 0 },
    ),
    frameId: String(m['frame_id'] ?? ''),
  }),
  'torquepilot_msgs/msg/PolicyOutput': (m) => ({
    stampNs: stampOf(m),
    jointNames: (m['joint_names'] as string[] | undefined) ?? [],
    mean: numbers(m['mean']),
    std: numbers(m['std']),
    logStd: numbers(m['log_std']),
    action: numbers(m['action']),
    logProb: Number(m['log_prob']),
    command: numbers(m['command']),
    deterministic: m['deterministic'] === true,
    safetyState: String(m['safety_state'] ?? ''),
    checkpointId: String(m['checkpoint_id'] ?? ''),
    tickLatency: Number(m['tick_latency']),
  }),
  'diagnostic_msgs/msg/DiagnosticArray': (m) => ({
    stampNs: stampOf(m),
    status: ((m['status'] as RosMessage[] | undefined) ?? []).map((s) => ({
      level: Number(s['level']),
      name: String(s['name']),
      message: String(s['message']),
      hardwareId: String(s['hardware_id']),
      values: ((s['values'] as { key: string; value: string }[] | undefined) ?? []).map((v) => ({
        key: v.key,
        value: v.value,
      })),
    })),
  }),
};

/** camelCase → ROS and ROS → camelCase, per message type. */
export const rosConverters = Object.freeze({ toRos: TO_ROS, fromRos: FROM_ROS });
