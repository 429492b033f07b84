/**
 * The policy node's tick path stays nearly free of garbage (issue 20): heap bytes per tick,
 * counted (not timed) by test/ros/tickAllocation.ts on the path the node runs over DDS (CDR joint
 * state in → policy → command and PolicyOutput CDR out). Before the reused buffers and message
 * rings it was about 13.5 KB per tick with one joint state per tick, plus about 2.3 KB for each
 * further joint state (a 500 Hz driver sends ten per 50 Hz tick); now about 3.6 KB and 0.3 KB
 * (docs/timing.md has what is left). The bounds sit between the two, so that building any of the
 * per-tick messages afresh again fails the test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measureTickAllocation, tickHarness } from '../tickAllocation.js';

const TICKS = 2000;
const BYTES_PER_TICK = 5000;
const BYTES_PER_EXTRA_STATE = 800;

describe('allocation of the tick path', () => {
  test(`one joint state per tick: ≤ ${BYTES_PER_TICK} heap bytes per tick`, async () => {
    const harness = await tickHarness();
    try {
      const r = await measureTickAllocation(harness, TICKS);
      assert.ok(r.chunks >= (TICKS / 50) * 0.9, `chunks counted: ${r.chunks}`);
      // Each tick sent a command and a PolicyOutput (108 + ~460 CDR bytes).
      assert.ok(r.encodedBytesPerTick > 500, `encoded ${r.encodedBytesPerTick} bytes per tick`);
      assert.ok(
        r.bytesPerTick <= BYTES_PER_TICK,
        `${Math.round(r.bytesPerTick)} bytes per tick (bound ${BYTES_PER_TICK})`,
      );
    } finally {
      await harness.close();
    }
  });

  test(`each further joint state: ≤ ${BYTES_PER_EXTRA_STATE} heap bytes`, async () => {
    const one = await tickHarness();
    const ten = await tickHarness({}, 10);
    try {
      const a = await measureTickAllocation(one, TICKS);
      const b = await measureTickAllocation(ten, TICKS);
      const perState = (b.bytesPerTick - a.bytesPerTick) / 9;
      assert.equal(ten.node.stats().ticks, one.node.stats().ticks, 'one tick per period');
      assert.ok(
        perState <= BYTES_PER_EXTRA_STATE,
        `${Math.round(perState)} bytes per further joint state (bound ${BYTES_PER_EXTRA_STATE})`,
      );
    } finally {
      await one.close();
      await ten.close();
    }
  });
});
