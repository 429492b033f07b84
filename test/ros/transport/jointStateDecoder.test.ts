/**
 * The raw /joint_states decoder (src/ros/transport/rclnodejs/jointStateDecoder.ts) against the
 * library's generic reader (MessageReader through the adapter's converter): the same stamp, names
 * and values for every shape a driver sends (any joint count, name and frame_id lengths, so every
 * alignment; empty velocity or effort), in both byte orders and in XCDR2, with names that change
 * and names that repeat; and its ring of messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CdrWriter, EncapsulationKind } from '@foxglove/cdr';
import type { JointStateMessage } from '../../../src/ros/transport/messages.js';
import { cdrCodec } from '../../../src/ros/transport/rclnodejs/cdrCodecs.js';
import { JointStateDecoder } from '../../../src/ros/transport/rclnodejs/jointStateDecoder.js';
import { rosConverters } from '../../../src/ros/transport/rclnodejs/rosMessages.js';
import { Random } from '../../../src/util/random.js';

const codec = cdrCodec('sensor_msgs/msg/JointState');
assert.ok(codec !== null);
const generic = (bytes: Uint8Array): JointStateMessage =>
  rosConverters.fromRos['sensor_msgs/msg/JointState'](codec.read(bytes));

interface Shape {
  sec: number;
  nanosec: number;
  frameId: string;
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}

/** sensor_msgs/msg/JointState in `kind`, written field by field with the library's CdrWriter. */
function encode(m: Shape, kind: EncapsulationKind): Uint8Array {
  const w = new CdrWriter({ kind });
  w.int32(m.sec).uint32(m.nanosec).string(m.frameId);
  w.sequenceLength(m.name.length);
  for (const n of m.name) w.string(n);
  for (const a of [m.position, m.velocity, m.effort]) {
    w.sequenceLength(a.length);
    for (const x of a) w.float64(x);
  }
  return w.data;
}

function plain(m: JointStateMessage) {
  return {
    stampNs: m.stampNs,
    name: [...m.name],
    position: Array.from(m.position),
    velocity: Array.from(m.velocity),
    effort: Array.from(m.effort),
  };
}

function shape(rng: Random, names: string[], k: number): Shape {
  const n = names.length;
  const v = () => Array.from({ length: n }, () => (rng.uniform() - 0.5) * 10);
  return {
    sec: 1_796_370_632 + k,
    nanosec: Math.floor(rng.uniform() * 1e9),
    frameId: 'f'.repeat(k % 6),
    name: names,
    position: v(),
    velocity: k % 7 === 3 ? [] : v(),
    effort: k % 2 === 0 ? [] : v(),
  };
}

describe('JointStateDecoder', () => {
  test('agrees with the generic reader for every shape, byte order and encapsulation', () => {
    const rng = new Random(5);
    const kinds = [
      EncapsulationKind.CDR_LE,
      EncapsulationKind.CDR_BE,
      EncapsulationKind.RTPS_CDR2_LE,
    ];
    for (const kind of kinds) {
      const decoder = new JointStateDecoder(() => assert.fail('no fallback for plain CDR'));
      const arm = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
      for (let k = 0; k < 60; k++) {
        // Mostly the same names (the cached path), sometimes others, of every length mod 4.
        const names =
          k % 10 === 9
            ? Array.from({ length: 1 + (k % 4) }, (_, j) => `g${'x'.repeat((k + j) % 5)}`)
            : k % 10 === 5
              ? [...arm].reverse()
              : arm;
        const bytes = encode(shape(rng, names, k), kind);
        assert.deepEqual(plain(decoder.decode(bytes)), plain(generic(bytes)), `${kind} #${k}`);
      }
    }
  });

  test('repeated names are the same array; changed names are decoded afresh', () => {
    const rng = new Random(6);
    const decoder = new JointStateDecoder(generic);
    const a = decoder.decode(encode(shape(rng, ['a', 'b'], 0), EncapsulationKind.CDR_LE));
    const b = decoder.decode(encode(shape(rng, ['a', 'b'], 1), EncapsulationKind.CDR_LE));
    assert.equal(b.name, a.name);
    // Same length and count, other bytes.
    const c = decoder.decode(encode(shape(rng, ['a', 'c'], 2), EncapsulationKind.CDR_LE));
    assert.deepEqual([...c.name], ['a', 'c']);
  });

  test('a message stays unchanged for the next 7 decodes (a ring of 8)', () => {
    const rng = new Random(7);
    const decoder = new JointStateDecoder(generic);
    const first = decoder.decode(encode(shape(rng, ['a', 'b', 'c'], 1), EncapsulationKind.CDR_LE));
    const kept = plain(first);
    for (let k = 2; k <= 8; k++) {
      decoder.decode(encode(shape(rng, ['a', 'b', 'c'], k), EncapsulationKind.CDR_LE));
    }
    assert.deepEqual(plain(first), kept);
    decoder.decode(encode(shape(rng, ['a', 'b', 'c'], 9), EncapsulationKind.CDR_LE));
    assert.notDeepEqual(plain(first), kept, 'the 9th decode reuses the first slot');
  });

  test('delimited and parameter-list encapsulations go to the generic reader', () => {
    let fallbacks = 0;
    const decoder = new JointStateDecoder((bytes) => {
      fallbacks++;
      return generic(bytes);
    });
    for (const kind of [EncapsulationKind.RTPS_DELIMITED_CDR2_LE, EncapsulationKind.PL_CDR_LE]) {
      const bytes = new Uint8Array(
        encode(shape(new Random(8), ['a'], 1), EncapsulationKind.CDR_LE),
      );
      bytes[1] = kind;
      try {
        decoder.decode(bytes);
      } catch {
        // the bytes are not a valid message of that kind: only where they went matters here
      }
    }
    assert.equal(fallbacks, 2);
  });

  test('a truncated message throws (the adapter logs it), and the next one decodes', () => {
    const decoder = new JointStateDecoder(generic);
    const bytes = encode(shape(new Random(9), ['a', 'b'], 1), EncapsulationKind.CDR_LE);
    assert.throws(() => decoder.decode(bytes.subarray(0, bytes.length - 9)));
    assert.deepEqual(plain(decoder.decode(bytes)), plain(generic(bytes)));
  });
});
