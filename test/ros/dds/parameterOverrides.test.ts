/**
 * `--ros-args -p` overrides of the policy node, as `ros2 launch` passes them (domain 97).
 * - A whole number for a double parameter (`arm_ramp_time:=0`, as launch writes a `0` argument) is
 *   taken as that double: rclnodejs alone refused it with "Parameter arm_ramp_time does not
 *   readonly", and the node never started.
 * - An override outside its range, or of the wrong type, stops the node at start with one error
 *   that names the node, the parameter, the value and the rule.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManagedProcess, ROOT, rosProcessEnv, rosSkipReason } from './harness.js';

const DOMAIN = 97;
const skip = rosSkipReason();

function startNode(name: string, rosArgs: readonly string[]): ManagedProcess {
  return ManagedProcess.start(
    name,
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'node', '--name', name, '--ros-args', ...rosArgs],
    rosProcessEnv(DOMAIN, { node: true }),
  );
}

describe('policy node parameter overrides (--ros-args -p)', { skip: skip ?? false }, () => {
  const processes: ManagedProcess[] = [];
  after(async () => {
    for (const p of processes) await p.stop();
  });

  test('a whole number for a double parameter starts the node; SIGINT ends it with 0', async () => {
    const node = startNode('tp_overrides', ['-p', 'arm_ramp_time:=0', '-p', 'torque_scale:=1']);
    processes.push(node);
    await node.waitForLine(/tp_overrides: unconfigured/, 30_000);
    node.child.kill('SIGINT');
    assert.equal(await node.waitForExit(10_000), 0, node.tail());
  });

  for (const { args, pattern } of [
    {
      args: ['-p', 'torque_scale:=5.0'],
      pattern: /tp_bad: parameter override 'torque_scale' = 5: out of range \[0, 1\]/,
    },
    {
      args: ['-p', 'watchdog_period:=abc'],
      pattern: /tp_bad: parameter override 'watchdog_period' = "abc": expected a finite double/,
    },
  ]) {
    test(`${args[1]} stops the node at start with an error naming it`, async () => {
      const node = startNode('tp_bad', args);
      processes.push(node);
      assert.equal(await node.waitForExit(30_000), 1, node.tail());
      assert.ok(
        node.lines.some((l) => pattern.test(l)),
        `no line matching ${pattern}\n${node.tail()}`,
      );
    });
  }
});
