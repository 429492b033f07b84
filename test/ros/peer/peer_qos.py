"""Helpers of robot_peer.py for issue 20's DDS tests (kept apart so each file stays small).

- TargetPublishers: publish a reach target as an operator's tool does: VOLATILE (`ros2 topic pub`,
  RViz's Publish Point, Foxglove) or TRANSIENT_LOCAL (latched), optionally waiting for a matched
  subscription first (`ros2 topic pub -w 1`).
- QosEndpoints: publishers/subscriptions with a chosen QoS, on a node of their own (so a test can
  check that the policy node's warning names that node), e.g. an incompatible peer: a BEST_EFFORT
  e-stop publisher (the node's e-stop subscription is RELIABLE), or a TRANSIENT_LOCAL subscriber
  to one of the node's VOLATILE publishers (/diagnostics, /torquepilot/policy_output).
- DiagnosticsLog: every /diagnostics status in arrival order (level, message, key values).
- joint_motion: joint positions that keep moving, so the policy keeps commanding non-zero torque.
"""

import math
import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PointStamped
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool, Float64MultiArray, String

MESSAGE_TYPES = {
    "std_msgs/msg/Bool": Bool,
    "std_msgs/msg/String": String,
    "std_msgs/msg/Float64MultiArray": Float64MultiArray,
    "geometry_msgs/msg/PointStamped": PointStamped,
    "sensor_msgs/msg/JointState": JointState,
    "diagnostic_msgs/msg/DiagnosticArray": DiagnosticArray,
}
RELIABILITY = {"reliable": ReliabilityPolicy.RELIABLE, "best_effort": ReliabilityPolicy.BEST_EFFORT}
DURABILITY = {
    "volatile": DurabilityPolicy.VOLATILE,
    "transient_local": DurabilityPolicy.TRANSIENT_LOCAL,
}


def qos_profile(reliability="reliable", durability="volatile", depth=10):
    """A KEEP_LAST profile from names; raises naming the bad value."""
    if reliability not in RELIABILITY:
        raise ValueError(f"reliability {reliability!r} is not one of {', '.join(RELIABILITY)}")
    if durability not in DURABILITY:
        raise ValueError(f"durability {durability!r} is not one of {', '.join(DURABILITY)}")
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=int(depth),
        reliability=RELIABILITY[reliability],
        durability=DURABILITY[durability],
    )


def status_level(level):
    """diagnostic_msgs level (a byte in rclpy) as an int: 0 OK, 1 WARN, 2 ERROR, 3 STALE."""
    return int.from_bytes(level, "little") if isinstance(level, bytes) else int(level)


class TargetPublishers:
    """One RELIABLE publisher per durability on the target topic, kept alive (a latched sample is
    only served while its publisher lives)."""

    def __init__(self, node, topic):
        self.node = node
        self.topic = topic
        self.publishers = {}

    def publish(self, point, durability="volatile", wait=False, timeout=10.0, frame_id="world"):
        pub = self.publishers.get(durability)
        if pub is None:
            # depth 1 as `ros2 topic pub` latched targets; ros2 topic pub uses depth 10 for
            # VOLATILE, which changes nothing for matching
            pub = self.node.create_publisher(
                PointStamped, self.topic, qos_profile("reliable", durability, depth=1)
            )
            self.publishers[durability] = pub
        if wait:
            # `ros2 topic pub -w 1`: wait for one matched (compatible) subscription
            deadline = time.monotonic() + timeout
            while pub.get_subscription_count() < 1:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"no subscription matched the {durability} publisher on {self.topic} "
                        f"within {timeout} s"
                    )
                time.sleep(0.01)
        msg = PointStamped()
        msg.header.frame_id = frame_id
        msg.header.stamp = self.node.get_clock().now().to_msg()
        msg.point.x, msg.point.y, msg.point.z = (float(v) for v in point)
        pub.publish(msg)
        return {"matched": pub.get_subscription_count(), "now": time.monotonic()}


class QosEndpoints:
    """Endpoints with a chosen QoS on a node of their own, created on request."""

    def __init__(self, executor, node_name):
        self.executor = executor
        self.node_name = node_name
        self.node = None
        self.endpoints = []
        self.received = {}

    def add(self, role, topic, type_name, reliability, durability, depth=10):
        msg_type = MESSAGE_TYPES.get(type_name)
        if msg_type is None:
            raise ValueError(f"type {type_name!r} is not one of {', '.join(MESSAGE_TYPES)}")
        if self.node is None:
            self.node = Node(self.node_name)
            self.executor.add_node(self.node)
        qos = qos_profile(reliability, durability, depth)
        if role == "publisher":
            self.endpoints.append(self.node.create_publisher(msg_type, topic, qos))
        elif role == "subscription":
            self.received.setdefault(topic, 0)

            def count(_msg, topic=topic):
                self.received[topic] += 1

            self.endpoints.append(self.node.create_subscription(msg_type, topic, count, qos))
        else:
            raise ValueError(f"role {role!r} is not publisher or subscription")
        return {"node": self.node_name, "endpoints": len(self.endpoints)}

    def publish(self, index, value):
        """Publish a std_msgs/Bool `value` on publisher number `index` (e.g. a best-effort e-stop)."""
        self.endpoints[index].publish(Bool(data=bool(value)))
        return {"now": time.monotonic()}

    def clear(self):
        if self.node is not None:
            self.executor.remove_node(self.node)
            self.node.destroy_node()
            self.node = None
        self.endpoints = []
        return {"received": dict(self.received)}


class DiagnosticsLog:
    """Every /diagnostics status, in arrival order (monotonic time of arrival)."""

    def __init__(self, limit=5000):
        self.lock = threading.Lock()
        self.entries = []
        self.limit = limit

    def add(self, msg):
        now = time.monotonic()
        with self.lock:
            for s in msg.status:
                self.entries.append(
                    {
                        "t": now,
                        "name": s.name,
                        "level": status_level(s.level),
                        "message": s.message,
                        "values": {kv.key: kv.value for kv in s.values},
                    }
                )
            if len(self.entries) > self.limit:
                del self.entries[: len(self.entries) - self.limit]

    def since(self, t=None):
        with self.lock:
            return [e for e in self.entries if t is None or e["t"] >= t]


def joint_motion(motion, i, k, rate):
    """Position and velocity of joint i at sample k: 'static' (0.1·(i+1) plus a drift below
    0.01, distinct per joint so an index mix-up shows) or 'sine' (0.3 rad at 0.5 Hz around it, a
    phase per joint: the arm keeps moving, so the policy keeps commanding non-zero torque)."""
    base = 0.1 * (i + 1)
    if motion == "sine":
        w = 2 * math.pi * 0.5
        t = k / rate
        phase = 0.7 * i
        return base + 0.3 * math.sin(w * t + phase), 0.3 * w * math.cos(w * t + phase)
    return base + 1e-4 * (k % 100), -0.05 * (i + 1)
