/**
 * `--damping` and `--armature` of `robot import`: the compiled model's dof_damping and
 * dof_armature equal the flags (one value for all joints, or one per joint in chain order), the
 * description's damping stays without the flag, an override of it is said, and bad values or
 * counts are refused naming the flag.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadModel, loadMujoco } from '../../sim/index.js';
import { parseRobotImportOptions } from '../../src/config/index.js';
import { importRobot, registerRobotCommands } from '../../src/robot/index.js';
import type { RobotImportOptions } from '../../src/robot/index.js';
import { pandaUrdf, tempDir, UR_JOINTS, urUrdf, writeMenagerieArm } from './fixtures.js';

/** Import `urdf` (or an MJCF path) with `extra` options; returns the report and the folder. */
async function importWith(
  prefix: string,
  source: { urdf: string } | { mjcf: (dir: string) => string },
  extra: Partial<RobotImportOptions> = {},
): Promise<{ out: string; warnings: readonly string[] }> {
  const root = tempDir(prefix);
  let path: string;
  if ('urdf' in source) {
    path = join(root, 'arm.urdf');
    writeFileSync(path, source.urdf);
  } else {
    path = source.mjcf(join(root, 'arm'));
  }
  const out = join(root, 'out');
  const report = await importRobot({
    input: { kind: 'file', path },
    outDir: out,
    noCollision: true,
    ...extra,
  });
  return { out, warnings: report.warnings };
}

/** The compiled model.xml's [dof_damping, dof_armature]. */
async function compiledDynamics(out: string): Promise<[number[], number[]]> {
  const mj = await loadMujoco();
  const model = loadModel(mj, join(out, 'model.xml'));
  try {
    return [
      Array.from(model.dof_damping as Float64Array),
      Array.from(model.dof_armature as Float64Array),
    ];
  } finally {
    model.delete();
  }
}

describe('robot import: --damping and --armature', () => {
  it('without the flags the URDF damping is kept and armature is 0', async () => {
    const { out, warnings } = await importWith('dyn-none', { urdf: urUrdf() });
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    assert.deepEqual(armature, [0, 0, 0, 0, 0, 0]);
    assert.ok(!warnings.some((w) => w.includes('--damping')));
  });

  it('one value sets every joint, says which URDF damping it replaces, and is in source.command', async () => {
    const { out, warnings } = await importWith(
      'dyn-one',
      { urdf: urUrdf() },
      { damping: [5], armature: [0.1] },
    );
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [5, 5, 5, 5, 5, 5]);
    assert.deepEqual(armature, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const overrides = warnings.filter((w) => w.includes('--damping'));
    assert.equal(overrides.length, 6);
    assert.equal(
      overrides[0],
      `joint '${UR_JOINTS[0]}': --damping 5 replaces the description's damping 0.1`,
    );
    const yaml = parseYaml(readFileSync(join(out, 'robot.yaml'), 'utf8')) as {
      source: { command: string };
    };
    assert.match(yaml.source.command, / --damping 5 --armature 0\.1$/);
  });

  it('a per-joint list sets each joint in chain order (Panda-type: arm7 values)', async () => {
    const dampingList = [5, 5, 5, 5, 1, 1, 1];
    const armatureList = [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05];
    const { out } = await importWith(
      'dyn-list',
      { urdf: pandaUrdf() },
      { damping: dampingList, armature: armatureList },
    );
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, dampingList);
    assert.deepEqual(armature, armatureList);
  });

  it('an equal damping is no override; --armature alone keeps the URDF damping', async () => {
    const { out, warnings } = await importWith(
      'dyn-armature',
      { urdf: urUrdf() },
      { damping: [0.1, 0.1, 0.1, 0.1, 0.1, 2], armature: [0.2] },
    );
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [0.1, 0.1, 0.1, 0.1, 0.1, 2]);
    assert.deepEqual(armature, [0.2, 0.2, 0.2, 0.2, 0.2, 0.2]);
    assert.deepEqual(
      warnings.filter((w) => w.includes('--damping')),
      [`joint '${UR_JOINTS[5]}': --damping 2 replaces the description's damping 0.1`],
    );
    const onlyArmature = await importWith(
      'dyn-armature-only',
      { urdf: urUrdf() },
      { armature: [0.3] },
    );
    assert.deepEqual((await compiledDynamics(onlyArmature.out))[0], [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  });

  it("MJCF: the flags win over the joint's class damping and armature, and the override is said", async () => {
    const { out, warnings } = await importWith(
      'dyn-mjcf',
      { mjcf: writeMenagerieArm },
      { damping: [2, 2, 0.5], armature: [0.01] },
    );
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [2, 2, 0.5]);
    assert.deepEqual(armature, [0.01, 0.01, 0.01]);
    assert.ok(
      warnings.includes("joint 'joint1': --damping 2 replaces the description's damping 200"),
    );
    assert.ok(
      warnings.includes("joint 'joint3': --damping 0.5 replaces the description's damping 20"),
    );
    // Menagerie's servo damping no longer eats the effort budget: no damping warning is left.
    assert.ok(!warnings.some((w) => / damping 200: at /.test(w)));
  });

  it('refuses a wrong count naming the flag, its value and the joints', async () => {
    await assert.rejects(
      importWith('dyn-count', { urdf: urUrdf() }, { damping: [1, 2] }),
      /robot import: --damping 1,2: 2 values for 6 moving joints \(shoulder_pan_joint, .*wrist_3_joint\): give one value for every joint, or one per joint/,
    );
    await assert.rejects(
      importWith('dyn-count-mjcf', { mjcf: writeMenagerieArm }, { armature: [1, 2, 3, 4] }),
      /robot import: --armature 1,2,3,4: 4 values for 3 moving joints \(joint1, joint2, joint3\)/,
    );
    await assert.rejects(
      importWith('dyn-negative', { urdf: urUrdf() }, { armature: [-1] }),
      /robot import: --armature -1: -1 is not a finite number ≥ 0/,
    );
  });

  it('the CLI refuses a non-number, a negative or an empty entry naming the flag and the value', async () => {
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', damping: '5,abc' }),
      /option 'damping' = "5,abc": --damping takes a number ≥ 0, or a comma list with one per moving joint; "abc" is not a finite number ≥ 0/,
    );
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', armature: '0.1,-0.2' }),
      /option 'armature' = "0\.1,-0\.2": --armature takes .*"-0\.2" is not a finite number ≥ 0/,
    );
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', damping: '1,,2' }),
      /option 'damping' = "1,,2": --damping .*"" is not a finite number ≥ 0/,
    );
    const ok = parseRobotImportOptions({
      file: 'a.urdf',
      out: 'o',
      damping: '5',
      armature: '0.1, 0.05',
    });
    assert.deepEqual([ok.damping, ok.armature], [[5], [0.1, 0.05]]);

    const root = tempDir('dyn-cli');
    const file = join(root, 'ur.urdf');
    writeFileSync(file, urUrdf());
    const program = new Command().exitOverride();
    registerRobotCommands(program, { write: () => undefined });
    await assert.rejects(
      program.parseAsync([
        'node',
        'torquepilot',
        'robot',
        'import',
        file,
        '--out',
        join(root, 'o'),
        '--armature',
        '0.1,0.2',
      ]),
      /--armature 0\.1,0\.2: 2 values for 6 moving joints/,
    );
  });
});
