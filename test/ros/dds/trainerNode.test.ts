/**
 * The trainer node over real DDS (domain 72): `torquepilot trainer-node` trains reacher-2dof for a
 * short budget (3 iterations of 256 steps) as its own process; the rclpy peer (only listening: its
 * own joint_states publisher stays off) must receive one std_msgs/String JSON per iteration on
 * /torquepilot/training/metrics, the path of the newest checkpoint on the latched
 * /torquepilot/training/checkpoint (also when it subscribes late), and /joint_states with the
 * task's joint names. The process then exits 0 by itself (a launch file starts evaluation on it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ManagedProcess,
  ROOT,
  RobotPeer,
  rosProcessEnv,
  rosSkipReason,
  waitUntil,
} from './harness.js';

const DOMAIN = 72;
const skip = rosSkipReason();

interface Training {
  metrics: string[];
  checkpoints: string[];
  jointStatesReceived: number;
  lastJointStateNames: string[] | null;
}

describe('trainer node over DDS', { skip: skip ?? false }, () => {
  let dir = '';
  let peer: RobotPeer | undefined;
  let trainer: ManagedProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-trainer-dds-'));
    peer = await RobotPeer.start(DOMAIN, {
      joints: ['shoulder', 'elbow'],
      extraJoints: [],
      startStopped: true,
    });
  });

  after(async () => {
    await trainer?.stop();
    await peer?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('metrics per iteration, the checkpoint path, /joint_states; then exits 0', async () => {
    const runDir = join(dir, 'run');
    // 4 envs × 64 steps = 256 transitions per iteration: 3 iterations for 768 steps.
    const config = join(dir, 'short.yaml');
    writeFileSync(config, 'trpo:\n  nSteps: 64\n');
    trainer = ManagedProcess.start(
      'trainer-node',
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'trainer-node',
        '--task',
        'reacher-2dof',
        '--steps',
        '768',
        '--envs',
        '4',
        '--seed',
        '3',
        '--backend',
        'cpu',
        '--config',
        config,
        '--out',
        runDir,
      ],
      rosProcessEnv(DOMAIN, { node: true }),
    );
    const code = await trainer.waitForExit(120_000);
    assert.equal(code, 0, trainer.tail());
    const done = JSON.parse(
      trainer.lines.find((l) => l.startsWith('{"type":"done"')) ?? '{}',
    ) as Record<string, unknown>;
    assert.equal(done['iterations'], 3);
    const checkpoint = String(done['checkpoint']);
    assert.ok(existsSync(join(checkpoint, 'manifest.json')), `${checkpoint} is not a checkpoint`);

    const t = (await waitUntil(
      'the trainer topics at the peer',
      async () => {
        const r = (await peer!.request('training')) as unknown as Training;
        const last = r.metrics[r.metrics.length - 1];
        return last !== undefined &&
          (JSON.parse(last) as { iteration: number }).iteration === 3 &&
          r.checkpoints.length > 0
          ? r
          : undefined;
      },
      20_000,
    )) as Training;
    // Iterations in order, none twice, ending with the last (earlier ones may have been published
    // before discovery matched the peer: the topic is latched with depth 1, as for a late joiner).
    const metrics = t.metrics.map((m) => JSON.parse(m) as Record<string, unknown>);
    const iterations = metrics.map((m) => m['iteration'] as number);
    assert.deepEqual(
      iterations,
      [...new Set(iterations)].sort(),
      `iterations ${iterations.join()}`,
    );
    const last = metrics[metrics.length - 1];
    assert.equal(last?.['task'], 'reacher-2dof');
    assert.equal(last?.['runDir'], resolve(runDir));
    assert.equal(typeof last?.['kl'], 'number');
    assert.equal(t.checkpoints[t.checkpoints.length - 1], checkpoint);
    assert.ok(t.jointStatesReceived > 0, 'no /joint_states from the trainer node');
    assert.ok(
      t.lastJointStateNames !== null && t.lastJointStateNames.length > 0,
      'joint states without names',
    );
  });
});
