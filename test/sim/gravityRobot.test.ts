// `gravity: robot` in robot.yaml: the driver compensates gravity, so the MJCF must carry
// gravcomp="1" on every moving body. Then zero torque holds the arm where it starts; with
// `gravity: policy` on the plain MJCF the same zero torque lets it fall.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { makeEnv, modelsDir } from '../../sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-gravity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** arm7's folder copied, with gravcomp on links 1..7 and robot.yaml's gravity set. */
function arm7Variant(name: string, gravcomp: boolean, gravity: 'policy' | 'robot'): string {
  const folder = join(dir, name);
  cpSync(join(modelsDir(), 'robots', 'arm7'), folder, { recursive: true });
  const xmlPath = join(folder, 'model.xml');
  const xml = readFileSync(xmlPath, 'utf8');
  if (gravcomp) {
    writeFileSync(
      xmlPath,
      xml.replace(/<body name="(link[1-7])"/g, '<body name="$1" gravcomp="1"'),
    );
  }
  const yamlPath = join(folder, 'robot.yaml');
  const robot = parse(readFileSync(yamlPath, 'utf8')) as Record<string, unknown>;
  robot['gravity'] = gravity;
  writeFileSync(yamlPath, stringify(robot));
  return folder;
}

/** Largest joint drift from the reset pose over one second of zero torque, rad. */
async function drift(robot: string): Promise<number> {
  const env = await makeEnv('reach', { robot });
  try {
    const start = Array.from(env.reset(0).slice(0, 7));
    const zero = new Float64Array(7);
    let worst = 0;
    for (let t = 0; t < 50; t++) {
      const obs = env.step(zero).obs;
      for (let i = 0; i < 7; i++)
        worst = Math.max(worst, Math.abs((obs[i] ?? NaN) - (start[i] ?? 0)));
    }
    return worst;
  } finally {
    env.close();
  }
}

describe('gravity handled by the robot', () => {
  test('gravity: robot without gravcomp is refused, naming the key and the bodies', async () => {
    await assert.rejects(
      makeEnv('reach', { robot: arm7Variant('no-comp', false, 'robot') }),
      /key 'gravity' = "robot": expected gravcomp="1" on every moving MJCF body; not on: link1 \(gravcomp 0\)/,
    );
  });

  test('with gravcomp, zero torque holds the pose; without, the arm falls', async () => {
    const held = await drift(arm7Variant('comp', true, 'robot'));
    const fell = await drift(join(modelsDir(), 'robots', 'arm7'));
    assert.ok(held < 1e-9, `held drift ${held}`);
    assert.ok(fell > 0.1, `fallen drift ${fell}`);
  });
});
