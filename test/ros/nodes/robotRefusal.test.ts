/**
 * A checkpoint knows its robot: the deployment loader builds the observation from the checkpoint's
 * task on the robot it is given, and refuses a robot other than the one trained on, naming each
 * difference (joint name, torque limit, gravity, compiled-model hash). In process, no DDS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { saveCheckpoint } from '../../../src/policy/checkpoint.js';
import { GaussianPolicy } from '../../../src/policy/index.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { createDeploymentLoader } from '../../../src/ros/nodes/simDeployment.js';
import { Random } from '../../../src/util/random.js';
import { makeEnv } from '../../../sim/index.js';
import { writeArm3Robot, writeReachTask } from '../../fixtures/arm3Robot.js';
import type { Arm3Options } from '../../fixtures/arm3Robot.js';

let dir = '';
let checkpoint = '';
let robotDir = '';
let taskFile = '';
let loaderHandle: Awaited<ReturnType<typeof createDeploymentLoader>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-ros-robot-'));
  robotDir = writeArm3Robot(join(dir, 'arm3'));
  taskFile = writeReachTask(join(dir, 'reach.yaml'), 25);
  const env = await makeEnv(taskFile, { robot: robotDir });
  const spec = env.spec;
  env.close();
  checkpoint = join(dir, 'ckpt');
  saveCheckpoint(checkpoint, {
    task: spec.name,
    ...(spec.robot !== undefined ? { robot: spec.robot } : {}),
    ...(spec.taskParams !== undefined ? { taskParams: spec.taskParams } : {}),
    jointNames: spec.jointNames,
    backend: 'cpu',
    iteration: 0,
    steps: 0,
    policy: new GaussianPolicy({ obsSize: 12, actionSize: 3 }, new Random(2)),
    hyperparameters: {},
  });
  loaderHandle = await createDeploymentLoader();
});

after(() => {
  loaderHandle?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A variant of the arm in its own folder. */
const variant = (name: string, o: Arm3Options): string => writeArm3Robot(join(dir, name), o);

describe("the policy node builds the checkpoint's observation and refuses another robot", () => {
  test("the same robot: the observation is the simulation's, from the checkpoint task", async () => {
    const d = loaderHandle.loader({ checkpoint, robotDescription: robotDir });
    assert.equal(d.observation.obsSize, 12);
    assert.deepEqual(d.observation.jointNames, ['j1', 'j2', 'j3']);
    assert.equal(d.description.task, 'arm3-reach');
    assert.equal(d.policy.task, 'arm3-reach');
    const env = await makeEnv(taskFile, { robot: robotDir });
    try {
      env.reset(4);
      const action = [3, -2, 1];
      env.step(action);
      const q = new Float64Array(3);
      const qd = new Float64Array(3);
      env.readObservedJoints(q, qd);
      const target = new Float64Array(3);
      env.readTarget(target);
      const obs = new Float64Array(12);
      d.observation.build(q, qd, target, obs);
      assert.deepEqual(Array.from(obs), Array.from(env.obs));
    } finally {
      env.close();
    }
    // Its robot.yaml path and the folder are the same robot.
    const byFile = loaderHandle.loader({
      checkpoint,
      robotDescription: join(robotDir, 'robot.yaml'),
    });
    assert.equal(byFile.observation.obsSize, 12);
  });

  test('no robot given: the checkpoint robot by name, which is not built in, is named', () => {
    assert.throws(
      () => loaderHandle.loader({ checkpoint, robotDescription: '' }),
      /unknown robot 'arm3': .*built-in robots: arm7, inverted-pendulum, reacher-2dof/,
    );
  });

  const refusals: [string, Arm3Options, RegExp][] = [
    [
      'a renamed joint',
      { joint3: 'elbow' },
      /joint 3 name 'j3' in the checkpoint, 'elbow' in robot\.yaml/,
    ],
    [
      'another torque limit',
      { limit2: 8 },
      /joint 2 \(j2\) torque limit 10 in the checkpoint, 8 in robot\.yaml/,
    ],
    [
      'gravity handled by the driver',
      { edit: (r) => (r['gravity'] = 'robot') },
      /gravity 'policy' in the checkpoint, 'robot' in robot\.yaml/,
    ],
    [
      'a longer link (same joints and limits)',
      { link2: 0.3 },
      /compiled model hash [0-9a-f]{12}… in the checkpoint, [0-9a-f]{12}… for robot\.yaml \(the MJCF differs/,
    ],
  ];
  for (const [name, options, message] of refusals) {
    test(`refused: ${name}`, () => {
      const other = variant(name.replace(/\W+/g, '-'), options);
      assert.throws(
        () => loaderHandle.loader({ checkpoint, robotDescription: other }),
        (err: Error) => {
          assert.match(
            err.message,
            /policy node: checkpoint 'arm3-reach-it0-[0-9a-f]+' does not match robot description /,
          );
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  test('configure fails on the node, and the error reaches the log', () => {
    const errors: string[] = [];
    const transport = new InProcessTransport({
      clock: 'manual',
      logger: { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) },
    });
    const handle = transport.createLifecycleNode(
      'p',
      (node) => new PolicyNode(node, { loader: loaderHandle.loader }).callbacks(),
      {
        parameterOverrides: {
          checkpoint,
          robot_description: variant('renamed-node', { joint3: 'elbow' }),
        },
      },
    );
    const r = handle.trigger('configure');
    assert.equal(r.success, false);
    assert.equal(r.state, 'unconfigured');
    assert.match(errors.join('\n'), /joint 3 name 'j3' in the checkpoint, 'elbow' in robot\.yaml/);
  });
});
