/**
 * The fleet's CDR codecs (src/ros/transport/rclnodejs/fleetCodecs.ts): the embedded definitions
 * are the package's .msg files, a chunk and a snapshot round-trip bit for bit (awkward doubles
 * included: -0, subnormals, NaN log μ of a deterministic step), float64[] fields come back as
 * Float64Array, the header bytes are the XCDR1 ones, and malformed chunks are refused with the
 * field named. Interoperability over DDS is the DDS tests' (test/ros/dds/fleet*.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  decodePolicyParameters,
  decodeStringMessage,
  decodeTransitionChunk,
  encodePolicyParameters,
  encodeStringMessage,
  encodeTransitionChunk,
} from '../../../src/ros/transport/rclnodejs/fleetCodecs.js';
import {
  POLICY_PARAMETERS_MSG,
  TRANSITION_CHUNK_MSG,
} from '../../../src/ros/transport/rclnodejs/fleetMessages.js';
import { Random } from '../../../src/util/index.js';
import { IDENTITY, sampleDelivery } from '../nodes/fleetFakes.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const msgFile = (name: string) =>
  readFileSync(join(ROOT, 'ros2', 'torquepilot_msgs', 'msg', name), 'utf8');

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what} length`);
  const av = new Float64Array(Array.from(a));
  const bv = new Float64Array(Array.from(b));
  assert.deepEqual(
    new Uint8Array(av.buffer),
    new Uint8Array(bv.buffer),
    `${what} differs in some bit`,
  );
}

describe('fleet CDR codecs', () => {
  test('the embedded definitions are the package .msg files, byte for byte', () => {
    assert.equal(TRANSITION_CHUNK_MSG, msgFile('TransitionChunk.msg'));
    assert.equal(POLICY_PARAMETERS_MSG, msgFile('PolicyParameters.msg'));
  });

  test('a chunk round-trips bit-exactly, float64[] as Float64Array', () => {
    const d = sampleDelivery();
    const bytes = encodeTransitionChunk(d, 1_700_000_000_123_456_789n);
    // XCDR1 little-endian encapsulation header, then header.stamp.sec as int32.
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 1, 0, 0]);
    assert.equal(bytes.readInt32LE(4), 1_700_000_000);
    const { stampNs, delivery } = decodeTransitionChunk(bytes);
    assert.equal(stampNs, 1_700_000_000_123_456_789n);
    assert.equal(delivery.origin, 'host-123');
    assert.equal(delivery.sequence, 7);
    assert.deepEqual(delivery.identity, IDENTITY);
    const a = d.segments;
    const b = delivery.segments;
    assert.equal(b.size, 5);
    for (const k of [
      'observations',
      'actions',
      'rewards',
      'behaviourLogProbs',
      'behaviourMeans',
      'behaviourLogStds',
      'finalObservations',
    ] as const) {
      assert.ok(b[k] instanceof Float64Array, `${k} is a Float64Array`);
      sameBits(a[k] as Float64Array, b[k] as Float64Array, k);
    }
    assert.deepEqual([...b.bounds], [0, 3, 5]);
    assert.deepEqual([...b.segmentEnds], [1, 3]);
    assert.deepEqual([...b.policyVersions], [4, 0xffffffff]);
    assert.equal(b.deterministic, undefined);
    // -0 kept its sign bit (sameBits above), and so did the subnormal.
    assert.ok(Object.is(b.observations[0], -0));
    assert.equal(b.observations[1], Number.MIN_VALUE);
  });

  test('a NaN log μ comes back as a deterministic row', () => {
    const d = sampleDelivery();
    (d.segments.behaviourLogProbs as Float64Array)[3] = NaN;
    const b = decodeTransitionChunk(encodeTransitionChunk(d, 0n)).delivery.segments;
    assert.deepEqual([...(b.deterministic ?? [])], [0, 0, 0, 1, 0]);
  });

  test('a malformed chunk is refused with the field named', () => {
    const d = sampleDelivery();
    const short = {
      ...d,
      segments: { ...d.segments, actions: d.segments.actions.subarray(1) },
    };
    assert.throws(
      () => decodeTransitionChunk(encodeTransitionChunk(short, 0n)),
      /field actions has 9 entries, expected 10/,
    );
    const badBounds = { ...d, segments: { ...d.segments, bounds: Int32Array.from([0, 3, 4]) } };
    assert.throws(
      () => decodeTransitionChunk(encodeTransitionChunk(badBounds, 0n)),
      /bounds run 0\.\.4, expected 0\.\.5/,
    );
    const badEnd = { ...d, segments: { ...d.segments, segmentEnds: Uint8Array.from([1, 7]) } };
    assert.throws(
      () => decodeTransitionChunk(encodeTransitionChunk(badEnd, 0n)),
      /segment_ends\[1\] = 7/,
    );
    assert.throws(() => decodeTransitionChunk(new Uint8Array([0, 1, 0, 0, 1])));
  });

  test('a policy snapshot round-trips bit-exactly', () => {
    const rng = new Random(3);
    const params = Float32Array.from({ length: 37 }, () => rng.normal());
    params[0] = -0;
    const snapshot = {
      version: 12,
      identity: IDENTITY,
      policyParams: params,
      normalizerMean: Float64Array.from([0.1, -2, 1e-300]),
      normalizerVar: Float64Array.from([1, 2, 3.5]),
      normalizerCount: 1234.0001,
    };
    const bytes = encodePolicyParameters({ stampNs: 5n, learnerId: 'run-a', snapshot });
    const m = decodePolicyParameters(bytes);
    assert.equal(m.learnerId, 'run-a');
    assert.equal(m.stampNs, 5n);
    assert.equal(m.snapshot.version, 12);
    assert.deepEqual(m.snapshot.identity, IDENTITY);
    assert.ok(m.snapshot.policyParams instanceof Float32Array);
    assert.deepEqual(
      new Uint8Array(m.snapshot.policyParams.buffer, m.snapshot.policyParams.byteOffset, 37 * 4),
      new Uint8Array(params.buffer),
    );
    sameBits(m.snapshot.normalizerMean, snapshot.normalizerMean, 'mean');
    sameBits(m.snapshot.normalizerVar, snapshot.normalizerVar, 'var');
    assert.equal(m.snapshot.normalizerCount, 1234.0001);
  });

  test('std_msgs/String for the metrics topic', () => {
    const bytes = encodeStringMessage('{"a":1}');
    // header, uint32 length 8 (7 chars + NUL), the text.
    assert.equal(bytes.readUInt32LE(4), 8);
    assert.equal(decodeStringMessage(bytes), '{"a":1}');
  });
});
