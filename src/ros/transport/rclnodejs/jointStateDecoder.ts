/**
 * sensor_msgs/msg/JointState from its CDR bytes into preallocated messages: the decoder of the
 * rclnodejs adapter's raw /joint_states subscriptions (cdrWire.ts).
 *
 * Why (issue 20): a driver at 500 Hz sends ten joint states per 50 Hz tick, and the generic
 * reader (MessageReader) builds a new object graph for each: the message, its header and stamp,
 * one string per joint name and three arrays, about 2 KB of young-generation garbage per state.
 * Here the fields are read in the order of sensor_msgs/msg/JointState.msg with @foxglove/cdr's
 * CdrReader (which keeps CDR's alignment and byte order) into a small ring of messages whose arrays
 * are allocated once, and the joint names are decoded only when their bytes differ from the
 * previous message's (a driver sends the same names every time). What is left per message: the
 * CdrReader and its DataView, and the stamp's BigInt.
 *
 * Messages come from a ring, as the node's commands do (control/commandOutput.ts): a subscriber
 * that keeps one sees it unchanged for the next RING − 1 messages (copy it to keep it longer).
 * Encapsulations with delimiter or member headers (XCDR2 appendable, parameter lists), which no
 * ROS 2 rmw sends for JointState, go to the generic reader (`fallback`).
 * test/ros/transport/jointStateDecoder.test.ts checks the result against MessageReader's.
 */
import { CdrReader } from '@foxglove/cdr';
import type { JointStateMessage } from '../messages.js';

const RING = 8;
const EMPTY = new Float64Array(0);

interface JointStateSlot {
  stampNs: bigint;
  name: readonly string[];
  position: Float64Array;
  velocity: Float64Array;
  effort: Float64Array;
}

/** An array of `count` float64 read from `reader` into `into` (reallocated when its length differs). */
function readFloat64s(reader: CdrReader, into: Float64Array): Float64Array {
  const count = reader.sequenceLength();
  const out = count === 0 ? EMPTY : into.length === count ? into : new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = reader.float64();
  return out;
}

export class JointStateDecoder {
  readonly #fallback: (bytes: Uint8Array) => JointStateMessage;
  readonly #slots: JointStateSlot[];
  #index = 0;
  /** The bytes of the previous message's name sequence (after its length), and its names. */
  #nameBytes = new Uint8Array(0);
  #names: readonly string[] = [];

  /** @param fallback the generic decoder, for encapsulations this one does not read. */
  constructor(fallback: (bytes: Uint8Array) => JointStateMessage) {
    this.#fallback = fallback;
    this.#slots = Array.from({ length: RING }, () => ({
      stampNs: 0n,
      name: [],
      position: EMPTY,
      velocity: EMPTY,
      effort: EMPTY,
    }));
  }

  decode(bytes: Uint8Array): JointStateMessage {
    const reader = new CdrReader(bytes);
    if (reader.usesDelimiterHeader || reader.usesMemberHeader) return this.#fallback(bytes);
    this.#index = (this.#index + 1) % RING;
    const m = this.#slots[this.#index] as JointStateSlot;
    // std_msgs/Header: builtin_interfaces/Time stamp (int32 sec, uint32 nanosec), string frame_id.
    const sec = reader.int32();
    const nanosec = reader.uint32();
    m.stampNs = BigInt(sec) * 1_000_000_000n + BigInt(nanosec);
    reader.seek(reader.uint32()); // frame_id: the node does not read it
    m.name = this.#readNames(reader, bytes);
    m.position = readFloat64s(reader, m.position);
    m.velocity = readFloat64s(reader, m.velocity);
    m.effort = readFloat64s(reader, m.effort);
    return m;
  }

  /** string[] name: the previous names when the bytes are the same, else decoded afresh. */
  #readNames(reader: CdrReader, bytes: Uint8Array): readonly string[] {
    const count = reader.sequenceLength();
    const start = reader.offset;
    for (let i = 0; i < count; i++) reader.seek(reader.uint32());
    const end = reader.offset;
    const cached = this.#nameBytes;
    let same = count === this.#names.length && cached.length === end - start;
    for (let k = 0; same && k < cached.length; k++) same = cached[k] === bytes[start + k];
    if (same) return this.#names;
    reader.seekTo(start);
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(reader.string());
    this.#names = names;
    this.#nameBytes = bytes.slice(start, end);
    return names;
  }
}
