/**
 * What the rclnodejs adapter (rclnodejsNode.ts) hands rclnodejs for a message it publishes, and
 * what it makes of what rclnodejs hands it: CDR bytes for the types with a codec (cdrCodecs.ts),
 * taken and published raw; ROS objects for the others, which rclnodejs converts itself.
 *
 * The two messages the policy node publishes every tick, the command (Float64MultiArray) and
 * PolicyOutput, are encoded without building anything per message (issue 20: the young-generation
 * collections that per-tick garbage causes are one suspect of the round trip's stalls): each
 * publisher fills one ROS-shaped object of its own, passes the node's arrays through as they are
 * (the library writes a Float64Array as it is and copies a number[] into a new one), and has the
 * library write into one ArrayBuffer of its own (`ReusedCdrOutput`). rclnodejs's raw publish hands
 * the Buffer's memory to rcl without copying it (rcl_publisher_bindings.cpp PublishRawMessage) and
 * rmw copies it into the writer's history before returning, so the buffer is free again as soon
 * as `publish` returns.
 */
import { nsToTime } from '../messages.js';
import type { JointStateMessage, MessageTypeName, MessageTypes } from '../messages.js';
import { cdrCodec, cdrWriter, POLICY_OUTPUT_TYPE } from './cdrCodecs.js';
import type { CdrMessageWriter } from './cdrCodecs.js';
import { JointStateDecoder } from './jointStateDecoder.js';
import { rosConverters } from './rosMessages.js';
import type { RosMessage } from './rosMessages.js';

const COMMAND_TYPE = 'std_msgs/msg/Float64MultiArray';
const JOINT_STATE_TYPE = 'sensor_msgs/msg/JointState';

/**
 * A message writer that writes every message into one ArrayBuffer and returns a Buffer over the
 * bytes written: valid until the next `write`. One Buffer view per distinct length is kept (a
 * PolicyOutput's length changes only with its safety_state string), so writing makes no Buffer.
 */
export class ReusedCdrOutput {
  readonly #writer: CdrMessageWriter;
  #arena: ArrayBuffer;
  readonly #views = new Map<number, Buffer>();

  constructor(writer: CdrMessageWriter, capacity = 1024) {
    this.#writer = writer;
    this.#arena = new ArrayBuffer(capacity);
  }

  write(message: RosMessage): Buffer {
    // The library types `output` as a Uint8Array but hands it to CdrWriter as its ArrayBuffer
    // (MessageWriter.writeMessage; a Uint8Array there throws in DataView): pass the ArrayBuffer.
    const out = this.#writer.writeMessage(message, this.#arena as unknown as Uint8Array);
    if (out.buffer !== this.#arena) {
      // The message outgrew the arena: CdrWriter grew it into a new one, which is kept.
      this.#arena = out.buffer as ArrayBuffer;
      this.#views.clear();
    }
    let view = this.#views.get(out.byteLength);
    if (view === undefined) {
      view = Buffer.from(this.#arena, 0, out.byteLength);
      this.#views.set(out.byteLength, view);
    }
    return view;
  }
}

/** An array the library writes without copying: a Float64Array as it is, else a number[]. */
function float64s(v: ArrayLike<number>): Float64Array | readonly number[] {
  return v instanceof Float64Array || Array.isArray(v) ? (v as Float64Array) : Array.from(v);
}

/** The command's encoder: std_msgs/msg/Float64MultiArray with an empty layout. */
function commandEncoder(output: ReusedCdrOutput): (m: MessageTypes[typeof COMMAND_TYPE]) => Buffer {
  const ros: { layout: RosMessage; data: Float64Array | readonly number[] } = {
    layout: { dim: [], data_offset: 0 },
    data: [],
  };
  return (m) => {
    ros.data = float64s(m.data);
    return output.write(ros);
  };
}

/** PolicyOutput's encoder: one ROS-shaped object, refilled per message. */
function policyOutputEncoder(
  output: ReusedCdrOutput,
): (m: MessageTypes[typeof POLICY_OUTPUT_TYPE]) => Buffer {
  const stamp = { sec: 0, nanosec: 0 };
  const empty: readonly number[] = [];
  const ros = {
    header: { stamp, frame_id: '' },
    joint_names: [] as readonly string[],
    mean: empty as Float64Array | readonly number[],
    std: empty as Float64Array | readonly number[],
    log_std: empty as Float64Array | readonly number[],
    action: empty as Float64Array | readonly number[],
    log_prob: 0,
    command: empty as Float64Array | readonly number[],
    deterministic: false,
    safety_state: '',
    checkpoint_id: '',
    tick_latency: 0,
  };
  return (m) => {
    const t = nsToTime(m.stampNs);
    stamp.sec = t.sec;
    stamp.nanosec = t.nanosec;
    ros.joint_names = m.jointNames;
    ros.mean = float64s(m.mean);
    ros.std = float64s(m.std);
    ros.log_std = float64s(m.logStd);
    ros.action = float64s(m.action);
    ros.log_prob = m.logProb;
    ros.command = float64s(m.command);
    ros.deterministic = m.deterministic;
    ros.safety_state = m.safetyState;
    ros.checkpoint_id = m.checkpointId;
    ros.tick_latency = m.tickLatency;
    return output.write(ros);
  };
}

/**
 * One publisher's encoder: a Buffer (raw CDR) or a ROS object for rclnodejs to convert. The
 * Buffers of the command's and PolicyOutput's encoders are reused: publish each before the next
 * `encode` of the same publisher.
 */
export function publishEncoder<T extends MessageTypeName>(type: T): (m: MessageTypes[T]) => object {
  const toRos = rosConverters.toRos[type] as (m: MessageTypes[T]) => RosMessage;
  const codec = cdrCodec(type);
  if (codec === null) return toRos;
  if (type === COMMAND_TYPE || type === POLICY_OUTPUT_TYPE) {
    const output = new ReusedCdrOutput(cdrWriter(type));
    const encode = type === COMMAND_TYPE ? commandEncoder(output) : policyOutputEncoder(output);
    return encode as (m: MessageTypes[T]) => Buffer;
  }
  return (m) => codec.write(toRos(m));
}

/** One subscription's decoder, and whether it takes raw CDR bytes (rclnodejs's `isRaw`). */
export function subscriptionDecoder<T extends MessageTypeName>(
  type: T,
): { readonly raw: boolean; readonly decode: (m: unknown) => MessageTypes[T] } {
  const fromRos = rosConverters.fromRos[type] as (m: RosMessage) => MessageTypes[T];
  const codec = cdrCodec(type);
  if (codec === null) return { raw: false, decode: (m) => fromRos(m as RosMessage) };
  const generic = (m: unknown): MessageTypes[T] => fromRos(codec.read(m as Uint8Array));
  if (type === JOINT_STATE_TYPE) {
    // Into a ring of preallocated messages (jointStateDecoder.ts): up to ten states per tick.
    const decoder = new JointStateDecoder(generic as (m: Uint8Array) => JointStateMessage);
    return { raw: true, decode: (m) => decoder.decode(m as Uint8Array) as MessageTypes[T] };
  }
  return { raw: true, decode: generic };
}
