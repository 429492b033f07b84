/**
 * Compile an MJCF text and its mesh files with MuJoCo (WASM) in a scratch in-memory directory, with
 * MuJoCo's own compiler message in the error (sim's mujocoErrorMessage reads it from the WASM heap,
 * where mujoco-js 0.0.7 leaves it: its exceptions say only "mjCError: undefined").
 */
import { loadMujoco, mujocoErrorMessage } from '../../sim/index.js';
import type { MjModel, MujocoModule } from '../../sim/index.js';

let nextDir = 0;

export interface CompiledModel {
  readonly mj: MujocoModule;
  /** The caller owns it: `.delete()` when done. */
  readonly model: MjModel;
}

/**
 * Compile `xml` with `files` (relative path → bytes, e.g. `meshes/link1.stl`) beside it, in a fresh
 * in-memory directory that is removed afterwards.
 * @param origin Names the model in errors.
 * @throws Error `MuJoCo could not compile <origin>: <MuJoCo's message>`.
 */
export async function compileMjcf(
  xml: string,
  files: ReadonlyMap<string, Uint8Array>,
  origin: string,
): Promise<CompiledModel> {
  const mj = await loadMujoco();
  const dir = `/torquepilot-import/c${nextDir++}`;
  const written: string[] = [];
  mj.FS.mkdirTree(dir, 0o777);
  try {
    for (const [relative, bytes] of files) {
      const path = `${dir}/${relative}`;
      mj.FS.mkdirTree(path.slice(0, path.lastIndexOf('/')), 0o777);
      mj.FS.writeFile(path, bytes);
      written.push(path);
    }
    mj.FS.writeFile(`${dir}/model.xml`, xml);
    written.push(`${dir}/model.xml`);
    let model: MjModel | null;
    try {
      model = mj.MjModel.loadFromXML(`${dir}/model.xml`) as MjModel | null;
    } catch (err) {
      throw new Error(
        `robot import: MuJoCo could not compile ${origin}: ${mujocoErrorMessage(mj, err)}`,
      );
    }
    if (model === null || model === undefined) {
      throw new Error(`robot import: MuJoCo could not compile ${origin}: no message from MuJoCo`);
    }
    return { mj, model };
  } finally {
    for (const path of written) mj.FS.unlink(path);
  }
}
