// A new arm needs no TypeScript: a robot folder written by the test (MJCF + robot.yaml) and a task
// file train through the CLI, the checkpoint records the robot and the task, eval runs it back, and
// unknown robots and tasks are named with what is known.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeEnv, modelsDir } from '../../sim/index.js';
import { resolveTrainConfig } from '../../src/config/index.js';
import { loadCheckpoint } from '../../src/policy/index.js';
import { writeArm3Robot, writeReachTask } from '../fixtures/arm3Robot.js';
import { runCli } from './cliHarness.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-robot-folder-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const robotDir = writeArm3Robot(join(dir, 'arm3'));
const taskFile = writeReachTask(join(dir, 'reach-short.yaml'));

describe('a robot folder and a task file, no TypeScript', () => {
  test('reach on the 3-joint arm: observation 2n + 6 = 12, reset around home', async () => {
    const env = await makeEnv(taskFile, { robot: robotDir });
    try {
      assert.equal(env.spec.name, 'arm3-reach');
      assert.equal(env.spec.obsSize, 12);
      assert.equal(env.spec.horizon, 20);
      assert.deepEqual(env.spec.jointNames, ['j1', 'j2', 'j3']);
      const obs = env.reset(3);
      const home = [0.3, 0.6, 0.6];
      for (let i = 0; i < 3; i++) assert.ok(Math.abs((obs[i] ?? NaN) - (home[i] ?? 0)) <= 0.05);
      // target − tip and target: the tip from planar forward kinematics of q.
      const [q1, q2, q3] = [obs[0] ?? NaN, obs[1] ?? NaN, obs[2] ?? NaN];
      const tip = [
        0.3 * Math.cos(q1) + 0.25 * Math.cos(q1 + q2) + 0.15 * Math.cos(q1 + q2 + q3),
        0.3 * Math.sin(q1) + 0.25 * Math.sin(q1 + q2) + 0.15 * Math.sin(q1 + q2 + q3),
        0.1,
      ];
      for (let k = 0; k < 3; k++) {
        const target = obs[9 + k] ?? NaN;
        assert.ok(Math.abs((obs[6 + k] ?? NaN) - (target - (tip[k] ?? 0))) < 1e-9, `axis ${k}`);
      }
      assert.ok((obs[9] ?? 0) >= 0.25 && (obs[9] ?? 0) <= 0.5);
      assert.equal(obs[11], 0.1);
    } finally {
      env.close();
    }
  });

  test('train through the CLI, then eval: the checkpoint knows its robot and task', async () => {
    const config = join(dir, 'tiny.yaml');
    writeFileSync(
      config,
      [
        'policy: { hiddenSizes: [16] }',
        'value: { hiddenSizes: [16] }',
        'trpo: { nSteps: 40 }',
        'eval: { every: 0, final: true, episodes: 2 }',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'run');
    const args = ['train', '--robot', robotDir, '--task', taskFile, '--config', config];
    const run = await runCli([
      ...args,
      '--steps',
      '160',
      '--envs',
      '2',
      '--out',
      out,
      '--progress',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const progress = run.lines.filter((l) => l['type'] === 'progress');
    assert.equal(progress.length, 2, run.stdout);
    const manifest = loadCheckpoint(out).manifest as unknown as Record<string, unknown>;
    assert.equal(manifest['task'], 'arm3-reach');
    assert.equal(manifest['obsSize'], 12);
    const robot = manifest['robot'] as Record<string, unknown>;
    assert.equal(robot['name'], 'arm3');
    assert.deepEqual(robot['jointNames'], ['j1', 'j2', 'j3']);
    assert.deepEqual(robot['torqueLimits'], [10, 10, 5]);
    assert.match(String(robot['modelHash']), /^[0-9a-f]{64}$/);
    assert.deepEqual(manifest['taskParams'], {
      kind: 'reach',
      horizon: 20,
      successRadius: 0.05,
      resetNoise: 0.05,
      reward: { distance: 1, torque: 0.01, velocity: 0.001 },
    });
    const evaluated = await runCli([
      'eval',
      '--checkpoint',
      out,
      '--robot',
      robotDir,
      '--episodes',
      '2',
      '--json',
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const r = JSON.parse(evaluated.stdout.trim()) as { meanLength: number };
    assert.equal(r.meanLength, 20);
    // Another arm (link 2 longer) is refused, naming the model hash.
    const longer = writeArm3Robot(join(dir, 'arm3-long'), { link2: 0.3 });
    const refused = await runCli(['eval', '--checkpoint', out, '--robot', longer, '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /trained on robot 'arm3'.*compiled model hash/);
  });

  test('--robot arm7 --task reach trains as arm7-reach (same train.yaml, same run name)', () => {
    const { config, sources } = resolveTrainConfig({
      modelsDir: modelsDir(),
      cli: { task: 'reach', robot: 'arm7' },
    });
    assert.deepEqual(sources, [join(modelsDir(), 'arm7-reach', 'train.yaml')]);
    const alias = resolveTrainConfig({ modelsDir: modelsDir(), cli: { task: 'arm7-reach' } });
    assert.deepEqual({ ...config, task: '', robot: '' }, { ...alias.config, task: '', robot: '' });
  });

  test('unknown robots and tasks are named, with what is known', () => {
    const resolve = (cli: Record<string, unknown>) => () =>
      resolveTrainConfig({ modelsDir: modelsDir(), cli });
    assert.throws(
      resolve({ task: 'reach', robot: 'ur99' }),
      /unknown robot 'ur99': .*built-in robots: arm7, inverted-pendulum, reacher-2dof/,
    );
    assert.throws(
      resolve({ task: 'grasp', robot: 'arm7' }),
      /unknown task 'grasp'.*not a task kind \(reach, inverted-pendulum, reacher-2dof\)/,
    );
    assert.throws(
      resolve({ task: 'reach' }),
      /task 'reach' \(kind reach\) needs a robot: pass --robot <dir\|name> \(built-in robots: arm7/,
    );
    const bad = join(dir, 'bad-task.yaml');
    writeFileSync(bad, 'kind: reach\nhorizon: -3\n');
    assert.throws(resolve({ task: bad, robot: 'arm7' }), /bad-task\.yaml.*key 'horizon' = -3/s);
    const noBox = writeArm3Robot(join(dir, 'arm3-nobox'), { edit: (r) => delete r['workspace'] });
    assert.throws(resolve({ task: 'reach', robot: noBox }), /no workspace/);
  });
});
