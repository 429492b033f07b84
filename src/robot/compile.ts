/**
 * Compile an MJCF text and its mesh files with MuJoCo (WASM), and make MuJoCo's own compiler
 * message reach the user.
 *
 * mujoco-js 0.0.7 (MuJoCo 3.3.8) throws the C++ error object out of `MjModel.loadFromXML` as a
 * `CppException` named `mjXError` (XML reader) or `mjCError` (compiler) whose `message` is
 * undefined. Both classes begin with their `char message[]`, so the text is the NUL-terminated
 * string at the exception's `excPtr` in the WASM heap. Emscripten's `getExceptionMessage` cannot
 * read it (these are not std::exception) and the heap views are not exported, so the heap is read
 * through a typed array that MuJoCo itself hands out (a model field's view of WASM memory).
 */
import { loadMujoco } from '../../sim/index.js';
import type { MjModel, MujocoModule } from '../../sim/index.js';

/** The most of a C message read from the heap (mjXError holds 1000 chars, mjCError 500). */
const MAX_MESSAGE = 1000;

let nextDir = 0;
const probes = new WeakMap<MujocoModule, MjModel>();

/** A tiny model kept per module: its field views expose the WASM heap. */
function probeModel(mj: MujocoModule): MjModel {
  let probe = probes.get(mj);
  if (probe === undefined) {
    mj.FS.mkdirTree('/torquepilot-import', 0o777);
    mj.FS.writeFile('/torquepilot-import/probe.xml', '<mujoco/>');
    probe = mj.MjModel.loadFromXML('/torquepilot-import/probe.xml') as MjModel;
    probes.set(mj, probe);
  }
  return probe;
}

/**
 * MuJoCo's message for an error thrown by `loadFromXML`, read from the WASM heap; the JS error's
 * own text for anything else.
 */
export function mujocoErrorMessage(mj: MujocoModule, err: unknown): string {
  const e = err as { name?: unknown; excPtr?: unknown; message?: unknown };
  if ((e.name === 'mjXError' || e.name === 'mjCError') && typeof e.excPtr === 'number') {
    const heap = new Uint8Array((probeModel(mj).body_pos as Float64Array).buffer);
    const start = e.excPtr;
    if (start > 0 && start < heap.length) {
      let end = start;
      while (end < heap.length && end - start < MAX_MESSAGE && heap[end] !== 0) end++;
      const text = new TextDecoder().decode(heap.subarray(start, end)).trim();
      const release = (mj as unknown as { decrementExceptionRefcount?: (x: unknown) => void })
        .decrementExceptionRefcount;
      try {
        release?.(err);
      } catch {
        // Freeing the exception object is a courtesy; the message is already read.
      }
      if (text !== '') return text.replace(/\s*\n\s*/g, '; ');
    }
  }
  if (err instanceof Error && typeof err.message === 'string' && err.message !== '') {
    return `${err.name}: ${err.message}`;
  }
  return String(err);
}

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
  probeModel(mj);
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
