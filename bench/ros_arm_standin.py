#!/usr/bin/env python3
"""A stand-in arm for bench/ros.ts, in its own process, as an arm's driver is (issue 20).

Like the operator's trial arm: rclpy, 7 joints, sensor_msgs/JointState on /joint_states at
--rate Hz (RELIABLE, as ros2_control's joint_state_broadcaster), std_msgs/Float64MultiArray
commands in on /<controller>/commands, and a latched reach target on /torquepilot/target. The arm
moves slowly (a sine per joint) so that every state differs.

It times the round trip of each state a command answers: every state it publishes gets a unique
header stamp (its own clock, nanoseconds); it serializes the state first and then keeps (stamp,
CLOCK_MONOTONIC ns) just before handing the bytes to rmw. Commands come in on a raw subscription,
and for each it keeps CLOCK_MONOTONIC ns taken first thing in the callback (plus the DDS source and
reception timestamps). So rclpy's own message conversion (0.15-0.3 ms each way on this machine),
which a C++ driver would not spend, is not counted in the round trip. Which
state a command answers is known to the policy node only (the first fresh state of each control
period); bench/ros.ts joins the node's (tick start, answered stamp) log with these two, on the
machine's shared monotonic clock, and prints "done" when it stops publishing, so that the node's
figures are read before its watchdog sees the states stop.

The states are published from a thread of their own, paced by absolute deadlines; the commands
are taken by a SingleThreadedExecutor on the main thread (rclpy's MultiThreadedExecutor spins in
a tight loop, see test/ros/peer/robot_peer.py). After --duration seconds (or SIGINT/SIGTERM) it
writes one JSON object to --out and exits 0 (stamps as strings: above 2^53). Prints
{"event": "ready"} once its endpoints exist.

Run with the venv's python of `npm run setup:ros` (.ros/venv/bin/python).
"""

import argparse
import json
import math
import signal
import sys
import threading
import time

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from geometry_msgs.msg import PointStamped
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray


class ArmStandin(Node):
    def __init__(self, args):
        super().__init__("arm_standin")
        self.joints = [j for j in args.joints.split(",") if j]
        self.rate = args.rate
        self.published = []  # (stamp ns, monotonic ns before publish)
        # (monotonic ns at the callback, all zero?, wall ns the command was written (the node's
        # DDS source timestamp), wall ns this process's DDS reader received it)
        self.commands = []
        self.late = 0  # publications >= 1 period after their deadline
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.pub = self.create_publisher(JointState, args.joint_states_topic, reliable)
        self.create_subscription(
            Float64MultiArray, f"/{args.controller}/commands", self.on_command, 10, raw=True
        )
        self.stop = threading.Event()
        # The reach target, latched (as a launch file's or RViz's last click would be).
        latched = QoSProfile(
            depth=1,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        self.target_pub = self.create_publisher(PointStamped, args.target_topic, latched)
        target = PointStamped()
        target.header.frame_id = "base"
        target.point.x, target.point.y, target.point.z = (float(v) for v in args.target.split(","))
        self.target_pub.publish(target)

    def on_command(self, data, info):
        t = time.monotonic_ns()
        msg = deserialize_message(data, Float64MultiArray)
        self.commands.append(
            (
                t,
                all(v == 0.0 for v in msg.data),
                info["source_timestamp"],
                info["received_timestamp"],
            )
        )

    def publish_loop(self):
        period = int(1e9 / self.rate)
        msg = JointState()
        msg.name = list(self.joints)
        n = len(self.joints)
        k = 0
        next_ns = time.monotonic_ns()
        last_stamp = 0
        while not self.stop.is_set():
            now = time.monotonic_ns()
            if now < next_ns:
                time.sleep((next_ns - now) / 1e9)
                continue
            if now - next_ns >= period:
                self.late += 1
                next_ns = now  # skip, as a controller_manager loop does
            next_ns += period
            k += 1
            t = k / self.rate
            msg.position = [0.3 * math.sin(0.5 * t + i) for i in range(n)]
            msg.velocity = [0.15 * math.cos(0.5 * t + i) for i in range(n)]
            msg.effort = [0.0] * n
            stamp = max(time.time_ns(), last_stamp + 1)  # unique, even if the wall clock steps
            last_stamp = stamp
            msg.header.stamp.sec = stamp // 1_000_000_000
            msg.header.stamp.nanosec = stamp % 1_000_000_000
            data = serialize_message(msg)
            sent = time.monotonic_ns()
            self.pub.publish(data)
            self.published.append((stamp, sent))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--joints", default="joint1,joint2,joint3,joint4,joint5,joint6,joint7")
    p.add_argument("--rate", type=float, default=100.0, help="joint_states rate, Hz")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of publishing")
    p.add_argument("--controller", default="effort_controller")
    p.add_argument("--joint-states-topic", default="/joint_states")
    p.add_argument("--target-topic", default="/torquepilot/target")
    p.add_argument("--target", default="0.4,0.2,0.5", help="x,y,z of the reach target, m")
    p.add_argument("--out", required=True, help="JSON file written at the end")
    args = p.parse_args()

    rclpy.init(signal_handler_options=rclpy.signals.SignalHandlerOptions.NO)
    arm = ArmStandin(args)
    executor = SingleThreadedExecutor()
    executor.add_node(arm)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    sys.stdout.write(json.dumps({"event": "ready"}) + "\n")
    sys.stdout.flush()
    publisher = threading.Thread(target=arm.publish_loop, daemon=True)
    started = time.monotonic_ns()
    publisher.start()
    deadline = time.monotonic() + args.duration
    try:
        while not done.is_set() and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)
    except ExternalShutdownException:
        pass
    arm.stop.set()
    publisher.join(timeout=2.0)
    sys.stdout.write(json.dumps({"event": "done"}) + "\n")
    sys.stdout.flush()
    with open(args.out, "w", encoding="utf8") as f:
        json.dump(
            {
                "rateHz": args.rate,
                "startedNs": started,
                # stamps as strings: above 2^53, a JSON number loses them in JavaScript
                "published": [[str(s), t] for (s, t) in arm.published],
                "commands": [[t, z, str(src), str(rcv)] for (t, z, src, rcv) in arm.commands],
                "latePublications": arm.late,
            },
            f,
        )
    executor.shutdown()
    arm.destroy_node()
    rclpy.try_shutdown()


if __name__ == "__main__":
    main()
