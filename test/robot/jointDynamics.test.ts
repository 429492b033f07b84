/**
 * Joint dynamics of `robot import`: without flags a URDF's joints get the importer's defaults
 * (armature 0.1, damping max(URDF, 0.2 × effort / velocity), each said in a note) and an MJCF keeps
 * its own; `--damping`/`--armature` set the compiled model's dof_damping and dof_armature (one
 * value for all joints, or one per joint in chain order; 0 for none), an override of the
 * description's damping is said, and bad values or counts are refused naming the flag.
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
import { pandaUrdf, tempDir, UR_EFFORT, UR_JOINTS, urUrdf, writeMenagerieArm } from './fixtures.js';

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
  it('without the flags: armature 0.1 and damping 0.2 × effort / velocity where the URDF has less, said in notes', async () => {
    const root = tempDir('dyn-default');
    const path = join(root, 'arm.urdf');
    writeFileSync(path, urUrdf());
    const report = await importRobot({
      input: { kind: 'file', path },
      outDir: join(root, 'out'),
      noCollision: true,
    });
    const [damping, armature] = await compiledDynamics(join(root, 'out'));
    // The UR-type URDF: damping 0.1, velocity limit 3.14159 rad/s on every joint.
    const expected = UR_EFFORT.map((e) => Number(((0.2 * e) / 3.14159).toPrecision(3)));
    assert.deepEqual(expected, [9.55, 9.55, 9.55, 1.78, 1.78, 1.78]);
    assert.deepEqual(damping, expected);
    assert.deepEqual(armature, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const model = readFileSync(join(root, 'out', 'model.xml'), 'utf8');
    assert.equal(model.match(/ armature="0\.1"/g)?.length, 6);
    assert.match(model, /name="shoulder_pan_joint" [^>]* damping="9\.55"/);
    assert.ok(!report.warnings.some((w) => w.includes('--damping')));
    assert.ok(
      report.notices.some((n) =>
        n.startsWith(
          "armature 0.1 kg·m² on every joint (a URDF has no rotor inertia; MuJoCo Menagerie's",
        ),
      ),
    );
    assert.ok(
      report.notices.includes(
        "damping 0.2 × effort / velocity limit (N·m·s/rad; N·s/m for a slide), where the URDF's is lower: shoulder_pan_joint 9.55, shoulder_lift_joint 9.55, elbow_joint 9.55, wrist_1_joint 1.78, wrist_2_joint 1.78, wrist_3_joint 1.78 (the importer's default: give your arm's with --damping, or --damping 0 for none)",
      ),
    );
  });

  it('--armature 0 --damping 0 leave the joints without armature and damping', async () => {
    const { out, warnings } = await importWith(
      'dyn-zero',
      { urdf: urUrdf() },
      { damping: [0], armature: [0] },
    );
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(armature, [0, 0, 0, 0, 0, 0]);
    assert.equal(warnings.filter((w) => w.includes('--damping 0 replaces')).length, 6);
  });

  it('an MJCF keeps its own armature and damping without the flags', async () => {
    const { out } = await importWith('dyn-mjcf-default', { mjcf: writeMenagerieArm });
    const [damping, armature] = await compiledDynamics(out);
    assert.deepEqual(damping, [200, 200, 20]);
    assert.deepEqual(armature, [0.1, 0.1, 0.1]);
  });

  it('the default damping keeps a larger URDF damping and a joint without a velocity limit', async () => {
    const urdf = urUrdf()
      .replace('damping="0.1"', 'damping="20"')
      .replace(/velocity="3\.14159"(?![^]*velocity="3\.14159")/, '');
    const { out } = await importWith('dyn-keep', { urdf });
    const [damping] = await compiledDynamics(out);
    assert.deepEqual(damping, [20, 9.55, 9.55, 1.78, 1.78, 0.1]);
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

  it('an equal damping is no override; --armature alone keeps the default damping', async () => {
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
    assert.deepEqual(
      (await compiledDynamics(onlyArmature.out))[0],
      [9.55, 9.55, 9.55, 1.78, 1.78, 1.78],
    );
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
