#!/usr/bin/env python3
"""The robot side of torquepilot's DDS tests, written with rclpy (the ROS 2 reference client).

It stands in for ros2_control:
- a joint_state_broadcaster: publishes sensor_msgs/JointState on /joint_states, RELIABLE (the
  broadcaster's default QoS), each message with the joint order shuffled and extra joint names;
- a JointGroupEffortController: subscribes std_msgs/Float64MultiArray on /<controller>/commands
  with the system-default QoS and counts commands whose size differs from the number of joints
  (ros2_control drops those silently; the tests fail on any);
- a client of the standard lifecycle and parameter services (/<node>/change_state, get_state,
  set_parameters) and an e-stop publisher, so that the tests drive the node through rclpy.

Issue 20's tests also use (peer_qos.py): targets published VOLATILE (as `ros2 topic pub`) or
latched, before or after the node starts; endpoints with an incompatible QoS on a node of their
own; every /diagnostics status in order; joint states that keep moving (--motion sine); the last
command received and when (op last_command).

Protocol: one JSON object per line. Requests on stdin ({"id": 1, "op": "status"}), replies and
events on stdout ({"id": 1, "ok": true, ...}; first line {"event": "ready"}).
Run with the venv's python of `npm run setup:ros` (.ros/venv/bin/python).
"""

import argparse
import json
import random
import sys
import threading
import time

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool, Float64MultiArray, String

from peer_qos import DiagnosticsLog, QosEndpoints, TargetPublishers, joint_motion, status_level

TRANSITIONS = {
    "configure": Transition.TRANSITION_CONFIGURE,
    "cleanup": Transition.TRANSITION_CLEANUP,
    "activate": Transition.TRANSITION_ACTIVATE,
    "deactivate": Transition.TRANSITION_DEACTIVATE,
    "shutdown": Transition.TRANSITION_UNCONFIGURED_SHUTDOWN,
}

# When torquepilot_msgs was built by the setup, also count PolicyOutput messages.
try:
    from torquepilot_msgs.msg import PolicyOutput  # type: ignore
except ImportError:  # pragma: no cover - only without the colcon workspace
    PolicyOutput = None


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class RobotPeer(Node):
    def __init__(self, args):
        super().__init__(args.node_name)
        self.joints = [j for j in args.joints.split(",") if j]
        self.extra = [j for j in args.extra_joints.split(",") if j]
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.publishing = not args.start_stopped
        self.stopped_at = None
        self.sent = 0
        self.commands = []  # (monotonic seconds, [values])
        self.command_count = 0
        self.wrong_size = 0
        self.policy_outputs = 0
        self.policy_output_log = []  # (monotonic seconds, action, command, safety_state)
        self.last_policy_output = None
        self.diagnostics = 0
        self.last_diagnostics = None
        self.round_trips = []  # seconds, joint_states publish -> next command
        self.last_js_time = None
        self.motion = args.motion
        self.rate = args.rate
        self.diagnostics_log = DiagnosticsLog()
        self.last_command_wall = None
        self.last_nonzero_command_at = None
        self.nonzero_command_count = 0

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.js_pub = self.create_publisher(JointState, args.joint_states_topic, reliable)
        self.create_subscription(
            Float64MultiArray, f"/{args.controller}/commands", self.on_command, 10
        )
        self.estop_pub = self.create_publisher(Bool, args.estop_topic, reliable)
        self.bool_publishers = {args.estop_topic: self.estop_pub}
        self.create_subscription(DiagnosticArray, "/diagnostics", self.on_diagnostics, 10)
        if PolicyOutput is not None and args.policy_output_topic:
            self.create_subscription(
                PolicyOutput, args.policy_output_topic, self.on_policy_output, 10
            )
        # The trainer node's topics (torquepilot trainer-node), and /joint_states as RViz sees it.
        self.training_metrics = []
        self.training_checkpoints = []
        self.joint_states_received = 0
        self.last_joint_state_names = None
        latched_in = QoSProfile(
            depth=10,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        self.create_subscription(
            String, "/torquepilot/training/metrics", self.on_training_metrics, latched_in
        )
        self.create_subscription(
            String, "/torquepilot/training/checkpoint", self.on_training_checkpoint, latched_in
        )
        self.create_subscription(
            JointState, args.joint_states_topic, self.on_joint_state, reliable
        )
        self.create_timer(1.0 / args.rate, self.publish_joint_states)
        self.targets = TargetPublishers(self, args.target_topic)
        if args.target:
            # The reach target at start, before the node exists: latched (TRANSIENT_LOCAL) by
            # default; --target-durability volatile publishes it as `ros2 topic pub` would (lost).
            point = [float(v) for v in args.target.split(",")]
            self.targets.publish(point, args.target_durability)

    def publish_joint_states(self):
        with self.lock:
            if not self.publishing:
                return
            self.sent += 1
            k = self.sent
        names = self.joints + self.extra
        # joint i: distinct per joint so a mix-up by index shows in the node's output
        # (peer_qos.joint_motion)
        values = {n: joint_motion(self.motion, i, k, self.rate) for i, n in enumerate(names)}
        order = list(names)
        self.rng.shuffle(order)
        msg = JointState()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.name = order
        msg.position = [values[n][0] for n in order]
        msg.velocity = [values[n][1] for n in order]
        msg.effort = [0.0 for _ in order]
        self.last_js_time = time.monotonic()
        self.js_pub.publish(msg)

    def on_training_metrics(self, msg):
        with self.lock:
            self.training_metrics.append(msg.data)

    def on_training_checkpoint(self, msg):
        with self.lock:
            self.training_checkpoints.append(msg.data)

    def on_joint_state(self, msg):
        with self.lock:
            self.joint_states_received += 1
            self.last_joint_state_names = list(msg.name)

    def on_command(self, msg):
        now = time.monotonic()
        data = list(msg.data)
        with self.lock:
            self.command_count += 1
            if len(data) != len(self.joints):
                self.wrong_size += 1
            self.commands.append((now, data))
            self.last_command_wall = time.time()
            if any(v != 0.0 for v in data):
                self.last_nonzero_command_at = now
                self.nonzero_command_count += 1
            if len(self.commands) > 5000:
                del self.commands[:1000]
            if self.last_js_time is not None and self.publishing:
                self.round_trips.append(now - self.last_js_time)

    def on_diagnostics(self, msg):
        self.diagnostics_log.add(msg)
        with self.lock:
            self.diagnostics += 1
            self.last_diagnostics = [
                {
                    "name": s.name,
                    "level": status_level(s.level),
                    "message": s.message,
                    "values": {kv.key: kv.value for kv in s.values},
                }
                for s in msg.status
            ]

    def on_policy_output(self, msg):
        with self.lock:
            self.policy_outputs += 1
            self.policy_output_log.append(
                (
                    time.monotonic(),
                    list(msg.action),
                    list(msg.command),
                    msg.safety_state,
                    msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec,
                )
            )
            if len(self.policy_output_log) > 5000:
                del self.policy_output_log[:1000]
            self.last_policy_output = {
                "jointNames": list(msg.joint_names),
                "command": list(msg.command),
                "safetyState": msg.safety_state,
                "stampSec": msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec,
                "receivedAt": time.monotonic(),
            }

    def status(self, since=None):
        with self.lock:
            cmds = [
                {"t": t, "data": d} for (t, d) in self.commands if since is None or t >= since
            ]
            rts = sorted(self.round_trips)
            outs = [
                {"t": t, "action": a, "command": c, "safetyState": st, "stampSec": stamp}
                for (t, a, c, st, stamp) in self.policy_output_log
                if since is not None and t >= since
            ]
            return {
                "now": time.monotonic(),
                "jointStatesSent": self.sent,
                "publishing": self.publishing,
                "stoppedAt": self.stopped_at,
                "commandCount": self.command_count,
                "wrongSize": self.wrong_size,
                "lastCommand": self.commands[-1][1] if self.commands else None,
                "lastCommandAt": self.commands[-1][0] if self.commands else None,
                "commands": cmds[-400:] if since is not None else [],
                "policyOutputs": self.policy_outputs,
                "policyOutputsSince": outs[-400:],
                "lastPolicyOutput": self.last_policy_output,
                "diagnostics": self.diagnostics,
                "lastDiagnostics": self.last_diagnostics,
                "roundTripP50Ms": 1e3 * rts[len(rts) // 2] if rts else None,
                "roundTripP99Ms": 1e3 * rts[min(len(rts) - 1, int(0.99 * len(rts)))] if rts else None,
            }

    def call(self, srv_type, name, request, timeout):
        client = self.create_client(srv_type, name)
        try:
            if not client.wait_for_service(timeout_sec=timeout):
                raise RuntimeError(f"service {name} not available within {timeout} s")
            future = client.call_async(request)
            deadline = time.monotonic() + timeout
            while not future.done():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"service {name} did not answer within {timeout} s")
                time.sleep(0.002)
            return future.result()
        finally:
            self.destroy_client(client)


def param_value(kind, value):
    v = ParameterValue()
    if kind == "bool":
        v.type, v.bool_value = ParameterType.PARAMETER_BOOL, bool(value)
    elif kind == "integer":
        v.type, v.integer_value = ParameterType.PARAMETER_INTEGER, int(value)
    elif kind == "double":
        v.type, v.double_value = ParameterType.PARAMETER_DOUBLE, float(value)
    else:
        v.type, v.string_value = ParameterType.PARAMETER_STRING, str(value)
    return v


def handle_issue20(peer, qos_endpoints, req):
    """Ops of issue 20's tests (peer_qos.py); None when `req` is not one of them."""
    op = req.get("op")
    if op == "publish_target":
        # {"point": [x, y, z], "durability": "volatile"|"transient_local", "wait": bool}
        return peer.targets.publish(
            req["point"],
            req.get("durability", "volatile"),
            bool(req.get("wait", False)),
            float(req.get("timeout", 10.0)),
        )
    if op == "qos_endpoint":
        # {"role": "publisher"|"subscription", "topic", "type", "reliability", "durability"}
        return qos_endpoints.add(
            req["role"],
            req["topic"],
            req["type"],
            req.get("reliability", "reliable"),
            req.get("durability", "volatile"),
            req.get("depth", 10),
        )
    if op == "qos_publish":
        return qos_endpoints.publish(int(req["index"]), req["value"])
    if op == "clear_qos_endpoints":
        return qos_endpoints.clear()
    if op == "diagnostics_log":
        return {"now": time.monotonic(), "statuses": peer.diagnostics_log.since(req.get("since"))}
    if op == "last_command":
        with peer.lock:
            last = peer.commands[-1] if peer.commands else None
            return {
                "now": time.monotonic(),
                "commandCount": peer.command_count,
                "lastCommand": last[1] if last else None,
                "lastCommandAt": last[0] if last else None,
                "lastCommandWall": peer.last_command_wall,
                "lastCommandAllZero": all(v == 0.0 for v in last[1]) if last else None,
                "lastNonZeroCommandAt": peer.last_nonzero_command_at,
                "nonZeroCommandCount": peer.nonzero_command_count,
            }
    return None


def handle(peer, req):
    op = req.get("op")
    timeout = float(req.get("timeout", 10.0))
    if op == "status":
        return peer.status(req.get("since"))
    if op == "training":
        with peer.lock:
            return {
                "metrics": list(peer.training_metrics),
                "checkpoints": list(peer.training_checkpoints),
                "jointStatesReceived": peer.joint_states_received,
                "lastJointStateNames": peer.last_joint_state_names,
            }
    if op == "publish":
        with peer.lock:
            peer.publishing = bool(req["on"])
            peer.stopped_at = None if peer.publishing else time.monotonic()
            # wall clock too: comparable with the node's message stamps (same machine clock)
            return {
                "stoppedAt": peer.stopped_at,
                "stoppedAtWall": time.time(),
                "now": time.monotonic(),
            }
    if op == "estop":
        peer.estop_pub.publish(Bool(data=bool(req["value"])))
        return {"now": time.monotonic()}
    if op == "publish_bool":
        pub = peer.bool_publishers.get(req["topic"])
        if pub is None:
            reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
            pub = peer.bool_publishers[req["topic"]] = peer.create_publisher(Bool, req["topic"], reliable)
        pub.publish(Bool(data=bool(req["value"])))
        return {"now": time.monotonic()}
    if op == "change_state":
        r = ChangeState.Request()
        r.transition.id = TRANSITIONS[req["transition"]]
        res = peer.call(ChangeState, f"/{req['node']}/change_state", r, timeout)
        return {"success": bool(res.success)}
    if op == "get_state":
        res = peer.call(GetState, f"/{req['node']}/get_state", GetState.Request(), timeout)
        return {"stateId": int(res.current_state.id), "label": res.current_state.label}
    if op == "set_parameters":
        r = SetParameters.Request()
        r.parameters = [
            Parameter(name=req["name"], value=param_value(req["type"], req["value"]))
        ]
        res = peer.call(SetParameters, f"/{req['node']}/set_parameters", r, timeout)
        return {"results": [{"successful": x.successful, "reason": x.reason} for x in res.results]}
    raise ValueError(f"unknown op {op!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--joints", required=True, help="commanded joints, comma-separated")
    p.add_argument("--extra-joints", default="gripper_left,gripper_right")
    p.add_argument("--controller", default="effort_controller")
    p.add_argument("--rate", type=float, default=500.0, help="joint_states rate, Hz")
    p.add_argument("--node-name", default="robot_peer")
    p.add_argument("--joint-states-topic", default="/joint_states")
    p.add_argument("--estop-topic", default="/torquepilot/estop")
    p.add_argument("--policy-output-topic", default="/torquepilot/policy_output")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--target", default="", help="x,y,z: publish this reach target at start")
    p.add_argument(
        "--target-durability",
        choices=["transient_local", "volatile"],
        default="transient_local",
        help="QoS durability of the --target publisher (volatile = as `ros2 topic pub`)",
    )
    p.add_argument(
        "--motion",
        choices=["static", "sine"],
        default="static",
        help="joint states: static (a small drift) or sine (the arm keeps moving)",
    )
    p.add_argument(
        "--qos-node-name", default="qos_peer", help="node of the qos_endpoint op's endpoints"
    )
    p.add_argument("--target-topic", default="/torquepilot/target")
    p.add_argument("--start-stopped", action="store_true")
    args = p.parse_args()

    rclpy.init()
    peer = RobotPeer(args)
    # One executor thread (every callback is short), NOT rclpy's MultiThreadedExecutor: its spin
    # thread re-yields a task that a pool thread has not started yet and submits it again, in a
    # tight loop (rclpy issues #1223 and #1452; upstream fix in PR #1547). With the 200 Hz timer
    # and our own /joint_states subscription that loop held the GIL almost all the time on an idle
    # 2-core machine (30 000 submits for 51 callbacks in 5 s, 100 % CPU): /joint_states fell from
    # 200 Hz to 0.4-30 Hz, with gaps far over the policy node's 100 ms watchdog. Service calls
    # from the main thread (call()) only poll their futures, which this executor completes.
    executor = SingleThreadedExecutor()
    executor.add_node(peer)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    qos_endpoints = QosEndpoints(executor, args.qos_node_name)
    emit({"event": "ready", "node": args.node_name})
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            req = json.loads(line)
            try:
                reply = handle_issue20(peer, qos_endpoints, req)
                if reply is None:
                    reply = handle(peer, req)
                emit({"id": req.get("id"), "ok": True, **reply})
            except Exception as err:  # reported to the test, which fails with it
                emit({"id": req.get("id"), "ok": False, "error": f"{type(err).__name__}: {err}"})
    finally:
        executor.shutdown()
        spinner.join(timeout=2.0)
        peer.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
