"""Replay logged episodes: off-policy natural-gradient updates from rosbag2 MCAP bags.

    ros2 launch torquepilot replay.launch.py bag:=runs/arm7-reach/episodes \
        checkpoint:=runs/arm7-reach/checkpoints/best out:=runs/arm7-reach-replay

Runs `torquepilot replay --bag <bag> --checkpoint <checkpoint> --out <out>`. The bags are the ones
the policy node records with its `record_path` parameter; `ros2 bag info` and Foxglove open them too.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackagePrefix


def generate_launch_description():
    args = [
        DeclareLaunchArgument('bag', description='rosbag2 MCAP bag directory (or .mcap file) of episodes'),
        DeclareLaunchArgument('checkpoint', description='Checkpoint to start from'),
        DeclareLaunchArgument('out', default_value='runs/replay', description='Output run directory'),
    ]
    replay = ExecuteProcess(
        name='replay',
        cmd=[
            PathJoinSubstitution([FindPackagePrefix('torquepilot'), 'lib', 'torquepilot', 'replay']),
            '--bag',
            LaunchConfiguration('bag'),
            '--checkpoint',
            LaunchConfiguration('checkpoint'),
            '--out',
            LaunchConfiguration('out'),
        ],
        output='screen',
    )
    return LaunchDescription(args + [replay])
