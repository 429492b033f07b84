"""Replay logged episodes: off-policy natural-gradient updates from rosbag2 MCAP bags.

    ros2 launch torquepilot replay.launch.py bags:=runs/arm7-reach/episodes \
        checkpoint:=runs/arm7-reach/checkpoints/best out:=runs/arm7-reach-replay

Runs `torquepilot replay --bags <bags> --checkpoint <checkpoint> --out <out>`. The bags are the ones
the policy node records with its `record_path` parameter; `ros2 bag info` and Foxglove open them too.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackagePrefix


def generate_launch_description():
    args = [
        DeclareLaunchArgument('bags', description='Directory of rosbag2 MCAP episode bags'),
        DeclareLaunchArgument('checkpoint', description='Checkpoint to start from'),
        DeclareLaunchArgument('out', default_value='runs/replay', description='Output run directory'),
    ]
    replay = ExecuteProcess(
        name='replay',
        cmd=[
            PathJoinSubstitution([FindPackagePrefix('torquepilot'), 'lib', 'torquepilot', 'replay']),
            '--bags',
            LaunchConfiguration('bags'),
            '--checkpoint',
            LaunchConfiguration('checkpoint'),
            '--out',
            LaunchConfiguration('out'),
        ],
        output='screen',
    )
    return LaunchDescription(args + [replay])
