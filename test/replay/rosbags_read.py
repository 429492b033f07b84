"""Read an episode bag with `rosbags` (Ternaris), an independent pure-Python rosbag2 reader.

Usage: python rosbags_read.py BAG_DIR  -> one JSON object on stdout.
Types not in the Humble store (torquepilot_msgs/msg/Transition) are registered from the definition
text embedded in the bag, split at rosbag2's 80 '=' separators.
"""

import json
import sys
from pathlib import Path

from rosbags.rosbag2 import Reader
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

SEPARATOR = "=" * 80 + "\n"


def register(store, msgtype, msgdef):
    parts = msgdef.split(SEPARATOR)
    types = dict(get_types_from_msg(parts[0], msgtype))
    for part in parts[1:]:
        header, _, body = part.partition("\n")
        pkg, name = header.replace("MSG: ", "").strip().split("/")
        types.update(get_types_from_msg(body, f"{pkg}/msg/{name}"))
    store.register(types)


def main():
    store = get_typestore(Stores.ROS2_HUMBLE)
    out = {"topics": {}, "transitions": []}
    with Reader(Path(sys.argv[1])) as reader:
        out["messageCount"] = reader.message_count
        for c in reader.connections:
            qos = c.ext.offered_qos_profiles[0]
            out["topics"][c.topic] = {
                "type": c.msgtype,
                "count": c.msgcount,
                "serialization": c.ext.serialization_format,
                "reliability": qos.reliability.value,
                "durability": qos.durability.value,
            }
            if c.msgtype.startswith("torquepilot_msgs/"):
                msgdef = c.msgdef.data if hasattr(c.msgdef, "data") else c.msgdef
                register(store, c.msgtype, msgdef)
        for c, stamp, raw in reader.messages():
            msg = store.deserialize_cdr(raw, c.msgtype)
            if c.msgtype == "torquepilot_msgs/msg/Transition":
                out["transitions"].append(
                    {
                        "stamp": stamp,
                        "episode": msg.episode_index,
                        "step": msg.step_index,
                        "observation": [float(x).hex() for x in msg.observation],
                        "logProb": float(msg.log_prob).hex(),
                        "truncated": bool(msg.truncated),
                    }
                )
    print(json.dumps(out))


main()
