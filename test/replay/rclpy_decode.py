"""Decode CDR payloads written by torquepilot with ROS 2's own typesupport (rclpy).

Usage: python rclpy_decode.py TRANSITION.cdr JOINT_STATE.cdr COMMAND.cdr -> JSON on stdout, floats
as float.hex() so the comparison is bit-exact.
"""

import json
import sys

from rclpy.serialization import deserialize_message
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray
from torquepilot_msgs.msg import Transition


def hexes(values):
    return [float(v).hex() for v in values]


def read(path, typ):
    with open(path, "rb") as f:
        return deserialize_message(f.read(), typ)


t = read(sys.argv[1], Transition)
j = read(sys.argv[2], JointState)
c = read(sys.argv[3], Float64MultiArray)
print(
    json.dumps(
        {
            "transition": {
                "sec": t.header.stamp.sec,
                "nanosec": t.header.stamp.nanosec,
                "episode_index": t.episode_index,
                "step_index": t.step_index,
                "checkpoint_id": t.checkpoint_id,
                "task": t.task,
                "joint_names": list(t.joint_names),
                "observation": hexes(t.observation),
                "action": hexes(t.action),
                "mean": hexes(t.mean),
                "log_std": hexes(t.log_std),
                "log_prob": float(t.log_prob).hex(),
                "deterministic": t.deterministic,
                "reward": float(t.reward).hex(),
                "terminated": t.terminated,
                "truncated": t.truncated,
                "final_observation": hexes(t.final_observation),
            },
            "joint_state": {
                "name": list(j.name),
                "position": hexes(j.position),
                "velocity": hexes(j.velocity),
                "effort": hexes(j.effort),
            },
            "command": hexes(c.data),
        }
    )
)
