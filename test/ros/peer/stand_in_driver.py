#!/usr/bin/env python3
"""The policy side of the stand-in arm's DDS test, written with rclpy (the ROS 2 reference client).

Against `torquepilot sim-robot` in lockstep (one step per command), it:
1. waits for the robot's joint states, its command subscription and its ~/reset service;
2. publishes each command of --commands (a JSON file: a list of torque lists) and waits for the
   state that command produced: the first state whose positions differ from the last one kept
   (a lockstep heartbeat republishes the unchanged state, a step always moves the arm);
3. calls ~/reset (std_srvs/Trigger), keeps the reset pose (the next changed state) and waits for
   the episode boundary with frame_id 'reset' on /torquepilot/episode (std_msgs/Header,
   RELIABLE, VOLATILE, depth 10);
4. prints one JSON line: {"position", "velocity", "stamps", "reset", "episodes"} and exits 0, or
   {"error": ...} and exits 1.
Run with the venv's python of `npm run setup:ros` (.ros/venv/bin/python).
"""

import argparse
import json
import sys
import threading
import time

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, Header
from std_srvs.srv import Trigger


def stamp_ns(stamp):
    # A string: JSON numbers above 2**53 lose digits in JavaScript.
    return str(stamp.sec * 1_000_000_000 + stamp.nanosec)


class Driver(Node):
    def __init__(self, args):
        super().__init__("stand_in_driver")
        self.cond = threading.Condition()
        self.states = []  # (stamp ns, position, velocity), every state received
        self.episodes = []  # (stamp ns, frame_id)
        reliable = QoSProfile(
            history=HistoryPolicy.KEEP_LAST,
            depth=10,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.VOLATILE,
        )
        self.create_subscription(JointState, args.joint_states, self.on_state, reliable)
        self.create_subscription(Header, "/torquepilot/episode", self.on_episode, reliable)
        self.pub = self.create_publisher(Float64MultiArray, args.commands_topic, reliable)
        self.reset = self.create_client(Trigger, f"/{args.node}/reset")

    def on_state(self, m):
        with self.cond:
            self.states.append((stamp_ns(m.header.stamp), list(m.position), list(m.velocity)))
            self.cond.notify_all()

    def on_episode(self, m):
        with self.cond:
            self.episodes.append((stamp_ns(m.stamp), m.frame_id))
            self.cond.notify_all()

    def wait(self, what, predicate, timeout):
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise TimeoutError(f"{what} did not happen within {timeout} s")

    def next_changed_state(self, after_index, last_position, timeout=10.0):
        """The first state at or after after_index whose positions differ from last_position."""
        found = []

        def changed():
            for s in self.states[after_index:]:
                if s[1] != last_position:
                    found.append(s)
                    return True
            return False

        self.wait("a changed joint state", changed, timeout)
        return found[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", default="torquepilot_sim_robot")
    parser.add_argument("--joint-states", default="/joint_states")
    parser.add_argument("--commands-topic", default="/effort_controller/commands")
    parser.add_argument("--commands", required=True, help="JSON file: a list of torque lists")
    args = parser.parse_args()
    with open(args.commands) as f:
        commands = json.load(f)

    rclpy.init()
    driver = Driver(args)
    executor = SingleThreadedExecutor()
    executor.add_node(driver)
    threading.Thread(target=executor.spin, daemon=True).start()
    try:
        driver.wait("the first joint state", lambda: len(driver.states) > 0, 60.0)
        deadline = time.monotonic() + 30.0
        while driver.pub.get_subscription_count() == 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the sim robot's command subscription did not match")
            time.sleep(0.01)
        if not driver.reset.wait_for_service(timeout_sec=30.0):
            raise TimeoutError(f"no service /{args.node}/reset")
        with driver.cond:
            first = driver.states[-1]
        kept = [first]
        for c in commands:
            with driver.cond:
                index = len(driver.states)
            driver.pub.publish(Float64MultiArray(data=[float(x) for x in c]))
            kept.append(driver.next_changed_state(index, kept[-1][1]))
        with driver.cond:
            index = len(driver.states)
        future = driver.reset.call_async(Trigger.Request())
        driver.wait("the ~/reset response", future.done, 10.0)
        response = future.result()
        reset_state = driver.next_changed_state(index, kept[-1][1])
        driver.wait(
            "the 'reset' episode boundary",
            lambda: any(e[1] == "reset" for e in driver.episodes),
            10.0,
        )
        with driver.cond:
            episodes = [{"stamp": s, "frame_id": f} for s, f in driver.episodes]
        print(
            json.dumps(
                {
                    "position": [s[1] for s in kept],
                    "velocity": [s[2] for s in kept],
                    "stamps": [s[0] for s in kept],
                    "reset": {
                        "success": response.success,
                        "message": response.message,
                        "position": reset_state[1],
                        "velocity": reset_state[2],
                        "stamp": reset_state[0],
                    },
                    "episodes": episodes,
                }
            ),
            flush=True,
        )
        code = 0
    except Exception as err:  # one line for the test to show
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}), flush=True)
        code = 1
    executor.shutdown()
    driver.destroy_node()
    rclpy.try_shutdown()
    sys.exit(code)


if __name__ == "__main__":
    main()
