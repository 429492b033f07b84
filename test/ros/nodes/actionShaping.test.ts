/**
 * Train → node: the same action sequence through the training environment's shaper and through the
 * policy node (its ControlStep, on the in-process transport's manual clock) gives identical torques,
 * on arm7-reach (gear 1) and reacher-2dof (gear 200). The node takes the shaping from the
 * checkpoint (deployment.shaping), its parameters override it, and a stop (e-stop, watchdog,
 * non-finite) resets it, so torque resumes from zero, not from the state before the stop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { saveCheckpoint } from '../../../src/policy/checkpoint.js';
import { GaussianPolicy } from '../../../src/policy/index.js';
import { createDeploymentLoader } from '../../../src/ros/nodes/simDeployment.js';
import { loadRobotDescription } from '../../../src/config/index.js';
import type { ActionShapingSpec } from '../../../src/config/index.js';
import type {
  DeploymentDescription,
  NodePolicy,
  ObservationBuilder,
} from '../../../src/ros/control/deployment.js';
import { POLICY_TOPICS, resolveShaping } from '../../../src/ros/nodes/parameters.js';
import type { ParameterValue } from '../../../src/ros/transport/transport.js';
import { Random } from '../../../src/util/index.js';
import { makeEnv, modelsDir } from '../../../sim/index.js';
import { fakeWorld } from '../fakes.js';
import type { LinearPolicy } from '../fakes.js';
import { MS, setup } from './policyNodeSetup.js';

/** The action of step k is `sequence[k]`, k read from joint 0's position (the test publishes it). */
class SequencePolicy implements NodePolicy {
  readonly checkpointId = 'sequence';
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
  readonly mean: Float64Array;
  readonly logStd: Float64Array;
  constructor(
    task: string,
    jointNames: readonly string[],
    readonly sequence: readonly (readonly number[])[],
  ) {
    this.task = task;
    this.jointNames = jointNames;
    this.obsSize = jointNames.length;
    this.actionSize = jointNames.length;
    this.mean = new Float64Array(this.actionSize);
    this.logStd = new Float64Array(this.actionSize);
  }
  act(obs: Float64Array, _d: boolean, _rng: Random, out: Float64Array): number {
    out.set(this.sequence[Math.round(obs[0] ?? 0)] ?? []);
    this.mean.set(out);
    return 0;
  }
}

function positionObservation(jointNames: readonly string[]): ObservationBuilder {
  return {
    jointNames,
    obsSize: jointNames.length,
    needsTarget: false,
    build: (position, _velocity, _target, out) => out.set(position),
  };
}

interface World {
  readonly task: string;
  readonly description: DeploymentDescription;
  readonly limits: readonly number[];
  readonly gear: readonly number[];
}

function world(task: string): World {
  const d = loadRobotDescription(join(modelsDir(), task, 'robot.yaml'));
  return {
    task,
    description: {
      task,
      jointNames: d.jointNames,
      torqueLimits: d.torqueLimits,
      ...(d.actuatorGear === undefined ? {} : { actuatorGear: d.actuatorGear }),
      controlRateHz: d.controlRateHz,
      jointStatesTopic: d.topics.jointStates,
      commandTopic: d.topics.commands,
      source: d.sourcePath,
    },
    limits: [...d.torqueLimits],
    gear: d.jointNames.map((_, j) => d.actuatorGear?.[j] ?? 1),
  };
}

/** Actions in actuator units, often beyond the range (limit / gear). */
function sequence(w: World, seed: number, count: number): number[][] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () =>
    w.limits.map((l, j) => rng.uniformRange(-1.5, 1.5) * (l / (w.gear[j] as number))),
  );
}

/** A policy node playing `actions`, one per control period; returns its published torques. */
function nodeTorques(
  w: World,
  actions: readonly (readonly number[])[],
  shaping: ActionShapingSpec | undefined,
  overrides: Record<string, ParameterValue> = {},
  between?: (k: number, s: ReturnType<typeof setup>) => void,
): number[][] {
  const policy = new SequencePolicy(w.task, w.description.jointNames, actions);
  const s = setup(
    { max_torque_step: 2, ...overrides },
    fakeWorld(() => ({
      policy: policy as unknown as LinearPolicy,
      observation: positionObservation(w.description.jointNames),
      description: w.description,
      ...(shaping === undefined ? {} : { shaping }),
    })),
  );
  assert.equal(s.handle.trigger('configure').success, true, s.logs.join('\n'));
  assert.equal(s.handle.trigger('activate').success, true, s.logs.join('\n'));
  const period = BigInt(Math.round(1e9 / w.description.controlRateHz));
  const out: number[][] = [];
  for (let k = 0; k < actions.length; k++) {
    between?.(k, s);
    s.publishState(w.description.jointNames, (name) =>
      name === w.description.jointNames[0] ? k : 0,
    );
    s.transport.advanceBy(period);
    out.push(s.commands.at(-1)?.data ?? []);
  }
  return out;
}

/** The torques the training environment holds for `actions`: gear · ctrl after each step. */
async function envTorques(
  w: World,
  actions: readonly (readonly number[])[],
  shaping: ActionShapingSpec,
): Promise<number[][]> {
  const env = await makeEnv(w.task, { control: shaping });
  try {
    env.reset(0);
    return actions.map((a) => {
      env.step(a);
      const ctrl = env.getState().physics['ctrl'] ?? [];
      return ctrl.map((u, j) => (w.gear[j] as number) * u);
    });
  } finally {
    env.close();
  }
}

const SHAPINGS: Record<string, ActionShapingSpec> = {
  'arm7-reach': { actionFilterHz: 3, torqueRateLimit: [500, 500, 500, 500, 80, 80, 80] },
  'reacher-2dof': { actionFilterHz: 6, torqueRateLimit: 2000 },
};

describe('action shaping: training environment = policy node', () => {
  for (const task of ['arm7-reach', 'reacher-2dof']) {
    test(`${task}: identical torques for the same action sequence`, async () => {
      const w = world(task);
      const shaping = SHAPINGS[task] as ActionShapingSpec;
      const actions = sequence(w, 5, 40);
      const fromEnv = await envTorques(w, actions, shaping);
      const fromNode = nodeTorques(w, actions, shaping);
      assert.deepEqual(fromNode, fromEnv);
      // And the shaping did something: without it the node publishes the clipped actions.
      const plain = nodeTorques(w, actions, undefined);
      assert.notDeepEqual(plain, fromNode);
      plain.forEach((tau, k) =>
        tau.forEach((x, j) => {
          const limit = w.limits[j] as number;
          const raw = (w.gear[j] as number) * (actions[k]![j] as number);
          assert.equal(x, Math.max(-limit, Math.min(limit, raw)), `plain ${k}/${j}`);
        }),
      );
    });
  }

  test('parameters override the checkpoint: 0 = off, > 0 = the value, −1 = as trained', async () => {
    const w = world('arm7-reach');
    const actions = sequence(w, 6, 12);
    const trained = { actionFilterHz: 3, torqueRateLimit: 500 };
    const off = nodeTorques(w, actions, trained, { action_filter_hz: 0, torque_rate_limit: 0 });
    assert.deepEqual(off, nodeTorques(w, actions, undefined));
    const other = { actionFilterHz: 10 };
    assert.deepEqual(
      nodeTorques(w, actions, trained, { action_filter_hz: 10, torque_rate_limit: 0 }),
      await envTorques(w, actions, other),
    );
    assert.deepEqual(
      nodeTorques(w, actions, undefined, { action_filter_hz: 3, torque_rate_limit: 500 }),
      await envTorques(w, actions, trained),
    );
    assert.deepEqual(resolveShaping(-1, -1, trained), trained);
    assert.deepEqual(resolveShaping(0, -1, trained), { torqueRateLimit: 500 });
    assert.deepEqual(resolveShaping(-1, 7, undefined), { torqueRateLimit: 7 });
    assert.deepEqual(resolveShaping(-1, -1, undefined), {});
  });

  test('after an e-stop the torque ramps up again from zero, not from the stale state', async () => {
    const w = world('arm7-reach');
    const shaping = { torqueRateLimit: 100 }; // 2 N·m per 20 ms step
    const constant = Array.from({ length: 12 }, () => [50, 0, 0, 0, 0, 0, 0]);
    const torques = nodeTorques(w, constant, shaping, {}, (k, s) => {
      if (k === 5) s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estop, { data: true });
      if (k === 7) s.transport.callTrigger(POLICY_TOPICS.estopResetService);
    });
    const first = torques.map((t) => t[0]);
    // Ramp 2, 4, 6, 8, 10; stopped at 5 and 6; from zero again: 2, 4, ...
    assert.deepEqual(first, [2, 4, 6, 8, 10, 0, 0, 2, 4, 6, 8, 10]);
  });

  test('a watchdog stop and a non-finite action reset the shaper too', async () => {
    const w = world('arm7-reach');
    const shaping = { torqueRateLimit: 100 };
    const actions = Array.from({ length: 10 }, (_, k) => [k === 3 ? NaN : 50, 0, 0, 0, 0, 0, 0]);
    const first = nodeTorques(w, actions, shaping).map((t) => t[0]);
    // Step 3 is refused (zero torque); the shaper starts again from zero, not from 6.
    assert.deepEqual(first, [2, 4, 6, 0, 2, 4, 6, 8, 10, 12]);
    // Watchdog: no joint state for 0.15 s (> 0.1 s) mid-run.
    const w2 = world('arm7-reach');
    const policy = new SequencePolicy(w2.task, w2.description.jointNames, [[50, 0, 0, 0, 0, 0, 0]]);
    const s = setup(
      { max_torque_step: 2 },
      fakeWorld(() => ({
        policy: policy as unknown as LinearPolicy,
        observation: positionObservation(w2.description.jointNames),
        description: w2.description,
        shaping,
      })),
    );
    assert.equal(s.handle.trigger('configure').success, true);
    assert.equal(s.handle.trigger('activate').success, true);
    const tick = (publish: boolean) => {
      if (publish) s.publishState(w2.description.jointNames, () => 0);
      s.transport.advanceBy(20n * MS);
      return s.commands.at(-1)?.data[0];
    };
    assert.deepEqual([tick(true), tick(true), tick(true)], [2, 4, 6]);
    for (let k = 0; k < 8; k++) tick(false);
    assert.equal(s.node().safety?.watchdogTripped, true);
    assert.deepEqual([tick(true), tick(true)], [2, 4]);
  });
});

describe('action shaping from the checkpoint', () => {
  test("the loader reads the training's control: shaping, and the policy rate the node ticks at", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-shaping-ckpt-'));
    const handle = await createDeploymentLoader();
    try {
      const save = (name: string, hyperparameters: Record<string, unknown>) => {
        const path = join(dir, name);
        saveCheckpoint(path, {
          task: 'arm7-reach',
          jointNames: ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'],
          backend: 'cpu',
          iteration: 0,
          steps: 0,
          policy: new GaussianPolicy({ obsSize: 20, actionSize: 7 }, new Random(1)),
          hyperparameters,
        });
        return handle.loader({ checkpoint: path, robotDescription: '' });
      };
      const shaped = save('shaped', {
        control: {
          policyRateHz: 100,
          controllerRateHz: 1000,
          actionFilterHz: 8,
          torqueRateLimit: 300,
        },
      });
      assert.deepEqual(shaped.shaping, { actionFilterHz: 8, torqueRateLimit: 300 });
      assert.equal(shaped.description.controlRateHz, 100, 'the trained policy rate wins');
      const old = save('old', { seed: 3 });
      assert.deepEqual(old.shaping, {});
      assert.equal(old.description.controlRateHz, 50, "the description's rate");
      assert.throws(
        () => save('bad', { control: { torqueRateLimit: -2 } }),
        /bad \(hyperparameters\.control\): key 'torqueRateLimit' = -2/,
      );
    } finally {
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
