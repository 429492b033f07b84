/**
 * MuJoCo's own load messages reach the user: mujoco-js throws `mjXError`/`mjCError` objects whose
 * `message` is undefined, and sim/mujocoError.ts reads the text from the WASM heap.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadModel, loadMujoco, mujocoErrorMessage } from '../../sim/index.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function modelFile(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'torquepilot-mjerr-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'model.xml'), xml);
  return join(dir, 'model.xml');
}

describe('sim/mujocoError: MuJoCo messages reach the user', () => {
  const cases = [
    {
      name: 'the XML reader (mjXError)',
      xml: '<mujoco><worldbody><body>\n<joint type="hinge" range="1"/><geom size="0.1"/></body></worldbody></mujoco>',
      message:
        /could not load .*model\.xml: XML Error: attribute 'range' does not have enough data; Element 'joint', line 2$/,
    },
    {
      name: 'the compiler (mjCError)',
      xml: '<mujoco><worldbody><body name="b"><joint type="hinge"/></body></worldbody></mujoco>',
      message:
        /could not load .*model\.xml: Error: mass and inertia of moving bodies must be larger than mjMINVAL; Element name 'b', id 1/,
    },
    {
      name: 'an unknown mesh (mjCError)',
      xml: '<mujoco><worldbody><body><geom type="mesh" mesh="nope"/></body></worldbody></mujoco>',
      message: /Error: mesh 'nope' not found in geom 0/,
    },
  ];
  for (const { name, xml, message } of cases) {
    it(`loadModel names ${name}'s message, not 'undefined'`, async () => {
      const mj = await loadMujoco();
      assert.throws(
        () => loadModel(mj, modelFile(xml)),
        (err: Error) => {
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /undefined/);
          return true;
        },
      );
    });
  }

  it('passes other errors through with their name and message', async () => {
    const mj = await loadMujoco();
    assert.equal(mujocoErrorMessage(mj, new TypeError('boom')), 'TypeError: boom');
    assert.equal(mujocoErrorMessage(mj, 'text'), 'text');
    // A foreign object named like MuJoCo's but without a heap pointer is not read from the heap.
    assert.equal(mujocoErrorMessage(mj, { name: 'mjCError' }), '[object Object]');
  });
});
