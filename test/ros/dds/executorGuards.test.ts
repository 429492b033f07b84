/**
 * Over real rclnodejs (domain 91): an exception in a callback that rclnodejs's executor runs must
 * not abort the process. rclnodejs is built with C++ exceptions, so a JS exception there is
 * std::terminate and SIGABRT; a failed DDS write ("cannot publish data", rmw_publish.cpp) in the
 * policy node's timer killed it that way mid-run (test/ros/dds/simTime.test.ts, once under load).
 * The child (executorGuardsChild.ts) ticks at 500 Hz with a callback that throws every 50th tick,
 * then gets SIGINT (as from ros2 launch) while ticking, shuts the transport down and publishes once
 * more after it: it must log the failures, keep ticking, and exit 0.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManagedProcess, ROOT, rosProcessEnv, rosSkipReason } from './harness.js';

const DOMAIN = 91;
const skip = rosSkipReason();

describe('rclnodejs executor: a callback that throws', { skip: skip ?? false }, () => {
  let child: ManagedProcess | undefined;
  after(async () => {
    await child?.stop();
  });

  test('is logged, the node keeps ticking, and SIGINT still exits 0', async () => {
    child = ManagedProcess.start(
      'guard-child',
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/ros/dds/executorGuardsChild.ts')],
      rosProcessEnv(DOMAIN, { node: true }),
    );
    // Past the 50th tick: the first throw happened and the timer still runs.
    await child.waitForLine(/^ready \d+$/, 30_000);
    await child.waitForLine(/timer callback failed \(1 so far\): tick 50 failed on purpose/, 5_000);
    const exit = await child.interrupt('SIGINT', 10_000);
    assert.deepEqual(exit, { code: 0, signal: null }, child.tail());
    assert.ok(
      !child.lines.some((l) => /terminate called|Napi::Error/.test(l)),
      `no C++ terminate:\n${child.tail()}`,
    );
  });
});
