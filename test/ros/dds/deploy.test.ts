/**
 * `torquepilot deploy --transport ros`: the policy node and the sim robot node on rclnodejs, over
 * real DDS (domain 55, loopback only), as bench/ros.ts runs it: with the defaults (node timer,
 * lockstep robot, sleeping waits) and with the low-latency set-up (tick on joint states, robot
 * paced at the control rate, busy polling, where rclnodejs is polled with spinOnce(0)). Checks
 * the report's contract, that commands flowed, and that the robot measured round trips. No timing
 * figure is asserted (those are bench/ros.ts's).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEPLOY_REPORT_KEYS } from '../../../src/ros/cli/deploy.js';
import { ROOT, rosProcessEnv, rosSkipReason } from './harness.js';
import { saveRandomArm7Checkpoint } from '../../fixtures/arm7Checkpoint.js';

const DOMAIN = 55;
const skip = rosSkipReason();
// The keys, and over DDS the round trip; missedTicks for the benches.
const KEYS = [...DEPLOY_REPORT_KEYS, 'roundTripP99Ms', 'missedTicks'];

describe('torquepilot deploy --transport ros', { skip: skip ?? false }, () => {
  let dir = '';
  let checkpoint = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-dds-deploy-'));
    checkpoint = join(dir, 'ckpt');
    saveRandomArm7Checkpoint(checkpoint, 3);
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const deploy = (extra: string[]): Record<string, number> => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'deploy',
        '--transport',
        'ros',
        '--mode',
        'sim',
        '--checkpoint',
        checkpoint,
        '--duration',
        '2',
        '--json',
        ...extra,
      ],
      { cwd: ROOT, encoding: 'utf8', env: rosProcessEnv(DOMAIN, { node: true }), timeout: 90_000 },
    );
    assert.equal(run.status, 0, `deploy failed:\n${run.stderr.slice(-2000)}`);
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(line) as Record<string, number>;
  };

  const checkReport = (r: Record<string, number>, rateHz: number) => {
    for (const key of KEYS) assert.equal(typeof r[key], 'number', `report key ${key}`);
    // 2 s at the rate; at least a quarter of the ticks even on a loaded CI machine.
    assert.ok(r['ticks']! >= rateHz / 2, `only ${r['ticks']} ticks`);
    assert.equal(r['wrongSizeCommands'], 0);
    assert.equal(r['torqueLimitViolations'], 0);
    assert.ok(r['robotSteps']! > 0, 'the robot never stepped');
    assert.ok(Number.isFinite(r['roundTripP99Ms']), 'no round trip measured at the robot');
  };

  test('defaults: node timer, lockstep robot', () => {
    checkReport(deploy([]), 50);
  });

  test('busy polling, robot paced at 200 Hz, tick on each joint state', () => {
    const r = deploy([
      '--busy-poll',
      '--realtime',
      '--tick-source',
      'joint_states',
      '--rate',
      '200',
    ]);
    checkReport(r, 200);
    // The paced robot sets the rate: at most one tick per joint state (plus the first few
    // watchdog ticks before states flow), and most states answered.
    const steps = r['robotSteps']!;
    const ticks = r['ticks']!;
    assert.ok(ticks <= steps + 5 && ticks >= 0.5 * steps, `${ticks} ticks for ${steps} states`);
  });
});
