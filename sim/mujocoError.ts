/**
 * MuJoCo's own message for a model that fails to load.
 *
 * mujoco-js 0.0.7 (MuJoCo 3.3.8) throws the C++ error object out of `MjModel.loadFromXML` as a
 * `CppException` named `mjXError` (XML reader) or `mjCError` (compiler) whose `message` is
 * undefined ("mjCError: undefined"). Both classes begin with their `char message[]`, so the text is
 * the NUL-terminated string at the exception's `excPtr` in the WASM heap. Emscripten's
 * `getExceptionMessage` cannot read it (these are not std::exception) and the heap views are not
 * exported, so the heap is read through a typed array that MuJoCo itself hands out: a field of a
 * tiny model kept per module.
 */
import type { MjModel, MujocoModule } from './mujoco.js';

/** The most of a C message read from the heap (mjXError holds 1000 chars, mjCError 500). */
const MAX_MESSAGE = 1000;
const PROBE_PATH = '/torquepilot-probe/probe.xml';

const probes = new WeakMap<MujocoModule, MjModel>();

/** A tiny model kept per module: its field views expose the WASM heap. */
function heapOf(mj: MujocoModule): Uint8Array {
  let probe = probes.get(mj);
  if (probe === undefined) {
    mj.FS.mkdirTree('/torquepilot-probe', 0o777);
    mj.FS.writeFile(PROBE_PATH, '<mujoco/>');
    probe = mj.MjModel.loadFromXML(PROBE_PATH) as MjModel;
    probes.set(mj, probe);
  }
  // Read afresh each time: the WASM memory may have grown (and its old buffer been detached).
  return new Uint8Array((probe.body_pos as Float64Array).buffer);
}

/**
 * MuJoCo's message for an error thrown by `loadFromXML` (`XML Error: ...; Element 'joint', line 3`),
 * read from the WASM heap; the JS error's own text for anything else.
 */
export function mujocoErrorMessage(mj: MujocoModule, err: unknown): string {
  const e = err as { name?: unknown; excPtr?: unknown };
  if ((e.name === 'mjXError' || e.name === 'mjCError') && typeof e.excPtr === 'number') {
    const heap = heapOf(mj);
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
