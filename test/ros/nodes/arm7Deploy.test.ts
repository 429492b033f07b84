/**
 * The real pieces end to end, in process and on the manual clock (no wall time): a random-weights
 * arm7-reach checkpoint (training is not needed to check safety; a random policy with a large
 * log-std explores the torque range harder than a trained one), the checkpoint + robot description
 * loader with MuJoCo forward kinematics, and the MuJoCo sim robot in lockstep.
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
import { createDeploymentLoader, MujocoRobot } from '../../../src/ros/nodes/simDeployment.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import { Random } from '../../../src/util/random.js';
import { buildObservation, makeEnv } from '../../../sim/index.js';

const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const LIMITS = [87, 87, 87, 87, 12, 12, 12];
const MS = 1_000_000n;

let dir = '';
let checkpoint = '';
let loaderHandle: Awaited<ReturnType<typeof createDeploymentLoader>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-ros-arm7-'));
  checkpoint = join(dir, 'ckpt');
  // logStdInit 3: σ ≈ 20 N·m, so samples hit the limits often.
  const policy = new GaussianPolicy({ obsSize: 20, actionSize: 7, logStdInit: 3 }, new Random(3));
  saveCheckpoint(checkpoint, {
    task: 'arm7-reach',
    jointNames: JOINTS,
    backend: 'cpu',
    iteration: 0,
    steps: 0,
    policy,
    hyperparameters: {},
  });
  loaderHandle = await createDeploymentLoader();
});

after(() => {
  loaderHandle?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('arm7-reach in process (random-weights checkpoint, MuJoCo robot, manual clock)', () => {
  test('every published torque stays within the description limits; sizes always right', async () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const robot = await MujocoRobot.create('arm7-reach');
    const robotNode = new SimRobotNode(transport.createNode('sim_robot'), {
      robot,
      jointStatesTopic: robot.jointStatesTopic,
      commandTopic: robot.commandTopic,
      realtime: false,
      publishClock: false,
      seed: 1,
    });
    const published: number[][] = [];
    transport.subscribe('std_msgs/msg/Float64MultiArray', robot.commandTopic, 'reliable', (m) =>
      published.push(Array.from(m.data)),
    );
    let pn: PolicyNode | undefined;
    const handle = transport.createLifecycleNode(
      'torquepilot_policy',
      (node) => {
        pn = new PolicyNode(node, { loader: loaderHandle.loader });
        return pn.callbacks();
      },
      // Sampling with a large σ, no rate limit: the clamp alone must hold the limits.
      { parameterOverrides: { checkpoint, explore: true, max_torque_step: 2, seed: 5 } },
    );
    assert.equal(handle.trigger('configure').success, true);
    assert.equal(handle.trigger('activate').success, true);
    robotNode.start();
    transport.advanceBy(400n * 20n * MS); // 400 ticks at 50 Hz = 2+ episodes of 150 steps
    handle.trigger('deactivate');
    const stats = pn!.stats();
    assert.equal(stats.ticks, 400);
    assert.ok(published.length >= 400);
    let atLimit = 0;
    for (const c of published) {
      assert.equal(c.length, 7);
      c.forEach((x, j) => {
        assert.ok(Number.isFinite(x) && Math.abs(x) <= LIMITS[j]!, `joint ${j}: ${x}`);
        if (Math.abs(x) === LIMITS[j]) atLimit++;
      });
    }
    assert.ok(atLimit > 100, `the test must exercise the clamp (${atLimit} entries at a limit)`);
    assert.equal(stats.torqueLimitViolations, 0);
    assert.equal(robotNode.stats().wrongSizeCommands, 0);
    assert.ok(robotNode.stats().episodes >= 2);
    robot.close();
    await transport.shutdown();
  });

  test('the node builds the observation exactly as the simulation does', async () => {
    const env = await makeEnv('arm7-reach');
    const robot = await MujocoRobot.create('arm7-reach');
    try {
      env.reset(11);
      robot.reset(11);
      const deployment = loaderHandle.loader({ checkpoint, robotDescription: '' });
      const q = new Float64Array(7);
      const qd = new Float64Array(7);
      for (let k = 0; k < 5; k++) {
        const action = Float64Array.from(LIMITS, (l, j) => 0.1 * l * Math.sin(k + j));
        env.step(action);
        robot.step(action);
        robot.readJointState(q, qd, new Float64Array(7));
        const obs = new Float64Array(20);
        deployment.observation.build(q, qd, robot.target, obs);
        assert.deepEqual(Array.from(obs), Array.from(env.obs), `step ${k}`);
        // ... and via the sim layer's public builder with the node's end-effector position.
        const again = buildObservation('arm7-reach', {
          jointPos: q,
          jointVel: qd,
          target: robot.target ?? [],
          endEffector: deployment.observation.endEffector ?? [],
        });
        assert.deepEqual(Array.from(again), Array.from(env.obs));
      }
    } finally {
      env.close();
      robot.close();
    }
  });

  test('a checkpoint for another robot is refused on configure', () => {
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
          robot_description: join(process.cwd(), 'models', 'robots', 'reacher-2dof', 'robot.yaml'),
        },
      },
    );
    const r = handle.trigger('configure');
    assert.equal(r.success, false);
    assert.equal(r.state, 'unconfigured');
    assert.match(
      errors.join('\n'),
      /action size: policy has 7, robot description commands 2 joints/,
    );
    assert.match(errors.join('\n'), /task: policy trained on 'arm7-reach'/);
  });
});
