import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyRing, percentile } from '../../../src/ros/timing/latencyStats.js';

describe('latency statistics', () => {
  test('percentile: linear interpolation between closest ranks (NumPy default)', () => {
    // sorted 1..5: p50 → 3; p99 → position 0.99·4 = 3.96 → 4 + 0.96·1 = 4.96
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.ok(Math.abs(percentile([5, 1, 4, 2, 3], 99) - 4.96) < 1e-12);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  test('the ring keeps the most recent samples', () => {
    const r = new LatencyRing(3);
    for (const x of [1, 2, 3, 4, 5]) r.push(x);
    assert.deepEqual(Array.from(r.recent()), [3, 4, 5]);
    assert.deepEqual(Array.from(r.recent(2)), [4, 5]);
    assert.equal(r.max, 5);
  });
});
