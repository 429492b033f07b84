/**
 * BagEpisodeReader: the Node adapter that streams a rosbag2 MCAP bag from disk (fixed-size reads,
 * memory bounded by one MCAP chunk plus one open episode) and yields complete episodes, or every
 * decoded message.
 *
 * `open` validates metadata.yaml (zod schema of rosbag2's BagMetadata) and that the required topics
 * exist with the right types; the MCAP stream is checked again as channels arrive. A damaged or
 * truncated .mcap does not throw: the complete episodes before the damage are yielded and
 * `report()` says how many were skipped and why.
 */
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseBagMetadata } from './bagMetadata.js';
import type { Rosbag2Metadata } from './bagMetadata.js';
import { EpisodeAssembler } from './episodeAssembler.js';
import {
  makeCommandDecoder,
  makeJointStateDecoder,
  makeTransitionDecoder,
} from './episodeMessages.js';
import { McapMessageStream, genericDecoder } from './mcapMessageStream.js';
import type { BagChannelInfo } from './mcapMessageStream.js';
import {
  FLOAT64_MULTI_ARRAY_TYPE,
  JOINT_STATE_TYPE,
  TRANSITION_TYPE,
} from './messageDefinitions.js';
import { DEFAULT_TOPICS } from './types.js';
import type {
  BagTopics,
  CommandRecord,
  Episode,
  JointStateRecord,
  TransitionRecord,
} from './types.js';

export interface BagReadOptions {
  /** Topic names; default: the bag's custom_data, else DEFAULT_TOPICS. */
  readonly topics?: Partial<BagTopics>;
  /** Require /joint_states and the command topic besides the transition topic (default true). */
  readonly requireAllTopics?: boolean;
  /** Bytes per file read (default 1 MiB). */
  readonly readSize?: number;
}

/** What a pass over a bag found. */
export interface BagReadReport {
  readonly source: string;
  readonly episodes: number;
  readonly transitions: number;
  /** Transitions of those whose action was the behaviour's mean (no density, no importance weight). */
  readonly deterministicSteps: number;
  /** Episodes the bag should hold (metadata.yaml) but that were not read complete. */
  readonly skippedEpisodes: number;
  /** Why reading stopped early (damaged or truncated file), if it did. */
  readonly damage?: string;
}

/** One decoded message of any topic. */
export type BagMessage =
  | {
      readonly kind: 'transition';
      readonly topic: string;
      readonly logTime: bigint;
      readonly value: TransitionRecord;
    }
  | {
      readonly kind: 'jointState';
      readonly topic: string;
      readonly logTime: bigint;
      readonly value: JointStateRecord;
    }
  | {
      readonly kind: 'command';
      readonly topic: string;
      readonly logTime: bigint;
      readonly value: CommandRecord;
    }
  | {
      readonly kind: 'other';
      readonly topic: string;
      readonly logTime: bigint;
      readonly type: string;
      readonly value: unknown;
    };

export class BagEpisodeReader {
  /** The bag directory (or the .mcap file given directly). */
  readonly path: string;
  /** The .mcap files in order. */
  readonly files: readonly string[];
  /** metadata.yaml, when the bag has one. */
  readonly metadata: Rosbag2Metadata | undefined;
  readonly topics: BagTopics;
  /** Complete episodes metadata.yaml promises (custom_data torquepilot.episodes), if known. */
  readonly expectedEpisodes: number | undefined;
  readonly #readSize: number;
  #report: BagReadReport | undefined;

  private constructor(
    path: string,
    files: readonly string[],
    metadata: Rosbag2Metadata | undefined,
    topics: BagTopics,
    readSize: number,
  ) {
    this.path = path;
    this.files = files;
    this.metadata = metadata;
    this.topics = topics;
    this.#readSize = readSize;
    const n = metadata?.rosbag2_bagfile_information.custom_data?.['torquepilot.episodes'];
    this.expectedEpisodes = n !== undefined && /^\d+$/.test(n) ? Number(n) : undefined;
  }

  /** Open a bag directory (or a lone .mcap file) and validate its metadata and topics. */
  static async open(path: string, options: BagReadOptions = {}): Promise<BagEpisodeReader> {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new Error(`BagEpisodeReader.open: bag ${abs} does not exist`);
    let files: string[];
    let metadata: Rosbag2Metadata | undefined;
    if (statSync(abs).isDirectory()) {
      const metaPath = join(abs, 'metadata.yaml');
      if (existsSync(metaPath)) {
        metadata = parseBagMetadata(readFileSync(metaPath, 'utf8'), metaPath);
        files = metadata.rosbag2_bagfile_information.relative_file_paths.map((f) => join(abs, f));
        for (const f of files)
          if (!existsSync(f))
            throw new Error(
              `BagEpisodeReader.open: ${metaPath} lists ${basename(f)}, which is missing`,
            );
      } else {
        // No metadata.yaml: a recording that did not finish. Read its (partial) .mcap.
        const names = readdirSync(abs).filter(
          (n) => n.endsWith('.mcap') || n.endsWith('.mcap.partial'),
        );
        if (names.length === 0)
          throw new Error(
            `BagEpisodeReader.open: ${abs} has neither metadata.yaml nor a .mcap file`,
          );
        files = names.sort().map((n) => join(abs, n));
      }
    } else {
      files = [abs];
    }
    const custom = metadata?.rosbag2_bagfile_information.custom_data ?? {};
    const topics: BagTopics = {
      jointStates:
        options.topics?.jointStates ??
        custom['torquepilot.joint_states_topic'] ??
        DEFAULT_TOPICS.jointStates,
      command:
        options.topics?.command ?? custom['torquepilot.command_topic'] ?? DEFAULT_TOPICS.command,
      transition:
        options.topics?.transition ??
        custom['torquepilot.transition_topic'] ??
        DEFAULT_TOPICS.transition,
    };
    if (metadata) {
      const listed = new Map(
        metadata.rosbag2_bagfile_information.topics_with_message_count.map((t) => [
          t.topic_metadata.name,
          t.topic_metadata.type,
        ]),
      );
      for (const [topic, type] of requiredTopics(topics, options.requireAllTopics ?? true)) {
        const found = listed.get(topic);
        if (found === undefined) {
          throw new Error(
            `BagEpisodeReader.open: bag ${abs} is missing topic '${topic}' (${type}); metadata.yaml lists: ${[...listed.keys()].join(', ') || 'none'}`,
          );
        }
        if (found !== type) {
          throw new Error(
            `BagEpisodeReader.open: bag ${abs}: topic '${topic}' has message type '${found}', expected '${type}'`,
          );
        }
      }
    }
    return new BagEpisodeReader(abs, files, metadata, topics, options.readSize ?? 1 << 20);
  }

  /** The report of the last completed `episodes()` pass. */
  report(): BagReadReport {
    if (!this.#report)
      throw new Error(`BagEpisodeReader.report: ${this.path} has not been read yet`);
    return this.#report;
  }

  /** Stream complete episodes in file order. After the loop ends, `report()` is available. */
  async *episodes(): AsyncGenerator<Episode> {
    const assembler = new EpisodeAssembler(this.path);
    let transitions = 0;
    let deterministicSteps = 0;
    let damage: string | undefined;
    let decode: ((d: Uint8Array) => TransitionRecord) | undefined;
    const seen = new Set<string>();
    for (const file of this.files) {
      const stream = this.#stream(file);
      for await (const m of this.#rawMessages(file, stream)) {
        seen.add(m.topic);
        if (m.topic !== this.topics.transition) continue;
        decode ??= makeTransitionDecoder(channelOf(stream, m.topic).schema);
        const episode = assembler.push(decode(m.data));
        if (episode) {
          transitions += episode.length;
          for (const d of episode.deterministic) deterministicSteps += d;
          yield episode;
        }
      }
      damage ??= stream.damage;
      if (damage !== undefined) break;
    }
    assembler.finish();
    if (damage === undefined && !seen.has(this.topics.transition) && !this.metadata) {
      throw new Error(
        `BagEpisodeReader.episodes: bag ${this.path} has no messages on '${this.topics.transition}'`,
      );
    }
    const expected = this.expectedEpisodes;
    const skipped =
      expected !== undefined ? Math.max(0, expected - assembler.complete) : assembler.incomplete;
    this.#report = {
      source: this.path,
      episodes: assembler.complete,
      transitions,
      deterministicSteps,
      skippedEpisodes: skipped,
      ...(damage !== undefined ? { damage } : {}),
    };
  }

  /** Stream every message, decoded with the schema embedded in the file. */
  async *messages(): AsyncGenerator<BagMessage> {
    for (const file of this.files) {
      const stream = this.#stream(file);
      const decoders = new Map<string, (d: Uint8Array, t: bigint) => BagMessage>();
      for await (const m of this.#rawMessages(file, stream)) {
        let dec = decoders.get(m.topic);
        if (!dec) {
          dec = messageDecoder(channelOf(stream, m.topic));
          decoders.set(m.topic, dec);
        }
        yield dec(m.data, m.logTime);
      }
      if (stream.damage !== undefined)
        throw new Error(`BagEpisodeReader.messages: ${stream.damage}`);
    }
  }

  #stream(file: string): McapMessageStream {
    return new McapMessageStream(
      file,
      new Map(requiredTopics(this.topics, true).map(([t, ty]) => [t, ty] as [string, string])),
    );
  }

  async *#rawMessages(
    file: string,
    stream: McapMessageStream,
  ): AsyncGenerator<{ topic: string; logTime: bigint; data: Uint8Array }> {
    const input = createReadStream(file, { highWaterMark: this.#readSize });
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        for (const m of stream.push(
          new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        ))
          yield m;
        if (stream.damage !== undefined) break;
      }
    } finally {
      input.destroy();
    }
    stream.finish();
  }
}

function requiredTopics(topics: BagTopics, all: boolean): [string, string][] {
  const out: [string, string][] = [[topics.transition, TRANSITION_TYPE]];
  if (all) {
    out.push([topics.jointStates, JOINT_STATE_TYPE], [topics.command, FLOAT64_MULTI_ARRAY_TYPE]);
  }
  return out;
}

function channelOf(stream: McapMessageStream, topic: string): BagChannelInfo {
  const ch = stream.channels().find((c) => c.topic === topic);
  if (!ch) throw new Error(`BagEpisodeReader: no channel for topic '${topic}'`);
  return ch;
}

function messageDecoder(ch: BagChannelInfo): (d: Uint8Array, t: bigint) => BagMessage {
  const topic = ch.topic;
  if (ch.type === TRANSITION_TYPE) {
    const dec = makeTransitionDecoder(ch.schema);
    return (d, logTime) => ({ kind: 'transition', topic, logTime, value: dec(d) });
  }
  if (ch.type === JOINT_STATE_TYPE) {
    const dec = makeJointStateDecoder(ch.schema);
    return (d, logTime) => ({ kind: 'jointState', topic, logTime, value: dec(d) });
  }
  if (ch.type === FLOAT64_MULTI_ARRAY_TYPE) {
    const dec = makeCommandDecoder(ch.schema);
    return (d, logTime) => ({ kind: 'command', topic, logTime, value: dec(d, logTime) });
  }
  const dec = genericDecoder(ch);
  return (d, logTime) => ({ kind: 'other', topic, logTime, type: ch.type, value: dec(d) });
}
