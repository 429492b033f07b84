/**
 * URDF import of the test-written UR-type and Panda-type arms: the robot folder's files, the motors,
 * the kept fixed links, mesh lookup through --package-path and AMENT_PREFIX_PATH, and forward
 * kinematics of the written MJCF against the UR5e DH model.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadModel, loadMujoco } from '../../sim/index.js';
import { importRobot } from '../../src/robot/index.js';
import {
  boxStl,
  PANDA_EFFORT,
  PANDA_MESH_NAMES,
  UR_EFFORT,
  UR_JOINTS,
  UR_MESH_NAMES,
  makePackage,
  pandaUrdf,
  tempDir,
  urDhPosition,
  urUrdf,
  writeBoxMeshes,
} from './fixtures.js';

/** A UR-type description package with STL collision boxes, and its URDF path. */
function urPackage(): { root: string; urdf: string } {
  const root = tempDir('ur');
  const pkg = makePackage(join(root, 'src'), 'ur_test');
  writeBoxMeshes(pkg, UR_MESH_NAMES);
  const urdf = join(root, 'ur.urdf');
  writeFileSync(urdf, urUrdf({ meshPrefix: 'package://ur_test/meshes/', daeVisuals: true }));
  return { root, urdf };
}

describe('robot import: UR-type 6-joint URDF', () => {
  it('writes model.xml, meshes/, robot.yaml and robot.urdf with one motor per joint at ±effort', async () => {
    const { root, urdf } = urPackage();
    const out = join(root, 'robots', 'ur');
    const report = await importRobot({
      input: { kind: 'file', path: urdf },
      outDir: out,
      packagePaths: [join(root, 'src')],
    });
    assert.deepEqual(report.jointNames, UR_JOINTS);
    assert.deepEqual(report.torqueLimits, UR_EFFORT);
    assert.equal(report.endEffector.name, 'tool0');
    assert.equal(report.meshCount, UR_MESH_NAMES.length);
    assert.deepEqual(
      readdirSync(join(out, 'meshes')).sort(),
      UR_MESH_NAMES.map((n) => `${n}.stl`).sort(),
    );
    assert.equal(readFileSync(join(out, 'robot.urdf'), 'utf8'), readFileSync(urdf, 'utf8'));
    // Seven .dae visuals: each skipped with a warning naming its link and URI.
    const dae = report.warnings.filter((w) =>
      /visual mesh 'package:\/\/ur_test\/meshes\/visual\/.*\.dae' skipped/.test(w),
    );
    assert.equal(dae.length, 7);

    const robot = parseYaml(readFileSync(join(out, 'robot.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(robot['name'], 'ur_test');
    assert.equal(robot['model'], 'model.xml');
    assert.deepEqual(robot['jointNames'], UR_JOINTS);
    assert.deepEqual(robot['torqueLimits'], UR_EFFORT);
    assert.equal(robot['endEffectorSite'], 'ee');
    assert.equal(robot['controlRateHz'], 50);
    assert.equal(robot['frameSkip'], 10);
    assert.equal(robot['gravity'], 'policy');
    assert.equal(robot['description'], 'robot.urdf');
    assert.deepEqual(robot['home'], [0, 0, 0, 0, 0, 0]);
    assert.equal((robot['source'] as Record<string, string>)['kind'], 'urdf');
    const ws = robot['workspace'] as { low: number[]; high: number[] };
    for (let axis = 0; axis < 3; axis++) assert.ok((ws.low[axis] ?? 0) < (ws.high[axis] ?? 0));

    const mj = await loadMujoco();
    const model = loadModel(mj, join(out, 'model.xml'));
    try {
      assert.equal(model.nu, 6);
      assert.ok(Math.abs(model.opt.timestep - 0.002) < 1e-12);
      const ctrlRange = model.actuator_ctrlrange as Float64Array;
      const trnId = model.actuator_trnid as Int32Array;
      const damping = model.dof_damping as Float64Array;
      const friction = model.dof_frictionloss as Float64Array;
      for (let a = 0; a < 6; a++) {
        assert.equal(
          mj.mj_id2name(model, mj.mjtObj.mjOBJ_JOINT.value, trnId[2 * a] ?? -1),
          UR_JOINTS[a],
        );
        assert.deepEqual(
          [ctrlRange[2 * a], ctrlRange[2 * a + 1]],
          [-(UR_EFFORT[a] ?? 0), UR_EFFORT[a]],
        );
        // The URDF's 0.1 is below the importer's default 0.2 × effort / velocity (3.14159 rad/s);
        // a larger URDF damping is kept (test/robot/jointDynamics.test.ts).
        assert.equal(damping[a], Number(((0.2 * (UR_EFFORT[a] ?? 0)) / 3.14159).toPrecision(3)));
        assert.equal(friction[a], 0.2);
      }
      // Fixed links are kept as bodies (MuJoCo's own URDF import fuses them away).
      for (const body of ['base', 'flange', 'tool0']) {
        assert.ok(mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, body) > 0, body);
      }
    } finally {
      model.delete();
    }
  });

  it('forward kinematics of the written MJCF equals the UR5e DH model to 1e-6 m at three poses', async () => {
    const { root, urdf } = urPackage();
    const out = join(root, 'ur');
    await importRobot({
      input: { kind: 'file', path: urdf },
      outDir: out,
      packagePaths: [join(root, 'src')],
    });
    const mj = await loadMujoco();
    const model = loadModel(mj, join(out, 'model.xml'));
    const data = new mj.MjData(model);
    try {
      const site = mj.mj_name2id(model, mj.mjtObj.mjOBJ_SITE.value, 'ee');
      const poses = [
        [0, 0, 0, 0, 0, 0],
        [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0],
        [0.3, -1.2, 1.7, -0.4, 1.1, -2.5],
      ];
      for (const q of poses) {
        (data.qpos as Float64Array).set(q);
        mj.mj_kinematics(model, data);
        const x = data.site_xpos as Float64Array;
        const expected = urDhPosition(q);
        for (let axis = 0; axis < 3; axis++) {
          assert.ok(
            Math.abs((x[3 * site + axis] ?? NaN) - expected[axis]!) < 1e-6,
            `q=${q} axis ${axis}: ${x[3 * site + axis]} vs ${expected[axis]}`,
          );
        }
      }
    } finally {
      data.delete();
      model.delete();
    }
  });

  it('replaces an existing folder atomically and leaves no temporary directory', async () => {
    const { root, urdf } = urPackage();
    const out = join(root, 'robots', 'ur');
    const common = {
      input: { kind: 'file' as const, path: urdf },
      outDir: out,
      packagePaths: [join(root, 'src')],
    };
    await importRobot(common);
    await importRobot({ ...common, noCollision: true, name: 'ur_free' });
    assert.equal(existsSync(join(out, 'meshes')), false);
    assert.match(readFileSync(join(out, 'robot.yaml'), 'utf8'), /^name: ur_free$/m);
    assert.deepEqual(readdirSync(join(root, 'robots')), ['ur']);
    assert.match(readFileSync(join(out, 'model.xml'), 'utf8'), /<flag contact="disable"\/>/);
  });
});

describe('robot import: Panda-type 7-joint URDF', () => {
  it('finds package:// meshes through AMENT_PREFIX_PATH (<prefix>/share/<pkg>) and picks a home inside the ranges', async () => {
    const root = tempDir('panda');
    const pkg = makePackage(join(root, 'install', 'share'), 'panda_test');
    writeBoxMeshes(pkg, PANDA_MESH_NAMES);
    const urdf = join(root, 'panda.urdf');
    writeFileSync(urdf, pandaUrdf({ meshPrefix: 'package://panda_test/meshes/' }));
    const saved = process.env['AMENT_PREFIX_PATH'];
    process.env['AMENT_PREFIX_PATH'] = `/nonexistent/prefix:${join(root, 'install')}`;
    try {
      const report = await importRobot({
        input: { kind: 'file', path: urdf },
        outDir: join(root, 'out'),
      });
      assert.deepEqual(report.torqueLimits, PANDA_EFFORT);
      assert.equal(report.jointNames.length, 7);
      assert.equal(report.endEffector.name, 'panda_link8');
      assert.equal(report.meshCount, 8);
      // 0 is outside joint 4's range [-3.0718, -0.0698]: its home is the mid-range.
      assert.ok(Math.abs((report.home[3] ?? 0) - (-3.0718 - 0.0698) / 2) < 1e-12);
      assert.deepEqual([...report.home.slice(0, 3), ...report.home.slice(4)], [0, 0, 0, 0, 0, 0]);
      // Panda at this home: the flange at x = 0.088 + ..., above the base.
      assert.ok(report.workspace.homeEe[2] > 0.3);
    } finally {
      if (saved === undefined) delete process.env['AMENT_PREFIX_PATH'];
      else process.env['AMENT_PREFIX_PATH'] = saved;
    }
  });

  it('takes --home and --control-rate: 100 Hz is timestep 0.002 s × frame skip 5', async () => {
    const root = tempDir('panda');
    const urdf = join(root, 'panda.urdf');
    writeFileSync(urdf, pandaUrdf());
    const home = [0, -0.785, 0, -2.356, 0, 1.571, 0.785];
    const report = await importRobot({
      input: { kind: 'file', path: urdf },
      outDir: join(root, 'out'),
      home,
      controlRateHz: 100,
    });
    assert.deepEqual(report.home, home);
    assert.equal(report.frameSkip, 5);
    assert.ok(Math.abs(report.timestep - 0.002) < 1e-15);
    const yaml = parseYaml(readFileSync(join(root, 'out', 'robot.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(yaml['home'], home);
    assert.equal(yaml['controlRateHz'], 100);
    assert.equal(yaml['frameSkip'], 5);
  });
});

describe('robot import: URDF details', () => {
  it('a root link named "world" is the world body; mesh scale goes on the asset; file:// URIs resolve', async () => {
    const root = tempDir('world');
    const { writeFileSync: write } = await import('node:fs');
    write(join(root, 'box.stl'), boxStl([0.5, 0.5, 0.5]));
    const link = (name: string, geometry = ''): string =>
      `<link name="${name}"><inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>${geometry}</link>`;
    const mesh = `<collision><origin xyz="0 0 0.1" rpy="0 0 1.5707963267948966"/><geometry><mesh filename="file://${join(root, 'box.stl')}" scale="0.1 0.1 0.2"/></geometry></collision>`;
    const urdf = `<robot name="w"><link name="world"/>${link('base')}${link('arm', mesh)}
      <joint name="fix" type="fixed"><parent link="world"/><child link="base"/><origin xyz="0 0 0.5"/></joint>
      <joint name="j1" type="prismatic"><parent link="base"/><child link="arm"/><axis xyz="1 0 0"/><limit lower="-0.2" upper="0.3" effort="40"/></joint></robot>`;
    const file = join(root, 'w.urdf');
    write(file, urdf);
    const out = join(root, 'out');
    const report = await importRobot({ input: { kind: 'file', path: file }, outDir: out });
    assert.deepEqual(report.jointNames, ['j1']);
    assert.deepEqual(report.ranges, [[-0.2, 0.3]]);
    assert.equal(report.endEffector.name, 'arm');
    // home 0 (inside [-0.2, 0.3]): the ee at the base, 0.5 m up.
    assert.deepEqual(report.workspace.homeEe, [0, 0, 0.5]);
    const xml = readFileSync(join(out, 'model.xml'), 'utf8');
    assert.doesNotMatch(xml, /<body name="world"/);
    assert.match(xml, /<mesh name="box" file="box.stl" scale="0.1 0.1 0.2"\/>/);
    assert.match(xml, /<joint name="j1" type="slide" axis="1 0 0" range="-0.2 0.3"/);
    const mj = await loadMujoco();
    const model = loadModel(mj, join(out, 'model.xml'));
    try {
      // The scaled box (1 m cube × 0.1, 0.1, 0.2) keeps its origin and rotation: geom half-sizes.
      const geomSize = model.geom_size as Float64Array;
      const geomPos = model.geom_pos as Float64Array;
      assert.equal(model.ngeom, 1);
      assert.ok(Math.abs((geomPos[2] ?? 0) - 0.1) < 1e-9);
      assert.ok(Math.abs((geomSize[2] ?? 0) - 0.1) < 1e-6, `half height ${geomSize[2]}`);
    } finally {
      model.delete();
    }
  });
});
