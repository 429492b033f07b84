/**
 * The rclnodejs adapter's per-tick encoders (src/ros/transport/rclnodejs/cdrWire.ts), which write
 * the command and PolicyOutput into one reused buffer per publisher: byte for byte what the
 * library writes into a fresh buffer (cdrCodec's `write`, checked against hand-worked XCDR1 bytes
 * in cdrCodecs.test.ts), for every length and string the node can send, and across buffer reuse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageTypeName, MessageTypes } from '../../../src/ros/transport/messages.js';
import { cdrCodec } from '../../../src/ros/transport/rclnodejs/cdrCodecs.js';
import { publishEncoder } from '../../../src/ros/transport/rclnodejs/cdrWire.js';
import { rosConverters } from '../../../src/ros/transport/rclnodejs/rosMessages.js';
import { Random } from '../../../src/util/random.js';

/** What the library writes for `message` into a buffer of its own. */
function fresh<T extends MessageTypeName>(type: T, message: MessageTypes[T]): number[] {
  const toRos = rosConverters.toRos[type] as (m: MessageTypes[T]) => Record<string, unknown>;
  const codec = cdrCodec(type);
  assert.ok(codec !== null);
  return [...codec.write(toRos(message))];
}

function values(rng: Random, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng.uniform() - 0.5) * 200);
}

const STATES = ['ok', 'clamped', 'rate_limited', 'waiting', 'watchdog', 'estop', 'non_finite'];

describe('per-tick encoders into a reused buffer', () => {
  test('commands: the library bytes for every length, Float64Array or number[], buffer reused', () => {
    const type = 'std_msgs/msg/Float64MultiArray';
    const encode = publishEncoder(type);
    const rng = new Random(1);
    let previous: Buffer | null = null;
    // 0..30 crosses the library's copy threshold (10 entries) and the 1024-byte arena (≥ 126).
    for (const n of [7, 7, 0, 1, 2, 9, 10, 11, 30, 7, 200, 7]) {
      const data = values(rng, n);
      const out = encode({ data }) as Buffer;
      assert.ok(Buffer.isBuffer(out), 'rclnodejs publishes a Buffer as serialized bytes');
      assert.deepEqual([...out], fresh(type, { data }), `n = ${n}`);
      const asArray = encode({ data: Array.from(data) }) as Buffer;
      assert.deepEqual([...asArray], fresh(type, { data }), `n = ${n} as number[]`);
      if (previous !== null && previous.byteLength === out.byteLength && n !== 200 && n !== 7) {
        assert.equal(out, previous, 'same length: the same Buffer again');
      }
      previous = out;
    }
    // Special values keep their bits (the sign of zero, NaN, infinities).
    const special = Float64Array.from([-0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE]);
    assert.deepEqual([...(encode({ data: special }) as Buffer)], fresh(type, { data: special }));
  });

  test('PolicyOutput: the library bytes for every safety state, stamp and array, buffer reused', () => {
    const type = 'torquepilot_msgs/msg/PolicyOutput';
    const encode = publishEncoder(type);
    const rng = new Random(2);
    const jointNames = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
    const seen = new Map<number, Buffer>();
    for (let k = 0; k < 40; k++) {
      const message: MessageTypes[typeof type] = {
        stampNs: 1_796_370_632_757_682_814n + BigInt(k) * 2_000_000n,
        jointNames,
        mean: values(rng, 7),
        std: values(rng, 7).map(Math.abs),
        logStd: values(rng, 7),
        action: values(rng, 7),
        logProb: k % 3 === 0 ? NaN : -rng.uniform() * 10,
        command: k % 5 === 0 ? new Float64Array(7) : values(rng, 7),
        deterministic: k % 2 === 0,
        safetyState: STATES[k % STATES.length] as string,
        checkpointId: 'arm7-reach-2026-12-04T10-58',
        tickLatency: rng.uniform() * 1e-3,
      };
      const out = encode(message) as Buffer;
      assert.deepEqual([...out], fresh(type, message), `message ${k} (${message.safetyState})`);
      // One Buffer per length (the safety state's), reused.
      const again = seen.get(out.byteLength);
      if (again !== undefined) assert.equal(out, again);
      seen.set(out.byteLength, out);
    }
    // A bigger message than the arena (200 joints), then a small one again.
    const big = Array.from({ length: 200 }, (_, j) => `joint_${j}`);
    const wide: MessageTypes[typeof type] = {
      stampNs: 0n,
      jointNames: big,
      mean: values(rng, 200),
      std: values(rng, 200),
      logStd: values(rng, 200),
      action: values(rng, 200),
      logProb: 0,
      command: values(rng, 200),
      deterministic: true,
      safetyState: 'ok',
      checkpointId: '',
      tickLatency: 0,
    };
    assert.deepEqual([...(encode(wide) as Buffer)], fresh(type, wide));
    const small = { ...wide, jointNames: ['a'], mean: [1], std: [2], logStd: [3], action: [4] };
    const smallMessage = { ...small, command: [5] };
    assert.deepEqual([...(encode(smallMessage) as Buffer)], fresh(type, smallMessage));
  });

  test('types without a reused encoder keep the library write (JointState) or rclnodejs (Bool)', () => {
    const js = publishEncoder('sensor_msgs/msg/JointState');
    const message = {
      stampNs: 3n,
      name: ['a', 'b'],
      position: [1, 2],
      velocity: [3, 4],
      effort: [],
    };
    const a = js(message) as Buffer;
    assert.deepEqual([...a], fresh('sensor_msgs/msg/JointState', message));
    assert.notEqual(js(message), a, 'a fresh buffer per message');
    assert.deepEqual(publishEncoder('std_msgs/msg/Bool')({ data: true }), { data: true });
  });
});
