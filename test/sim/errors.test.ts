// Bad model paths, bad MJCF and bad robot descriptions give clear errors that name the file, the
// key and the value; models load their includes from their own directory tree.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { getTask, loadModel, loadMujoco, makeEnv, modelsDir } from '../../sim/index.js';
import { actionToEffort, loadRobotDescription } from '../../src/config/robotDescription.js';

const dir = mkdtempSync(join(tmpdir(), 'torquepilot-sim-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const armYaml = (): Record<string, unknown> =>
  parse(readFileSync(join(modelsDir(), 'robots', 'arm7', 'robot.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;

/** Write a variant of arm7's robot.yaml (model path made absolute) and return its path. */
function writeDescription(name: string, edit: (d: Record<string, unknown>) => void): string {
  const d = armYaml();
  d['model'] = join(modelsDir(), 'robots', 'arm7', 'model.xml');
  edit(d);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(d));
  return path;
}

describe('model loading', () => {
  test('a missing model file names the path', async () => {
    const mj = await loadMujoco();
    const path = join(dir, 'nope', 'missing.xml');
    assert.throws(() => loadModel(mj, path), /model file not found: .*nope\/missing\.xml/);
    await assert.rejects(
      makeEnv('arm7-reach', { modelPath: path }),
      /model file not found: .*missing\.xml/,
    );
  });

  test("malformed MJCF: the path and MuJoCo's own message", async () => {
    const mj = await loadMujoco();
    const path = join(dir, 'broken.xml');
    writeFileSync(path, '<mujoco><worldbody><body></worldbody>');
    assert.throws(() => loadModel(mj, path), /could not load .*broken\.xml: .*XML/);
  });

  test('an <include> of a missing file: the path and the include named', async () => {
    const mj = await loadMujoco();
    const path = join(dir, 'includes-missing.xml');
    writeFileSync(path, '<mujoco><include file="parts/absent.xml"/></mujoco>');
    assert.throws(() => loadModel(mj, path), /could not load .*includes-missing\.xml/);
  });

  test('includes and assets resolve relative to the model (its tree is copied into MEMFS)', async () => {
    const mj = await loadMujoco();
    const root = join(dir, 'robot');
    mkdirSync(join(root, 'parts'), { recursive: true });
    writeFileSync(
      join(root, 'parts', 'arm.xml'),
      '<mujoco><worldbody><body name="link"><joint name="j" type="hinge"/><geom type="capsule" size="0.02" fromto="0 0 0 0.3 0 0"/></body></worldbody></mujoco>',
    );
    writeFileSync(
      join(root, 'scene.xml'),
      '<mujoco model="scene"><include file="parts/arm.xml"/></mujoco>',
    );
    const model = loadModel(mj, join(root, 'scene.xml'));
    assert.equal(model.njnt, 1);
    model.delete();
  });

  test('an unknown task names the known ones', async () => {
    assert.throws(
      () => getTask('cartpole'),
      /unknown task 'cartpole'; known tasks: inverted-pendulum, reacher-2dof, arm7-reach/,
    );
    await assert.rejects(makeEnv('cartpole'), /unknown task 'cartpole'/);
  });
});

describe('robot description', () => {
  test('every shipped description is valid', () => {
    for (const robot of ['inverted-pendulum', 'reacher-2dof', 'arm7']) {
      const d = loadRobotDescription(join(modelsDir(), 'robots', robot, 'robot.yaml'));
      assert.equal(d.name, robot);
      assert.equal(d.topics.jointStates, '/joint_states');
      assert.equal(d.topics.commands, '/effort_controller/commands');
    }
  });

  // Schema violations: [name, edit, expected message (file, key, value)].
  const schemaCases: [string, (d: Record<string, unknown>) => void, RegExp][] = [
    [
      'negative-limit',
      (d) => ((d['torqueLimits'] as number[])[2] = -5),
      /negative-limit\.yaml: invalid:\n {2}key 'torqueLimits\.2' = -5: .*>0/,
    ],
    [
      'limit-count',
      (d) => (d['torqueLimits'] = [87, 87]),
      /limit-count\.yaml.*key 'torqueLimits' = \[87,87\]: expected one limit per joint \(7\), got 2/s,
    ],
    [
      'bad-topic',
      (d) => ((d['topics'] as Record<string, unknown>)['commands'] = 'effort_controller/commands'),
      /bad-topic\.yaml.*key 'topics\.commands' = "effort_controller\/commands": .*starting with "\/"/s,
    ],
    [
      'not-commands',
      (d) => ((d['topics'] as Record<string, unknown>)['commands'] = '/effort'),
      /key 'topics\.commands' = "\/effort": .*ending in "\/commands"/,
    ],
    [
      'rate-string',
      (d) => (d['controlRateHz'] = 'fast'),
      /rate-string\.yaml.*key 'controlRateHz' = "fast": .*number/s,
    ],
    ['missing-joints', (d) => delete d['jointNames'], /key 'jointNames' = \(missing\)/],
    [
      'unknown-key',
      (d) => (d['jointNamez'] = []),
      /key '\(root\)' = .*unknown key\(s\) jointNamez/,
    ],
    [
      'duplicate',
      (d) => ((d['jointNames'] as string[])[1] = 'joint1'),
      /key 'jointNames\.1' = "joint1": duplicate joint name/,
    ],
    [
      'home-count',
      (d) => (d['home'] = [0, 0]),
      /home-count\.yaml.*key 'home' = \[0,0\]: expected one position per joint \(7\), got 2/s,
    ],
    [
      'bad-gravity',
      (d) => (d['gravity'] = 'driver'),
      /key 'gravity' = "driver": .*"policy"\|"robot"/,
    ],
    [
      'bad-workspace',
      (d) => (d['workspace'] = { low: [0.6, 0, 0], high: [0.3, 1, 1] }),
      /key 'workspace' = .*expected low ≤ high on every axis/,
    ],
    ['bad-name', (d) => (d['name'] = 'my arm'), /key 'name' = "my arm": a name of \[A-Za-z0-9_-\]/],
  ];
  for (const [name, edit, message] of schemaCases) {
    test(`schema: ${name}`, () => {
      assert.throws(() => loadRobotDescription(writeDescription(name, edit)), message);
    });
  }

  test('effort on the command topic = gear × action (pendulum: gear 100, reacher: 200, arm: 1)', () => {
    const pendulum = loadRobotDescription(
      join(modelsDir(), 'robots', 'inverted-pendulum', 'robot.yaml'),
    );
    assert.deepEqual(Array.from(actionToEffort(pendulum, [2.5], new Float64Array(1))), [250]);
    const reacher = loadRobotDescription(join(modelsDir(), 'robots', 'reacher-2dof', 'robot.yaml'));
    assert.deepEqual(
      Array.from(actionToEffort(reacher, [-0.5, 1], new Float64Array(2))),
      [-100, 200],
    );
    const arm = loadRobotDescription(join(modelsDir(), 'robots', 'arm7', 'robot.yaml'));
    const torques = [87, -87, 1, 2, 12, -12, 0.5];
    assert.deepEqual(Array.from(actionToEffort(arm, torques, new Float64Array(7))), torques);
  });

  test('unreadable file and invalid YAML name the file', () => {
    assert.throws(
      () => loadRobotDescription(join(dir, 'absent.yaml')),
      /robot description .*absent\.yaml: cannot read file: ENOENT/,
    );
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'jointNames: [a, b\n  torque: {');
    assert.throws(() => loadRobotDescription(path), /robot description .*bad\.yaml: invalid YAML/);
  });

  // Consistency with the MJCF, checked when a task loads.
  const modelCases: [string, (d: Record<string, unknown>) => void, RegExp][] = [
    [
      'renamed-joint',
      (d) => ((d['jointNames'] as string[])[3] = 'elbow'),
      /renamed-joint\.yaml \(vs .*model\.xml\): key 'jointNames\.3' = "elbow": expected a joint of the MJCF/,
    ],
    [
      'swapped-joints',
      (d) =>
        (d['jointNames'] = ['joint2', 'joint1', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7']),
      /key 'jointNames\.0' = "joint2": expected 'joint1' \(the joint of MJCF actuator 0\)/,
    ],
    [
      'limit-mismatch',
      (d) => ((d['torqueLimits'] as number[])[4] = 40),
      /key 'torqueLimits\.4' = 40: expected 12 \(MJCF ctrlrange 12 × gear 1\)/,
    ],
    ['rate-mismatch', (d) => (d['controlRateHz'] = 100), /key 'controlRateHz' = 100: expected 50/],
    [
      'frame-skip',
      (d) => {
        d['frameSkip'] = 10;
      },
      // reach takes the robot's frame skip: the rate is checked against it.
      /key 'controlRateHz' = 50: expected 25 \(1 \/ \(timestep × frame skip 10\)\)/,
    ],
    [
      'no-site',
      (d) => (d['endEffectorSite'] = 'tool0'),
      /key 'endEffectorSite' = "tool0": expected a site of the MJCF/,
    ],
    [
      'gravity-robot',
      (d) => (d['gravity'] = 'robot'),
      /key 'gravity' = "robot": expected gravcomp="1" on every moving MJCF body; not on: link1 \(gravcomp 0\), link2/,
    ],
    [
      'too-few',
      (d) => {
        d['jointNames'] = ['joint1'];
        d['torqueLimits'] = [87];
        d['actuatorGear'] = [1];
        d['home'] = [0];
      },
      /key 'jointNames' = \["joint1"\]: expected 7 joints, one per MJCF actuator/,
    ],
  ];
  for (const [name, edit, message] of modelCases) {
    test(`consistency with the MJCF: ${name}`, async () => {
      await assert.rejects(
        makeEnv('arm7-reach', { robotPath: writeDescription(name, edit) }),
        message,
      );
    });
  }
});
