/**
 * The per-tick topics' CDR codecs (src/ros/transport/rclnodejs/cdrCodecs.ts): the embedded
 * PolicyOutput definition is the package's, a command encodes to the bytes XCDR1 prescribes
 * (worked out by hand below), and every codec round-trips the node's messages through the
 * converters exactly. Interoperability with rclpy over DDS is the DDS tests' (test/ros/dds/).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MessageTypeName, MessageTypes } from '../../../src/ros/transport/messages.js';
import { cdrCodec, POLICY_OUTPUT_MSG } from '../../../src/ros/transport/rclnodejs/cdrCodecs.js';
import type { CdrCodec } from '../../../src/ros/transport/rclnodejs/cdrCodecs.js';
import { rosConverters } from '../../../src/ros/transport/rclnodejs/rosMessages.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

function codecOf(type: MessageTypeName): CdrCodec {
  const codec = cdrCodec(type);
  assert.ok(codec !== null, `${type} has a codec`);
  return codec;
}

function roundTrip<T extends MessageTypeName>(type: T, message: MessageTypes[T]): MessageTypes[T] {
  const toRos = rosConverters.toRos[type] as (m: MessageTypes[T]) => Record<string, unknown>;
  const fromRos = rosConverters.fromRos[type] as (m: Record<string, unknown>) => MessageTypes[T];
  const codec = codecOf(type);
  return fromRos(codec.read(codec.write(toRos(message))));
}

describe('CDR codecs of the per-tick topics', () => {
  test('the embedded PolicyOutput definition is ros2/torquepilot_msgs/msg/PolicyOutput.msg', () => {
    const file = readFileSync(
      join(ROOT, 'ros2', 'torquepilot_msgs', 'msg', 'PolicyOutput.msg'),
      'utf8',
    );
    assert.equal(POLICY_OUTPUT_MSG, file);
  });

  test('a command encodes to the XCDR1 little-endian bytes, worked out by hand', () => {
    const bytes = codecOf('std_msgs/msg/Float64MultiArray').write({
      layout: { dim: [], data_offset: 0 },
      data: [1.5, -2],
    });
    // prettier-ignore
    const expected = [
      0x00, 0x01, 0x00, 0x00, // encapsulation: CDR_LE, options 0
      0, 0, 0, 0, // layout.dim: sequence of 0 MultiArrayDimension (offset 0 of the body)
      0, 0, 0, 0, // layout.data_offset = 0 (uint32, offset 4)
      2, 0, 0, 0, // data: sequence length 2 (offset 8)
      0, 0, 0, 0, // padding to the float64 alignment of 8 (offset 12 → 16)
      0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // 1.5 = 0x3FF8000000000000
      0, 0, 0, 0, 0, 0, 0x00, 0xc0, // -2 = 0xC000000000000000
    ];
    assert.deepEqual([...bytes], expected);
    assert.ok(Buffer.isBuffer(bytes), 'rclnodejs publishes a Buffer as serialized bytes');
  });

  test('a joint state round-trips: stamp to the nanosecond, names in their order, arrays exact', () => {
    const message: MessageTypes['sensor_msgs/msg/JointState'] = {
      stampNs: 1_796_370_632_757_682_814n,
      name: ['joint3', 'joint1', 'gripper_left'],
      position: [0.1, -0.2, 1e-300],
      velocity: [Math.PI, -0, 5e7],
      effort: [],
    };
    const back = roundTrip('sensor_msgs/msg/JointState', message);
    assert.equal(back.stampNs, message.stampNs);
    assert.deepEqual(Array.from(back.name), message.name);
    assert.deepEqual(Array.from(back.position), message.position);
    assert.deepEqual(Array.from(back.velocity), message.velocity);
    assert.ok(Object.is(back.velocity[1], -0), 'the sign of zero survives');
    assert.equal(back.effort.length, 0);
  });

  test('a command and a PolicyOutput round-trip exactly', () => {
    const data = Float64Array.from([0.5, -87, 12, 0, 1 / 3, -1e-9, 7]);
    const command = roundTrip('std_msgs/msg/Float64MultiArray', { data });
    assert.deepEqual(Array.from(command.data), [...data]);
    const output: MessageTypes['torquepilot_msgs/msg/PolicyOutput'] = {
      stampNs: 12_000_000_001n,
      jointNames: ['joint1', 'joint2'],
      mean: [0.25, -0.5],
      std: [1, 2],
      logStd: [0, Math.LN2],
      action: [0.25, -0.5],
      logProb: -2.5,
      command: [0.125, -0.25],
      deterministic: true,
      safetyState: 'ramping',
      checkpointId: 'ckpt-7',
      tickLatency: 1.5e-5,
    };
    const back = roundTrip('torquepilot_msgs/msg/PolicyOutput', output);
    const plain = (m: typeof output): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(m).map(([k, v]) => [k, typeof v === 'object' ? [...(v as number[])] : v]),
      );
    assert.deepEqual(plain(back), plain(output));
  });

  test('types without an embedded definition keep rclnodejs conversion (no codec)', () => {
    for (const type of [
      'std_msgs/msg/Bool',
      'std_msgs/msg/String',
      'geometry_msgs/msg/PointStamped',
      'rosgraph_msgs/msg/Clock',
      'diagnostic_msgs/msg/DiagnosticArray',
    ] as const) {
      assert.equal(cdrCodec(type), null, type);
    }
  });
});
