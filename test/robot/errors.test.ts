/**
 * Every input `robot import` refuses names the thing (issue 15, point 3): the mesh URI and each
 * place searched, the joint, the links or tips to choose from, and MuJoCo's own compiler message.
 * A refused import leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importRobot } from '../../src/robot/index.js';
import type { RobotImportOptions } from '../../src/robot/index.js';
import { boxStl, makePackage, pandaUrdf, tempDir, urUrdf, writeMenagerieArm } from './fixtures.js';

/** Write `urdf` into a fresh directory and import it with `extra` options. */
async function importUrdf(
  urdf: string,
  extra: Partial<RobotImportOptions> = {},
): Promise<{ root: string; run: Promise<unknown> }> {
  const root = tempDir('err');
  const file = join(root, 'robot.urdf');
  writeFileSync(file, urdf);
  return {
    root,
    run: importRobot({ input: { kind: 'file', path: file }, outDir: join(root, 'out'), ...extra }),
  };
}

/** A one-joint URDF whose joint element is `joint` (parent a, child b). */
function oneJoint(
  joint: string,
  childLink = '<link name="b"><inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>',
): string {
  return `<robot name="one"><link name="a"/>${childLink}${joint}</robot>`;
}

describe('robot import: errors that name the thing', () => {
  it('a mesh not found: its URI, the link, and every place searched', async () => {
    const root = tempDir('mesh');
    makePackage(join(root, 'ws'), 'ur_test'); // the package exists, its meshes do not
    const saved = process.env['AMENT_PREFIX_PATH'];
    process.env['AMENT_PREFIX_PATH'] = join(root, 'prefix');
    try {
      const { run } = await importUrdf(urUrdf({ meshPrefix: 'package://ur_test/meshes/' }), {
        packagePaths: [join(root, 'ws')],
      });
      await assert.rejects(run, (err: Error) => {
        assert.match(
          err.message,
          /mesh 'package:\/\/ur_test\/meshes\/base\.stl' \(link 'base_link' <collision>\) not found; searched:/,
        );
        for (const place of [
          join(root, 'ws', 'ur_test', 'meshes', 'base.stl'),
          join(root, 'ws', 'share', 'ur_test', 'meshes', 'base.stl'),
          join(root, 'prefix', 'share', 'ur_test', 'meshes', 'base.stl'),
        ]) {
          assert.ok(err.message.includes(place), `${place} missing from: ${err.message}`);
        }
        assert.match(err.message, /--package-path/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env['AMENT_PREFIX_PATH'];
      else process.env['AMENT_PREFIX_PATH'] = saved;
    }
  });

  it('a relative mesh path not found names the path searched beside the URDF', async () => {
    const { root, run } = await importUrdf(
      oneJoint(
        '<joint name="j" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="5"/></joint>',
      ).replace(
        '<link name="a"/>',
        '<link name="a"><collision><geometry><mesh filename="meshes/a.stl"/></geometry></collision></link>',
      ),
    );
    await assert.rejects(
      run,
      new RegExp(
        `mesh 'meshes/a\\.stl' \\(link 'a' <collision>\\) not found; searched:\\n  ${join(root, 'meshes', 'a.stl')}`,
      ),
    );
  });

  it('a .dae collision mesh is an error unless --no-collision; a .dae visual is skipped with a warning', async () => {
    const root = tempDir('dae');
    const pkg = makePackage(root, 'p');
    writeFileSync(join(pkg, 'a.stl'), boxStl([0.05, 0.05, 0.05]));
    const link = (collision: string): string =>
      `<link name="a"><collision><geometry><mesh filename="package://p/${collision}"/></geometry></collision><visual><geometry><mesh filename="package://p/v.dae"/></geometry></visual></link>`;
    const joint = oneJoint(
      '<joint name="j" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="5"/></joint>',
    );
    const daeCollision = joint.replace('<link name="a"/>', link('a.dae'));
    const refused = await importUrdf(daeCollision, { packagePaths: [root] });
    await assert.rejects(
      refused.run,
      /link 'a' <collision>: collision mesh 'package:\/\/p\/a\.dae' is \.dae, which MuJoCo cannot load .*--no-collision/,
    );
    // --no-collision leaves all geometry out, so neither mesh is looked at.
    const free = (await (
      await importUrdf(daeCollision, { noCollision: true })
    ).run) as {
      warnings: string[];
      meshCount: number;
    };
    assert.deepEqual([free.warnings, free.meshCount], [[], 0]);
    const stlCollision = joint.replace('<link name="a"/>', link('a.stl'));
    const report = (await (
      await importUrdf(stlCollision, { packagePaths: [root] })
    ).run) as {
      warnings: string[];
      meshCount: number;
    };
    assert.deepEqual(report.warnings, [
      "link 'a' <visual>: visual mesh 'package://p/v.dae' skipped: MuJoCo cannot load .dae (STL and OBJ only)",
    ]);
    assert.equal(report.meshCount, 1);
  });

  const refusals: readonly {
    name: string;
    urdf: string;
    extra?: Partial<RobotImportOptions>;
    error: RegExp;
  }[] = [
    {
      name: 'a joint with no effort limit',
      urdf: oneJoint(
        '<joint name="elbow" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" velocity="1"/></joint>',
      ),
      error: /joint 'elbow' has no effort limit \(<limit effort="\.\.\."\/> missing\)/,
    },
    {
      name: 'a joint with effort 0',
      urdf: oneJoint(
        '<joint name="elbow" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="0"/></joint>',
      ),
      error: /joint 'elbow' has no effort limit \(<limit effort="\.\.\."\/> = 0\)/,
    },
    {
      name: 'a mimic joint',
      urdf: pandaUrdf({ hand: 'mimic' }),
      error:
        /joint 'panda_finger_joint2' mimics joint 'panda_finger_joint1': mimic joints are not supported/,
    },
    {
      name: 'a floating base',
      urdf: oneJoint(
        '<joint name="world_to_base" type="floating"><parent link="a"/><child link="b"/></joint>',
      ),
      error: /joint 'world_to_base' is floating: a floating base is not supported/,
    },
    {
      name: 'an unknown --ee-link',
      urdf: pandaUrdf(),
      extra: { eeLink: 'tool0' },
      error:
        /--ee-link 'tool0' is not a link of this robot; its links are: panda_link0, panda_link1, .*, panda_link8$/,
    },
    {
      name: 'a branching tree without --ee-link',
      urdf: pandaUrdf({ hand: 'branching' }),
      error:
        /the kinematic tree branches .* choose it with --ee-link, one of the tips: panda_leftfinger, panda_rightfinger$/,
    },
    {
      name: 'a --home of the wrong length',
      urdf: pandaUrdf(),
      extra: { home: [0, 0, 0] },
      error: /--home has 3 values, the robot has 7 joints \(panda_joint1, .*panda_joint7\)/,
    },
    {
      name: 'a --home value outside its joint range',
      urdf: pandaUrdf(),
      extra: { home: [0, 0, 0, 0, 0, 0, 0] },
      error: /--home value 0 for joint 'panda_joint4' is outside its range \[-3\.0718, -0\.0698\]/,
    },
    {
      name: "MuJoCo's compiler message (a massless moving link)",
      urdf: oneJoint(
        '<joint name="j" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="5"/></joint>',
        '<link name="b"/>',
      ),
      error:
        /MuJoCo could not compile the MJCF converted from .*robot\.urdf .*: Error: mass and inertia of moving bodies must be larger than mjMINVAL; Element name 'b'/,
    },
    {
      name: 'XML that is not well-formed',
      urdf: '<robot name="x"><link name="a"></robot>',
      error: /robot\.urdf: not well-formed XML/,
    },
  ];
  for (const { name, urdf, extra, error } of refusals) {
    it(`refuses ${name}, and leaves no folder behind`, async () => {
      const { root, run } = await importUrdf(urdf, extra);
      await assert.rejects(run, error);
      assert.deepEqual(readdirSync(root), ['robot.urdf']);
    });
  }

  it('refuses to replace an --out that is not a robot folder (no robot.yaml), and leaves it untouched', async () => {
    const root = tempDir('out-guard');
    const file = join(root, 'robot.urdf');
    writeFileSync(file, pandaUrdf());
    await assert.rejects(
      importRobot({ input: { kind: 'file', path: file }, outDir: root }),
      new RegExp(
        `--out ${root} exists and is not a robot folder \\(no robot.yaml\\); refusing to replace it`,
      ),
    );
    assert.deepEqual(readdirSync(root), ['robot.urdf']);
    await assert.rejects(
      importRobot({ input: { kind: 'file', path: file }, outDir: file }),
      /exists and is not a directory/,
    );
  });

  it('continuous joints are allowed, and said', async () => {
    const { root, run } = await importUrdf(urUrdf({ continuousWrist: true }));
    const report = (await run) as { notices: string[]; ranges: unknown[] };
    assert.ok(report.notices.includes("joint 'wrist_3_joint' is continuous: no position limit"));
    assert.equal(report.ranges[5], undefined);
    assert.ok(existsSync(join(root, 'out', 'robot.yaml')));
  });

  it('the branching tree imports once --ee-link picks a tip', async () => {
    const { run } = await importUrdf(pandaUrdf({ hand: 'branching' }), { eeLink: 'panda_hand' });
    const report = (await run) as {
      jointNames: string[];
      endEffector: { name: string; how: string };
    };
    assert.equal(report.jointNames.length, 9);
    assert.deepEqual(report.endEffector, { name: 'panda_hand', how: 'given' });
  });

  it('MJCF: a joint whose servo has no forcerange and no actuatorfrcrange', async () => {
    const root = tempDir('mjcf-effort');
    const file = writeMenagerieArm(join(root, 'arm'));
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '<general class="wrist" name="joint3" joint="joint3"/>',
        '<general class="wrist" name="joint3" joint="joint3" forcelimited="false"/>',
      ),
    );
    await assert.rejects(
      importRobot({ input: { kind: 'file', path: file }, outDir: join(root, 'out') }),
      /joint 'joint3' has no effort limit: give its actuator a forcerange, or the joint an actuatorfrcrange/,
    );
    assert.deepEqual(readdirSync(root), ['arm']);
  });

  it("MJCF: a floating base, and MuJoCo's XML reader message", async () => {
    const root = tempDir('mjcf-err');
    await assert.rejects(
      importRobot({
        input: { kind: 'file', path: writeMenagerieArm(join(root, 'free'), { freejoint: true }) },
        outDir: join(root, 'o1'),
      }),
      /body 'base' has a free joint: a floating base is not supported/,
    );
    await assert.rejects(
      importRobot({
        input: { kind: 'file', path: writeMenagerieArm(join(root, 'bad'), { badAttribute: true }) },
        outDir: join(root, 'o2'),
      }),
      /MuJoCo could not compile .*arm\.xml: XML Error: attribute 'range' does not have enough data; Element 'joint', line \d+/,
    );
  });

  it('xacro: an unknown $(find pkg) lists the places searched', async () => {
    const root = tempDir('xacro-err');
    const file = join(root, 'arm.urdf.xacro');
    writeFileSync(
      file,
      '<robot name="x" xmlns:xacro="http://www.ros.org/wiki/xacro"><xacro:include filename="$(find missing_pkg)/urdf/a.xacro"/><link name="a"/></robot>',
    );
    await assert.rejects(
      importRobot({
        input: { kind: 'file', path: file },
        outDir: join(root, 'out'),
        packagePaths: [join(root, 'ws')],
        xacroEngine: 'xacro-parser',
      }),
      new RegExp(
        `package 'missing_pkg' not found; searched:\\n  ${join(root, 'ws', 'missing_pkg')}`,
      ),
    );
  });
});
