/**
 * EpisodeRecorder: the Node file adapter around EpisodeBagWriter. It records a rosbag2 bag
 * directory, fed one control step at a time — by `torquepilot record` in simulation, and by the
 * ROS node on a real robot (same class, same format).
 *
 * Crash safety: the .mcap is written under a temporary name (`.<name>_0.mcap.partial`) and renamed
 * when complete; metadata.yaml is written last, atomically. A bag directory with a metadata.yaml is
 * therefore always complete; a crashed recording leaves the `.partial` file, which BagEpisodeReader
 * can still read up to the damage.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { IWritable } from '@mcap/core';
import { writeFileAtomic } from '../util/index.js';
import { bagMetadataYaml } from './bagMetadata.js';
import type { BagMetadataInput } from './bagMetadata.js';
import { EpisodeBagWriter } from './episodeBagWriter.js';
import type { EpisodeBagWriterOptions } from './episodeBagWriter.js';
import type { RecordedStep } from './types.js';

/** IWritable over a file handle, buffering small writes into ~1 MiB blocks. */
export class NodeFileWritable implements IWritable {
  readonly #handle: FileHandle;
  #position = 0n;
  #buffer = new Uint8Array(1 << 20);
  #used = 0;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async write(buffer: Uint8Array): Promise<unknown> {
    this.#position += BigInt(buffer.byteLength);
    if (this.#used + buffer.byteLength > this.#buffer.byteLength) await this.flush();
    if (buffer.byteLength >= this.#buffer.byteLength) {
      await this.#writeAll(buffer);
      return undefined;
    }
    this.#buffer.set(buffer, this.#used);
    this.#used += buffer.byteLength;
    return undefined;
  }

  position(): bigint {
    return this.#position;
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return;
    await this.#writeAll(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.#handle.write(bytes, off, bytes.byteLength - off);
      off += bytesWritten;
    }
  }
}

export interface EpisodeRecorderOptions extends Omit<
  EpisodeBagWriterOptions,
  'writable' | 'fileName'
> {
  /** Replace an existing bag directory's contents (default false: refuse). */
  readonly overwrite?: boolean;
}

export class EpisodeRecorder {
  /** The bag directory. */
  readonly dir: string;
  /** Final path of the .mcap file. */
  readonly mcapPath: string;
  readonly #partialPath: string;
  readonly #handle: FileHandle;
  readonly #writable: NodeFileWritable;
  readonly #writer: EpisodeBagWriter;
  #closed = false;

  private constructor(
    dir: string,
    mcapPath: string,
    partialPath: string,
    handle: FileHandle,
    writable: NodeFileWritable,
    writer: EpisodeBagWriter,
  ) {
    this.dir = dir;
    this.mcapPath = mcapPath;
    this.#partialPath = partialPath;
    this.#handle = handle;
    this.#writable = writable;
    this.#writer = writer;
  }

  /** Create the bag directory `dir` (refuses a non-empty one unless `overwrite`) and start the file. */
  static async create(dir: string, options: EpisodeRecorderOptions): Promise<EpisodeRecorder> {
    const abs = resolve(dir);
    if (existsSync(abs) && readdirSync(abs).length > 0 && options.overwrite !== true) {
      throw new Error(
        `EpisodeRecorder.create: bag directory ${abs} exists and is not empty (pass overwrite to replace it)`,
      );
    }
    mkdirSync(abs, { recursive: true });
    if (options.overwrite === true) {
      // Remove the old bag's files first, so a crash of this recording never leaves the old
      // metadata.yaml describing the new, partial .mcap.
      for (const name of readdirSync(abs)) {
        if (name === 'metadata.yaml' || /\.mcap(\.partial)?$/.test(name))
          rmSync(join(abs, name), { force: true });
      }
    }
    const fileName = `${basename(abs)}_0.mcap`;
    const mcapPath = join(abs, fileName);
    const partialPath = join(abs, `.${fileName}.partial`);
    const handle = await open(partialPath, 'w');
    const writable = new NodeFileWritable(handle);
    try {
      const writer = await EpisodeBagWriter.create({ ...options, writable, fileName });
      return new EpisodeRecorder(abs, mcapPath, partialPath, handle, writable, writer);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  get writer(): EpisodeBagWriter {
    return this.#writer;
  }

  /** Record one control step (see EpisodeBagWriter.writeStep). */
  async writeStep(step: RecordedStep): Promise<void> {
    await this.#writer.writeStep(step);
  }

  /** Flush buffered bytes to the .partial file (e.g. at the end of each episode on a robot). */
  async flush(): Promise<void> {
    await this.#writable.flush();
  }

  /**
   * Finish: end the MCAP file, fsync, rename it into place, then write metadata.yaml atomically.
   * Returns the metadata that was written.
   */
  async close(): Promise<BagMetadataInput> {
    if (this.#closed) throw new Error(`EpisodeRecorder.close: ${this.dir} already closed`);
    this.#closed = true;
    let summary: BagMetadataInput;
    try {
      summary = await this.#writer.end();
      await this.#writable.flush();
      await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
    renameSync(this.#partialPath, this.mcapPath);
    writeFileAtomic(join(this.dir, 'metadata.yaml'), bagMetadataYaml(summary));
    return summary;
  }
}
