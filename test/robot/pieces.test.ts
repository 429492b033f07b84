/**
 * The importer's small pieces on hand-made inputs: package lookup order, mesh file naming, the
 * end-effector choice on trees, and the control rate → physics step table.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseEndEffector } from '../../src/robot/chain.js';
import type { TreeNode } from '../../src/robot/chain.js';
import {
  MeshFiles,
  findPackage,
  packageCandidates,
  resolveMeshUri,
} from '../../src/robot/meshes.js';
import { stepTiming } from '../../src/robot/workspace.js';
import { boxStl, makePackage, tempDir } from './fixtures.js';

describe('robot import pieces: packages and meshes', () => {
  it('searches --package-path (the package itself, DIR/<pkg>, DIR/share/<pkg>) before AMENT_PREFIX_PATH', () => {
    const root = tempDir('pkgs');
    // A package whose directory name differs from its package.xml name (a colcon src/ checkout).
    const dir = makePackage(root, 'checkout-of-arm');
    writeFileSync(join(dir, 'package.xml'), '<package><name>arm_description</name></package>');
    const search = { packagePaths: [dir, root], amentPrefixPath: '/opt/a:/opt/b' };
    assert.deepEqual(packageCandidates('arm_description', search), [
      dir,
      join(dir, 'arm_description'),
      join(dir, 'share', 'arm_description'),
      join(root, 'arm_description'),
      join(root, 'share', 'arm_description'),
      '/opt/a/share/arm_description',
      '/opt/b/share/arm_description',
    ]);
    assert.equal(findPackage('arm_description', search), dir);
    assert.throws(
      () => resolveMeshUri('model://arm/x.stl', search, "link 'l' <collision>"),
      /mesh 'model:\/\/arm\/x\.stl' \(link 'l' <collision>\): unsupported URI scheme/,
    );
  });

  it('copies each mesh file once, and renames a second file of the same name', () => {
    const root = tempDir('meshfiles');
    for (const pkg of ['a', 'b']) {
      mkdirSync(join(root, pkg));
      writeFileSync(join(root, pkg, 'link1.STL'), boxStl([0.1, 0.1, 0.1]));
    }
    const meshes = new MeshFiles();
    assert.equal(meshes.add(join(root, 'a', 'link1.STL')), 'link1.stl');
    assert.equal(meshes.add(join(root, 'b', 'link1.STL')), 'link1_1.stl');
    assert.equal(meshes.add(join(root, 'a', 'link1.STL')), 'link1.stl');
    assert.deepEqual([...meshes.files.keys()], ['meshes/link1.stl', 'meshes/link1_1.stl']);
  });
});

/** Nodes from `name:parent:moving` triples (parent by name, '' for the root). */
function tree(spec: string): TreeNode[] {
  const names: string[] = [];
  return spec.split(' ').map((entry) => {
    const [name = '', parent = '', moving = ''] = entry.split(':');
    names.push(name);
    return { name, parent: parent === '' ? -1 : names.indexOf(parent), moving: moving === 'm' };
  });
}

describe('robot import pieces: the end effector', () => {
  const cases: readonly { name: string; spec: string; ee?: string; expected: string | RegExp }[] = [
    { name: 'a serial chain', spec: 'base:: l1:base:m l2:l1:m', expected: 'l2' },
    {
      name: 'fixed links after the last joint: the deepest',
      spec: 'base:: l1:base:m flange:l1: tool0:flange: cam:l1:',
      expected: 'tool0',
    },
    {
      name: 'a fixed side branch at the base does not count',
      spec: 'base:: frame:base: l1:base:m l2:l1:m',
      expected: 'l2',
    },
    {
      name: 'two fixed tips at the same depth are ambiguous',
      spec: 'base:: l1:base:m a:l1: b:l1:',
      expected: /branches after the last moving joint \('l1'\).*one of the tips: a, b$/,
    },
    {
      name: 'two moving chains branch',
      spec: 'base:: l1:base:m f1:l1:m f2:l1:m',
      expected: /its moving joints are not one chain.*one of the tips: f1, f2$/,
    },
    { name: 'no moving joint', spec: 'base:: l1:base:', expected: /no moving joints/ },
    { name: '--ee-link wins', spec: 'base:: l1:base:m f1:l1:m f2:l1:m', ee: 'f2', expected: 'f2' },
  ];
  for (const { name, spec, ee, expected } of cases) {
    it(name, () => {
      if (typeof expected === 'string') {
        assert.equal(chooseEndEffector(tree(spec), ee, 'link').name, expected);
      } else {
        assert.throws(() => chooseEndEffector(tree(spec), ee, 'link'), expected);
      }
    });
  }
});

describe('robot import pieces: control rate → timestep × frame skip', () => {
  const table: readonly [number, number, number][] = [
    // rate Hz, frameSkip, timestep s: frameSkip = round(1 / (rate × 0.002)), timestep = 1 / (rate × frameSkip)
    [50, 10, 0.002],
    [100, 5, 0.002],
    [125, 4, 0.002],
    [500, 1, 0.002],
    [1000, 1, 0.001],
    [30, 17, 1 / 510],
  ];
  for (const [rate, frameSkip, timestep] of table) {
    it(`${rate} Hz → ${frameSkip} × ${timestep} s`, () => {
      const t = stepTiming(rate);
      assert.equal(t.frameSkip, frameSkip);
      assert.ok(Math.abs(t.timestep - timestep) < 1e-15);
      assert.ok(Math.abs(rate * t.timestep * t.frameSkip - 1) < 1e-12);
    });
  }
  it('refuses a rate that is not a positive number', () => {
    assert.throws(() => stepTiming(0), /--control-rate must be a positive number of Hz, got 0/);
  });
});
