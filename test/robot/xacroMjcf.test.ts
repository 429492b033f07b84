/**
 * The other inputs: a xacro with arguments (expanded by xacro-parser here, since no `xacro` is on
 * the test machine's PATH) and a Menagerie-style MJCF with OBJ meshes and position servos.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadModel, loadMujoco } from '../../sim/index.js';
import { importRobot } from '../../src/robot/index.js';
import { makePackage, tempDir, writeBoxMeshes, writeMenagerieArm } from './fixtures.js';

const ARM_XACRO = `<?xml version="1.0"?>
<robot name="two_link" xmlns:xacro="http://www.ros.org/wiki/xacro">
  <xacro:arg name="prefix" default=""/>
  <xacro:arg name="effort" default="10"/>
  <xacro:property name="prefix" value="$(arg prefix)"/>
  <xacro:include filename="$(find two_link_test)/urdf/link.xacro"/>
  <link name="\${prefix}base"/>
  <xacro:arm_link name="\${prefix}link1" length="0.3"/>
  <xacro:arm_link name="\${prefix}link2" length="0.25"/>
  <joint name="\${prefix}joint1" type="revolute">
    <parent link="\${prefix}base"/><child link="\${prefix}link1"/>
    <axis xyz="0 0 1"/><limit lower="\${-pi/2}" upper="\${pi/2}" effort="$(arg effort)" velocity="1"/>
  </joint>
  <joint name="\${prefix}joint2" type="revolute">
    <parent link="\${prefix}link1"/><child link="\${prefix}link2"/><origin xyz="0.3 0 0"/>
    <axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="\${$(arg effort) / 2}" velocity="1"/>
  </joint>
</robot>
`;

const LINK_XACRO = `<?xml version="1.0"?>
<robot xmlns:xacro="http://www.ros.org/wiki/xacro">
  <xacro:macro name="arm_link" params="name length">
    <link name="\${name}">
      <inertial><origin xyz="\${length/2} 0 0"/><mass value="1"/><inertia ixx="0.001" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>
      <collision><geometry><mesh filename="package://two_link_test/meshes/box.stl"/></geometry></collision>
    </link>
  </xacro:macro>
</robot>
`;

describe('robot import: xacro', () => {
  it('expands a xacro with name:=value arguments, $(find) and an include', async () => {
    const root = tempDir('xacro');
    const pkg = makePackage(root, 'two_link_test');
    writeBoxMeshes(pkg, ['box']);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(pkg, 'urdf'));
    writeFileSync(join(pkg, 'urdf', 'link.xacro'), LINK_XACRO);
    const file = join(pkg, 'urdf', 'arm.urdf.xacro');
    writeFileSync(file, ARM_XACRO);
    const out = join(root, 'out');
    const report = await importRobot({
      input: { kind: 'file', path: file, xacroArgs: { prefix: 'left_', effort: '42' } },
      outDir: out,
      packagePaths: [root],
      xacroEngine: 'xacro-parser',
    });
    assert.equal(report.sourceKind, 'xacro');
    assert.deepEqual(report.jointNames, ['left_joint1', 'left_joint2']);
    assert.deepEqual(report.torqueLimits, [42, 21]);
    assert.ok(Math.abs((report.ranges[0]?.[1] ?? 0) - Math.PI / 2) < 1e-12);
    assert.equal(report.endEffector.name, 'left_link2');
    assert.ok(report.notices.includes('xacro expanded with xacro-parser'));
    const urdf = readFileSync(join(out, 'robot.urdf'), 'utf8');
    assert.doesNotMatch(urdf, /xacro:/);
    assert.match(urdf, /<joint name="left_joint1"/);
    const yaml = parseYaml(readFileSync(join(out, 'robot.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal((yaml['source'] as Record<string, string>)['kind'], 'xacro');
    assert.deepEqual(readdirSync(join(out, 'meshes')), ['box.stl']);
  });
});

describe('robot import: Menagerie-style MJCF', () => {
  it('replaces position servos by torque motors at the forcerange, copies OBJ meshes, keeps damping and the home keyframe', async () => {
    const root = tempDir('mjcf');
    const file = writeMenagerieArm(join(root, 'arm'));
    const out = join(root, 'out');
    const report = await importRobot({ input: { kind: 'file', path: file }, outDir: out });
    assert.equal(report.sourceKind, 'mjcf');
    assert.deepEqual(report.jointNames, ['joint1', 'joint2', 'joint3']);
    // joint1: the class's forcerange; joint2: its own forcerange; joint3: the affine <general>'s.
    assert.deepEqual(report.torqueLimits, [150, 100, 28]);
    assert.deepEqual(report.home, [0.1, 0.5, -0.5]);
    assert.equal(report.endEffector.name, 'attachment');
    const replaced = report.notices.filter((n) => n.startsWith('replaced '));
    assert.equal(replaced.length, 3);
    assert.match(replaced[0] ?? '', /<position name="joint1"> on joint 'joint1' → <motor> ±150/);
    assert.match(replaced[2] ?? '', /<general name="joint3"> on joint 'joint3' → <motor> ±28/);
    // Menagerie's servo damping (200) is kept as written, and said.
    assert.ok(report.warnings.some((w) => /joint 'joint1' damping 200: at 0\.75 rad\/s/.test(w)));
    assert.deepEqual(readdirSync(join(out, 'meshes')).sort(), [
      'base.obj',
      'link1.obj',
      'link2.obj',
      'link3.obj',
    ]);
    const xml = readFileSync(join(out, 'model.xml'), 'utf8');
    assert.doesNotMatch(xml, /<position |<general |<keyframe/);
    assert.match(xml, /<size memory="4M"\/>/);

    const mj = await loadMujoco();
    const model = loadModel(mj, join(out, 'model.xml'));
    try {
      assert.equal(model.nu, 3);
      assert.deepEqual(Array.from(model.actuator_biastype as Int32Array), [0, 0, 0]);
      assert.deepEqual(
        Array.from(model.actuator_ctrlrange as Float64Array),
        [-150, 150, -100, 100, -28, 28],
      );
      assert.deepEqual(Array.from(model.dof_damping as Float64Array), [200, 200, 20]);
      assert.ok(mj.mj_name2id(model, mj.mjtObj.mjOBJ_SITE.value, 'ee') >= 0);
    } finally {
      model.delete();
    }
  });
});
