"""rclpy peer of test/ros/dds/tf.test.ts: what RViz, Foxglove and robot_state_publisher do with
/tf and /robot_description, from an independent ROS 2 client. Prints one JSON line per result.

  tf_peer.py tf --commands N --torque a,b,... [--command-topic T] [--timeout S]
      Wait for /joint_states and /tf, publish N effort commands 20 ms apart (the sim robot steps
      once per command), wait 1 s, then print the newest /tf message that has a joint state of
      the same stamp: its transforms, every frame's world pose composed from them here
      (translation and w-first quaternion), that joint state; and the first /tf's transforms.
  tf_peer.py desc-sub [--topic T] [--timeout S]
      Subscribe TRANSIENT_LOCAL, depth 1 (a late joiner, as RViz's RobotModel), print the text.
  tf_peer.py desc-pub --file PATH [--topic T]
      Latch the file's text (RELIABLE, TRANSIENT_LOCAL, depth 1, as robot_state_publisher), print
      "published", keep it until stdin closes.
"""

import argparse
import json
import sys
import time

import rclpy
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, String
from tf2_msgs.msg import TFMessage

LATCHED = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)


def stamp_ns(stamp):
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def qmul(a, b):
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    )


def rotate(q, v):
    w, x, y, z = qmul(qmul(q, (0.0, *v)), (q[0], -q[1], -q[2], -q[3]))
    return (x, y, z)


def transforms_json(msg):
    out = []
    for t in msg.transforms:
        tr, r = t.transform.translation, t.transform.rotation
        out.append(
            {
                "parent": t.header.frame_id,
                "child": t.child_frame_id,
                "stampNs": stamp_ns(t.header.stamp),
                "t": [tr.x, tr.y, tr.z],
                "q": [r.w, r.x, r.y, r.z],
            }
        )
    return out


def world_poses(transforms):
    """Every child frame's pose in the root frame, composing parent-first (as tf2 would)."""
    poses = {}
    pending = list(transforms)
    while pending:
        progressed = False
        for t in list(pending):
            parent = poses.get(t["parent"])
            if parent is None and t["parent"] not in {x["child"] for x in transforms}:
                parent = ((0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0))  # a root frame
            if parent is None:
                continue
            p, q = parent
            r = rotate(q, t["t"])
            poses[t["child"]] = ((p[0] + r[0], p[1] + r[1], p[2] + r[2]), qmul(q, tuple(t["q"])))
            pending.remove(t)
            progressed = True
        if not progressed:
            raise RuntimeError(f"tf tree is not connected: {[t['child'] for t in pending]}")
    return {k: {"p": list(v[0]), "q": list(v[1])} for k, v in poses.items()}


def spin_until(node, done, timeout):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        rclpy.spin_once(node, timeout_sec=0.05)
    return True


def run_tf(node, args):
    tfs, states = [], {}
    node.create_subscription(TFMessage, "/tf", tfs.append, 100)
    node.create_subscription(
        JointState, "/joint_states", lambda m: states.__setitem__(stamp_ns(m.header.stamp), m), 100
    )
    pub = node.create_publisher(Float64MultiArray, args.command_topic, 10)
    if not spin_until(node, lambda: tfs and states and pub.get_subscription_count() > 0, args.timeout):
        return {"ok": False, "error": f"no /tf ({len(tfs)}) or /joint_states ({len(states)}) or command subscriber"}
    first = transforms_json(tfs[0])
    torque = [float(x) for x in args.torque.split(",")]
    for _ in range(args.commands):
        pub.publish(Float64MultiArray(data=torque))
        spin_until(node, lambda: False, 0.02)
    spin_until(node, lambda: False, 1.0)
    # The newest /tf whose joint state has arrived too (the executor may take one before the other).
    last, state = None, None
    for msg in reversed(tfs):
        candidate = transforms_json(msg)
        if candidate and candidate[0]["stampNs"] in states:
            last, state = candidate, states[candidate[0]["stampNs"]]
            break
    if state is None:
        return {"ok": False, "error": f"no /tf of {len(tfs)} has the stamp of a joint state"}
    return {
        "ok": True,
        "tfCount": len(tfs),
        "first": first,
        "transforms": last,
        "world": world_poses(last),
        "jointState": {"name": list(state.name), "position": list(state.position)},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["tf", "desc-sub", "desc-pub"])
    parser.add_argument("--topic", default="/robot_description")
    parser.add_argument("--file")
    parser.add_argument("--commands", type=int, default=0)
    parser.add_argument("--torque", default="")
    parser.add_argument("--command-topic", default="/effort_controller/commands")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    rclpy.init()
    node = Node("tf_peer")
    try:
        if args.mode == "tf":
            result = run_tf(node, args)
        elif args.mode == "desc-sub":
            got = []
            node.create_subscription(String, args.topic, lambda m: got.append(m.data), LATCHED)
            ok = spin_until(node, lambda: got, args.timeout)
            result = {"ok": ok, "text": got[0] if got else None}
        else:
            pub = node.create_publisher(String, args.topic, LATCHED)
            with open(args.file, encoding="utf-8") as f:
                pub.publish(String(data=f.read()))
            print(json.dumps({"ok": True, "published": args.topic}), flush=True)
            sys.stdin.read()  # keep the latched sample until the test closes stdin
            result = None
        if result is not None:
            print(json.dumps(result), flush=True)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
