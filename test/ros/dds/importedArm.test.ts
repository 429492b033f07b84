/**
 * The policy node and the sim robot node over real DDS (domain 66, loopback only) on an arm
 * imported from URDF (issue 15, "the policy node with the sim robot over DDS, on an imported arm"):
 * the UR-type 6-joint URDF of the robot room's tests is imported by importRobot, a policy is
 * trained on it through the CLI (a few iterations), and `torquepilot deploy --transport ros` runs
 * it with no --robot (the checkpoint names its robot folder). Checks that commands flowed at the
 * arm's size, within its torque limits, and that the robot stepped. No timing figure is asserted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { importRobot } from '../../../src/robot/index.js';
import { tempDir, UR_EFFORT, urUrdf } from '../../robot/fixtures.js';
import { ROOT, rosProcessEnv, rosSkipReason } from './harness.js';

const DOMAIN = 66;
const skip = rosSkipReason();

function cli(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, TORQUEPILOT_TF_BACKEND: 'cpu' },
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `torquepilot ${args.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
  return run.stdout;
}

describe('an imported arm over DDS: policy node + sim robot', { skip: skip ?? false }, () => {
  let run = '';

  before(async () => {
    const root = tempDir('dds-imported');
    const urdf = join(root, 'ur.urdf');
    writeFileSync(urdf, urUrdf());
    const robotDir = join(root, 'ur');
    await importRobot({ input: { kind: 'file', path: urdf }, outDir: robotDir, noCollision: true });
    const config = join(root, 'tiny.yaml');
    writeFileSync(
      config,
      'policy: { hiddenSizes: [16] }\nvalue: { hiddenSizes: [16] }\ntrpo: { nSteps: 50 }\neval: { every: 0, final: false }\n',
    );
    run = join(root, 'run');
    // Two iterations of 2 environments × 50 steps.
    const train = ['train', '--robot', robotDir, '--task', 'reach', '--config', config];
    cli(
      [...train, '--steps', '200', '--envs', '2', '--out', run, '--progress', 'none'],
      process.env,
    );
  });

  test('deploy --transport ros: commands at the arm size, within its limits', () => {
    const deploy = ['deploy', '--transport', 'ros', '--mode', 'sim', '--checkpoint', run];
    const out = cli(
      [...deploy, '--duration', '2', '--json'],
      rosProcessEnv(DOMAIN, { node: true }),
    );
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Record<string, number>;
    // 2 s at 50 Hz; at least a quarter of the ticks on a loaded machine.
    assert.ok(r['ticks']! >= 25, `only ${r['ticks']} ticks`);
    assert.ok(r['robotSteps']! > 0, 'the robot never stepped');
    assert.equal(r['wrongSizeCommands'], 0);
    assert.equal(r['torqueLimitViolations'], 0);
    assert.ok(r['maxAbsTorque']! > 0, 'no torque commanded');
    assert.ok(r['maxAbsTorque']! <= Math.max(...UR_EFFORT), `max |τ| ${r['maxAbsTorque']}`);
    assert.equal(r['targetRateHz'], 50);
  });
});
