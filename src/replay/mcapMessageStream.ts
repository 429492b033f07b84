/**
 * McapMessageStream: bytes in, decoded ROS 2 messages out, with memory bounded by one MCAP chunk.
 * Wraps @mcap/core's McapStreamReader and decodes each message with a MessageReader built from the
 * `ros2msg` schema text IN THE FILE (never from our own definitions), so anything rosbag2 wrote is
 * readable too.
 *
 * Damage handling: a record that fails to parse (bad CRC, garbage) or a stream that ends before the
 * footer does NOT throw; `damage` says what happened, and everything decoded before it stands.
 * Malformed content that is not damage (a topic with the wrong type) throws.
 *
 * No `node:` imports: the Node file adapter is in bagEpisodeReader.ts.
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { McapStreamReader } from '@mcap/core';
import type { TypedMcapRecord } from '@mcap/core';

/** One message as stored, with its channel's topic and type. */
export interface RawBagMessage {
  readonly topic: string;
  /** ROS type name, e.g. sensor_msgs/msg/JointState. */
  readonly type: string;
  readonly logTime: bigint;
  readonly sequence: number;
  readonly data: Uint8Array;
}

/** A channel as announced in the file. */
export interface BagChannelInfo {
  readonly topic: string;
  readonly type: string;
  readonly schemaEncoding: string;
  readonly messageEncoding: string;
  /** The schema text embedded in the file. */
  readonly schema: string;
  readonly metadata: ReadonlyMap<string, string>;
}

export class McapMessageStream {
  readonly #reader = new McapStreamReader({ validateCrcs: true });
  readonly #schemas = new Map<number, { name: string; encoding: string; text: string }>();
  readonly #channels = new Map<number, BagChannelInfo>();
  readonly #expectedTypes: ReadonlyMap<string, string>;
  readonly #source: string;
  #damage: string | undefined;
  #profile: string | undefined;
  #metadata = new Map<string, ReadonlyMap<string, string>>();

  /**
   * @param source file name for messages
   * @param expectedTypes topic → required ROS type; a channel on that topic with another type throws
   */
  constructor(source: string, expectedTypes: ReadonlyMap<string, string> = new Map()) {
    this.#source = source;
    this.#expectedTypes = expectedTypes;
  }

  /** What went wrong, if the stream is damaged (parse error or truncation); undefined otherwise. */
  get damage(): string | undefined {
    return this.#damage;
  }

  /** Channels seen so far, by topic. */
  channels(): BagChannelInfo[] {
    return [...this.#channels.values()];
  }

  /** The MCAP header profile ('ros2' for rosbag2 files). */
  get profile(): string | undefined {
    return this.#profile;
  }

  /** Metadata records seen so far, by name (e.g. `rosbag2`). */
  get metadataRecords(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    return this.#metadata;
  }

  /** Feed bytes, then yield every message that is now complete. Yields nothing once damaged. */
  *push(bytes: Uint8Array): Generator<RawBagMessage> {
    if (this.#damage !== undefined) return;
    this.#reader.append(bytes);
    for (;;) {
      let record: TypedMcapRecord | undefined;
      try {
        record = this.#reader.nextRecord();
      } catch (err) {
        this.#damage = `${this.#source}: unreadable MCAP record after ${this.#channels.size} channels: ${(err as Error).message}`;
        return;
      }
      if (!record) return;
      const msg = this.#handle(record);
      if (msg) yield msg;
    }
  }

  /** Call at end of input: marks a stream that stopped before the MCAP footer as truncated. */
  finish(): void {
    if (this.#damage === undefined && !this.#reader.done()) {
      this.#damage = `${this.#source}: file ends before the MCAP footer (truncated; ${this.#reader.bytesRemaining()} trailing bytes unparsed)`;
    }
  }

  #handle(record: TypedMcapRecord): RawBagMessage | undefined {
    switch (record.type) {
      case 'Header':
        this.#profile = record.profile;
        return undefined;
      case 'Schema':
        this.#schemas.set(record.id, {
          name: record.name,
          encoding: record.encoding,
          text: new TextDecoder().decode(record.data),
        });
        return undefined;
      case 'Channel': {
        if (this.#channels.has(record.id)) return undefined;
        const expected = this.#expectedTypes.get(record.topic);
        // Schema id 0 means "no schema" in MCAP; tolerated on topics we do not read.
        const schema =
          this.#schemas.get(record.schemaId) ??
          (record.schemaId === 0 && expected === undefined
            ? { name: '', encoding: '', text: '' }
            : undefined);
        if (!schema) {
          throw new Error(
            `McapMessageStream: ${this.#source}: channel '${record.topic}' refers to unknown schema id ${record.schemaId}`,
          );
        }
        if (expected !== undefined && schema.name !== expected) {
          throw new Error(
            `McapMessageStream: ${this.#source}: topic '${record.topic}' has message type '${schema.name}', expected '${expected}'`,
          );
        }
        if (
          expected !== undefined &&
          (record.messageEncoding !== 'cdr' || schema.encoding !== 'ros2msg')
        ) {
          throw new Error(
            `McapMessageStream: ${this.#source}: topic '${record.topic}' uses message encoding '${record.messageEncoding}' / schema encoding '${schema.encoding}', expected 'cdr' / 'ros2msg'`,
          );
        }
        this.#channels.set(record.id, {
          topic: record.topic,
          type: schema.name,
          schemaEncoding: schema.encoding,
          messageEncoding: record.messageEncoding,
          schema: schema.text,
          metadata: record.metadata,
        });
        return undefined;
      }
      case 'Metadata':
        this.#metadata.set(record.name, record.metadata);
        return undefined;
      case 'Message': {
        const ch = this.#channels.get(record.channelId);
        if (!ch) {
          throw new Error(
            `McapMessageStream: ${this.#source}: message on unknown channel id ${record.channelId}`,
          );
        }
        return {
          topic: ch.topic,
          type: ch.type,
          logTime: record.logTime,
          sequence: record.sequence,
          data: record.data,
        };
      }
      default:
        return undefined;
    }
  }
}

/**
 * A generic decoder for a channel (any ROS 2 type), from its embedded schema text; channels without
 * a `ros2msg` schema yield their raw bytes.
 */
export function genericDecoder(channel: BagChannelInfo): (data: Uint8Array) => unknown {
  if (channel.schemaEncoding !== 'ros2msg' || channel.messageEncoding !== 'cdr') return (d) => d;
  const reader = new MessageReader(parse(channel.schema, { ros2: true }));
  return (data) => reader.readMessage(data);
}
