#!/usr/bin/env python3
"""The rclpy side of the episode-boundary DDS test (test/ros/dds/episodeBoundaries.test.ts).

Beside `torquepilot sim-robot` and the policy node that drives it, it:
1. logs every /joint_states message (stamp, positions of --joints in that order) and every episode
   boundary on /torquepilot/episode (std_msgs/Header, RELIABLE, VOLATILE, depth 10), printing one
   {"event": "boundary", ...} line per boundary;
2. once --reset-after-horizons 'horizon' boundaries came, waits until the episode in progress has
   published --reset-at distinct states, then calls the sim robot's ~/reset (std_srvs/Trigger)
   once, mid-episode, and prints {"event": "reset", "success", "message"};
3. on stdin EOF prints one JSON line {"states": [[stamp, positions]...], "episodes": [...]} and
   exits 0 ({"error": ...} and exit 1 on a failure).
Stamps are strings of nanoseconds (JSON numbers above 2**53 lose digits in JavaScript).
"""

import argparse
import json
import sys
import threading

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Header
from std_srvs.srv import Trigger


def stamp_ns(stamp):
    return str(stamp.sec * 1_000_000_000 + stamp.nanosec)


class Watcher(Node):
    def __init__(self, args):
        super().__init__("episode_watcher")
        self.joints = args.joints.split(",")
        self.lock = threading.Lock()
        self.states = []  # [stamp ns, positions]
        self.episodes = []  # {"stamp", "frame_id"}
        self.distinct_in_episode = 0
        self.last_position = None
        self.reset_after = args.reset_after_horizons
        self.reset_at = args.reset_at
        self.reset_called = False
        reliable = QoSProfile(
            history=HistoryPolicy.KEEP_LAST,
            depth=10,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.VOLATILE,
        )
        # Depth 1000: no state may be lost while the test maps recorded steps to episodes.
        every = QoSProfile(
            history=HistoryPolicy.KEEP_LAST,
            depth=1000,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.VOLATILE,
        )
        self.create_subscription(JointState, "/joint_states", self.on_state, every)
        self.create_subscription(Header, "/torquepilot/episode", self.on_episode, reliable)
        self.reset = self.create_client(Trigger, f"/{args.node}/reset")

    def on_state(self, m):
        index = {n: i for i, n in enumerate(m.name)}
        position = [m.position[index[j]] for j in self.joints]
        call = False
        with self.lock:
            self.states.append([stamp_ns(m.header.stamp), position])
            if position != self.last_position:
                self.distinct_in_episode += 1
                self.last_position = position
            horizons = sum(1 for e in self.episodes if e["frame_id"] == "horizon")
            if (
                not self.reset_called
                and horizons >= self.reset_after
                and self.distinct_in_episode >= self.reset_at
            ):
                self.reset_called = True
                call = True
        if call:
            self.reset.call_async(Trigger.Request()).add_done_callback(self.on_reset)

    def on_reset(self, future):
        r = future.result()
        print(json.dumps({"event": "reset", "success": r.success, "message": r.message}), flush=True)

    def on_episode(self, m):
        e = {"stamp": stamp_ns(m.stamp), "frame_id": m.frame_id}
        with self.lock:
            self.episodes.append(e)
            # The episode's first state came just before its boundary (published right after it).
            self.distinct_in_episode = 1
        print(json.dumps({"event": "boundary", **e}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", default="torquepilot_sim_robot")
    parser.add_argument("--joints", required=True)
    parser.add_argument("--reset-after-horizons", type=int, default=2)
    parser.add_argument("--reset-at", type=int, default=10)
    args = parser.parse_args()

    rclpy.init()
    watcher = Watcher(args)
    executor = SingleThreadedExecutor()
    executor.add_node(watcher)
    threading.Thread(target=executor.spin, daemon=True).start()
    code = 0
    try:
        if not watcher.reset.wait_for_service(timeout_sec=60.0):
            raise TimeoutError(f"no service /{args.node}/reset")
        print(json.dumps({"event": "ready"}), flush=True)
        sys.stdin.read()  # until the test closes stdin
        with watcher.lock:
            out = {"states": list(watcher.states), "episodes": list(watcher.episodes)}
        print(json.dumps(out), flush=True)
    except Exception as err:  # one line for the test to show
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}), flush=True)
        code = 1
    executor.shutdown()
    watcher.destroy_node()
    rclpy.try_shutdown()
    sys.exit(code)


if __name__ == "__main__":
    main()
