/**
 * rosbag2 metadata: the `offered_qos_profiles` YAML each topic carries, the bag directory's
 * `metadata.yaml`, and a zod schema of that file (rosbag2_storage's BagMetadata as yaml-cpp writes
 * it) used both by the reader and by the tests.
 *
 * Version choice. rosbag2 decodes QoS enums as integers for metadata version <= 8 and as strings
 * from version 9 (rosbag2_storage/src/rosbag2_storage/qos.cpp, `Rosbag2QoS::decode`). Humble writes
 * version 5 and ignores the fields it does not know; Jazzy reads 8 with the integer branch. So we
 * write version 8 with INTEGER enums and {sec, nsec} durations: both distributions read it.
 * No `node:` imports: the writer core uses this module too.
 */
import { parse, stringify } from 'yaml';
import { z } from 'zod';

/** The metadata.yaml version we write (see the module comment for why not 9). */
export const ROSBAG2_METADATA_VERSION = 8;

/** rmw_qos_history_policy_e. */
export const QOS_HISTORY = Object.freeze({ systemDefault: 0, keepLast: 1, keepAll: 2 });
/** rmw_qos_reliability_policy_e. */
export const QOS_RELIABILITY = Object.freeze({ systemDefault: 0, reliable: 1, bestEffort: 2 });
/** rmw_qos_durability_policy_e. */
export const QOS_DURABILITY = Object.freeze({ systemDefault: 0, transientLocal: 1, volatile: 2 });
/** rmw_qos_liveliness_policy_e (2, manual-by-node, is deprecated). */
export const QOS_LIVELINESS = Object.freeze({ systemDefault: 0, automatic: 1, manualByTopic: 3 });

/** rmw_time_t as rosbag2 writes it. */
export interface QosDuration {
  readonly sec: number;
  readonly nsec: number;
}

/** One offered QoS profile, with rmw's integer enums. */
export interface QosProfile {
  readonly history: number;
  readonly depth: number;
  readonly reliability: number;
  readonly durability: number;
  readonly deadline: QosDuration;
  readonly lifespan: QosDuration;
  readonly liveliness: number;
  readonly livelinessLeaseDuration: QosDuration;
  readonly avoidRosNamespaceConventions: boolean;
}

/** RMW_DURATION_UNSPECIFIED: {0, 0}, i.e. "use the default" (no deadline, infinite lifespan). */
const UNSPECIFIED: QosDuration = Object.freeze({ sec: 0, nsec: 0 });

/**
 * The profile our publishers offer: rclcpp's default (`rclcpp::QoS(10)`: keep last 10, reliable,
 * volatile, automatic liveliness), which `ros2 bag play` re-offers on playback.
 */
export const DEFAULT_QOS: QosProfile = Object.freeze({
  history: QOS_HISTORY.keepLast,
  depth: 10,
  reliability: QOS_RELIABILITY.reliable,
  durability: QOS_DURABILITY.volatile,
  deadline: UNSPECIFIED,
  lifespan: UNSPECIFIED,
  liveliness: QOS_LIVELINESS.automatic,
  livelinessLeaseDuration: UNSPECIFIED,
  avoidRosNamespaceConventions: false,
});

/** The `offered_qos_profiles` string: a YAML sequence of profiles in rosbag2's snake_case keys. */
export function offeredQosProfilesYaml(profiles: readonly QosProfile[]): string {
  return stringify(
    profiles.map((p) => ({
      history: p.history,
      depth: p.depth,
      reliability: p.reliability,
      durability: p.durability,
      deadline: { sec: p.deadline.sec, nsec: p.deadline.nsec },
      lifespan: { sec: p.lifespan.sec, nsec: p.lifespan.nsec },
      liveliness: p.liveliness,
      liveliness_lease_duration: {
        sec: p.livelinessLeaseDuration.sec,
        nsec: p.livelinessLeaseDuration.nsec,
      },
      avoid_ros_namespace_conventions: p.avoidRosNamespaceConventions,
    })),
  );
}

/** One topic of a bag, with its message count. */
export interface BagTopicInfo {
  readonly name: string;
  readonly type: string;
  readonly messageCount: number;
  readonly offeredQosProfiles: string;
}

/** What `bagMetadataYaml` needs. Times are bigint nanoseconds. */
export interface BagMetadataInput {
  readonly fileName: string;
  readonly startingTimeNs: bigint;
  readonly durationNs: bigint;
  readonly messageCount: number;
  readonly topics: readonly BagTopicInfo[];
  /** Free-form string pairs (rosbag2 `custom_data`, metadata version >= 6). */
  readonly customData: Readonly<Record<string, string>>;
  /** The ROS distribution name, '' when recorded without ROS. */
  readonly rosDistro: string;
}

/** The text of `metadata.yaml` for a one-file, uncompressed MCAP bag. */
export function bagMetadataYaml(m: BagMetadataInput): string {
  const info = {
    version: ROSBAG2_METADATA_VERSION,
    storage_identifier: 'mcap',
    duration: { nanoseconds: m.durationNs },
    starting_time: { nanoseconds_since_epoch: m.startingTimeNs },
    message_count: m.messageCount,
    topics_with_message_count: m.topics.map((t) => ({
      topic_metadata: {
        name: t.name,
        type: t.type,
        serialization_format: 'cdr',
        offered_qos_profiles: t.offeredQosProfiles,
        // RIHS01 type hashes need the type description of every field type; rosbag2 accepts ''.
        type_description_hash: '',
      },
      message_count: t.messageCount,
    })),
    compression_format: '',
    compression_mode: '',
    relative_file_paths: [m.fileName],
    files: [
      {
        path: m.fileName,
        starting_time: { nanoseconds_since_epoch: m.startingTimeNs },
        duration: { nanoseconds: m.durationNs },
        message_count: m.messageCount,
      },
    ],
    custom_data: { ...m.customData },
    ros_distro: m.rosDistro,
  };
  return stringify({ rosbag2_bagfile_information: info }, { lineWidth: 0, singleQuote: true });
}

const int = z.union([z.bigint(), z.number().int()]).transform((v) => BigInt(v));
const nonNegInt = int.refine((v) => v >= 0n, 'must be >= 0');

/** zod schema of one offered QoS profile with integer enums (metadata version <= 8). */
export const qosProfileSchema = z.strictObject({
  history: z.number().int().min(0).max(3),
  depth: z.number().int().min(0),
  reliability: z.number().int().min(0).max(4),
  durability: z.number().int().min(0).max(4),
  deadline: z.strictObject({ sec: nonNegInt, nsec: nonNegInt }),
  lifespan: z.strictObject({ sec: nonNegInt, nsec: nonNegInt }),
  liveliness: z.number().int().min(0).max(4),
  liveliness_lease_duration: z.strictObject({ sec: nonNegInt, nsec: nonNegInt }),
  avoid_ros_namespace_conventions: z.boolean(),
});

/**
 * zod schema of rosbag2's metadata.yaml (BagMetadata as yaml-cpp writes it). `strict` = exactly
 * what torquepilot writes (version 8, no unknown keys; the format tests use it); otherwise what
 * the reader accepts: any version from 1 (Jazzy and later write 9), unknown keys ignored.
 */
function metadataSchema(strict: boolean) {
  const obj = strict ? z.strictObject : z.object;
  return obj({
    rosbag2_bagfile_information: obj({
      version: strict ? z.literal(ROSBAG2_METADATA_VERSION) : z.number().int().min(1),
      storage_identifier: z.literal('mcap'),
      duration: obj({ nanoseconds: nonNegInt }),
      starting_time: obj({ nanoseconds_since_epoch: int }),
      message_count: nonNegInt,
      topics_with_message_count: z.array(
        obj({
          topic_metadata: obj({
            name: z.string().regex(/^\/[A-Za-z0-9_~{}/]*$/, 'a ROS topic name'),
            type: z.string().regex(/^[A-Za-z0-9_]+\/msg\/[A-Za-z0-9_]+$/, 'a pkg/msg/Type name'),
            serialization_format: z.literal('cdr'),
            offered_qos_profiles: z.string(),
            type_description_hash: z.string().optional(),
          }),
          message_count: nonNegInt,
        }),
      ),
      compression_format: z.string(),
      compression_mode: z.string(),
      relative_file_paths: z.array(z.string()).min(1),
      files: z
        .array(
          obj({
            path: z.string(),
            starting_time: obj({ nanoseconds_since_epoch: int }),
            duration: obj({ nanoseconds: nonNegInt }),
            message_count: nonNegInt,
          }),
        )
        .optional(),
      custom_data: z.record(z.string(), z.string()).nullable().optional(),
      ros_distro: z.string().optional(),
    }),
  });
}

/** What the reader accepts (rosbag2 MCAP bags of any metadata version). */
export const rosbag2MetadataSchema = metadataSchema(false);
/** Exactly what torquepilot writes: version 8, integer QoS enums (checked by parseBagMetadata's `strict`). */
export const torquepilotMetadataSchema = metadataSchema(true);

/** A QoS profile as any rosbag2 version writes it: integer enums (<= 8) or strings (>= 9). */
const anyQosProfileSchema = z.object({
  history: z.union([z.number().int(), z.string()]),
  reliability: z.union([z.number().int(), z.string()]),
  durability: z.union([z.number().int(), z.string()]),
});

export type Rosbag2Metadata = z.output<typeof rosbag2MetadataSchema>;

/**
 * Parse and validate a metadata.yaml text; `where` names the file in errors. Also validates each
 * topic's offered_qos_profiles. `strict`: exactly the form torquepilot writes (version 8, integer
 * QoS enums); otherwise any rosbag2 MCAP bag's metadata. Throws an Error naming the file, the
 * dotted key and the problem.
 */
export function parseBagMetadata(text: string, where: string, strict = false): Rosbag2Metadata {
  let raw: unknown;
  try {
    raw = parse(text, { intAsBigInt: true });
  } catch (err) {
    throw new Error(`parseBagMetadata: ${where} is not valid YAML: ${(err as Error).message}`);
  }
  const numbersFixed = bigintsToNumbersWhereSmall(raw);
  const result = (strict ? torquepilotMetadataSchema : rosbag2MetadataSchema).safeParse(
    numbersFixed,
  );
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue ? issue.path.join('.') : '?';
    throw new Error(
      `parseBagMetadata: ${where} does not match rosbag2's metadata schema at '${key}': ${issue?.message ?? result.error.message}`,
    );
  }
  const info = result.data.rosbag2_bagfile_information;
  for (const [i, t] of info.topics_with_message_count.entries()) {
    const qosText = t.topic_metadata.offered_qos_profiles;
    if (qosText === '') continue;
    const qos = z
      .array(strict ? qosProfileSchema : anyQosProfileSchema)
      .safeParse(bigintsToNumbersWhereSmall(parse(qosText, { intAsBigInt: true })));
    if (!qos.success) {
      throw new Error(
        `parseBagMetadata: ${where}: topics_with_message_count.${i}.topic_metadata.offered_qos_profiles ` +
          `of '${t.topic_metadata.name}' is not a list of ${strict ? 'integer-enum ' : ''}QoS profiles: ${qos.error.issues[0]?.message ?? ''}`,
      );
    }
  }
  return result.data;
}

/** yaml's intAsBigInt makes every integer a bigint; turn the small ones back into numbers. */
function bigintsToNumbersWhereSmall(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  if (Array.isArray(v)) return v.map(bigintsToNumbersWhereSmall);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = bigintsToNumbersWhereSmall(x);
    return out;
  }
  return v;
}
