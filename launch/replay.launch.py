"""Replay logged episodes: off-policy natural-gradient updates from rosbag2 MCAP bags.

    ros2 launch torquepilot replay.launch.py bag:=runs/arm7-reach/episodes \
        checkpoint:=runs/arm7-reach/checkpoints/best out:=runs/arm7-reach-replay

Runs `torquepilot replay --bag <bag> --checkpoint <checkpoint> --out <out>`. The bags are the ones
the policy node records with its `record_path` parameter; `ros2 bag info` and Foxglove open them too.
Every option of `torquepilot replay` is an argument (`--show-args` lists them); one left empty
('') is not passed, so the CLI's default holds. Replay improves the checkpoint on the task and
robot it was trained on (its manifest names them), from bags recorded on that robot: `task` and
`robot` may only name the checkpoint's own (anything else is refused before any work).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackagePrefix

# (argument, CLI flag, description); '' = not passed: the CLI's default.
REPLAY_FLAGS = [
    ('weights', '--weights', "importance-weight estimator ('' = the CLI's default)"),
    ('rho_bar', '--rho-bar', "truncation of the importance weights ('' = the CLI's default)"),
    ('c_bar', '--c-bar', "truncation of the V-trace traces ('' = the CLI's default)"),
    ('iterations', '--iterations', "natural-gradient steps on the data ('' = the CLI's default)"),
    ('target_kl', '--target-kl', "trust-region radius per step ('' = TRPO's default 0.01)"),
    ('gamma', '--gamma', "discount ('' = 0.99)"),
    ('seed', '--seed', "seed of the critic minibatch shuffling ('' = 0)"),
    ('log_level', '--log-level', "pino log level on stderr ('' = warn)"),
    ('task', '--task', "the checkpoint's task, checked ('' = the checkpoint's)"),
    ('robot', '--robot', "the checkpoint's robot folder or name, checked ('' = the checkpoint's)"),
]
# (argument, CLI switch, description): true adds the switch; false or '' does not.
REPLAY_SWITCHES = [
    ('critic_only', '--critic-only', "true: fit only the value network, the policy unchanged (the one use of steps recorded with explore false, which importance weighting refuses) ('' = false)"),
]


def _replay(context):
    cmd = [
        PathJoinSubstitution([FindPackagePrefix('torquepilot'), 'lib', 'torquepilot', 'replay']),
        '--bag',
        LaunchConfiguration('bag'),
        '--checkpoint',
        LaunchConfiguration('checkpoint'),
        '--out',
        LaunchConfiguration('out'),
    ]
    for name, flag, _ in REPLAY_FLAGS:
        if LaunchConfiguration(name).perform(context) != '':
            cmd += [flag, LaunchConfiguration(name)]
    for name, flag, _ in REPLAY_SWITCHES:
        text = LaunchConfiguration(name).perform(context).strip().lower()
        if text not in ('', 'true', 'false', '1', '0'):
            raise ValueError(f"replay.launch.py: argument {name}:='{text}' is not true or false")
        if text in ('true', '1'):
            cmd.append(flag)
    return [ExecuteProcess(name='replay', cmd=cmd, output='screen')]


def generate_launch_description():
    args = [
        DeclareLaunchArgument('bag', description='rosbag2 MCAP bag directory (or .mcap file) of episodes'),
        DeclareLaunchArgument('checkpoint', description='Checkpoint to start from'),
        DeclareLaunchArgument('out', default_value='runs/replay', description='Output run directory'),
    ]
    args += [DeclareLaunchArgument(n, default_value='', description=d) for n, _, d in REPLAY_FLAGS]
    args += [DeclareLaunchArgument(n, default_value='', description=d) for n, _, d in REPLAY_SWITCHES]
    return LaunchDescription(args + [OpaqueFunction(function=_replay)])
