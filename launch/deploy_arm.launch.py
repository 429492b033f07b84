"""Deploy a trained policy to a physical arm driven by ros2_control.

Starts the torquepilot policy lifecycle node in REAL mode, remapped to the arm's effort
controller topic. It is UNARMED: after configure and activate it publishes nothing until you set
`armed` through the standard parameter service, and then the torque ramps up over `arm_ramp_time`:

    ros2 launch torquepilot deploy_arm.launch.py checkpoint:=/path/to/checkpoint \
        robot:=/path/to/robot_folder controller_topic:=/my_effort_controller/commands
    ros2 lifecycle set /torquepilot_policy configure
    ros2 lifecycle set /torquepilot_policy activate
    ros2 param set /torquepilot_policy armed true

Every parameter of the node is an argument (`ros2 launch torquepilot deploy_arm.launch.py
--show-args` lists them), except `mode` (always real here) and `armed` (always false at start: arm
at run time). An argument left empty ('') is not passed, so the node's own default holds (the
default the node declares, `torquepilot ros-parameters` prints them). Process options:
busy_poll:=true adds `--busy-poll`, autostart:=true adds `--autostart` (configure + activate,
still unarmed), log_level:=<level> adds `--log-level <level>`.

`robot` (a robot folder, e.g. one `torquepilot robot import` wrote, its robot.yaml or a built-in
name; '' = the checkpoint's robot) sets the node's `robot_description` parameter and `--robot`;
`robot_description` is its older name. There is no `task` argument: the checkpoint fixes the task
(its manifest carries the task parameters), and a robot other than the checkpoint's is refused.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

# The topics the policy node uses come from its robot description (models/robots/*/robot.yaml topics:).
DESCRIPTION_COMMANDS = '/effort_controller/commands'
DESCRIPTION_JOINT_STATES = '/joint_states'

# (argument = node parameter, launch default, description); '' = not passed: the node's default.
POLICY_ARGUMENTS = [
    ('torque_scale', '0.5', '0..1, multiplies the policy torque before clamping (0.5 for a first run on hardware; node default: 1)'),
    ('watchdog_period', '', "seconds: joint states older than this give zero torque ('' = node default: 0.1)"),
    ('control_rate', '', "Hz; 0 = the robot description's rate ('' = node default: 0)"),
    ('tick_source', '', "auto | timer | joint_states ('' = the node's default, auto: in real mode the first joint state of each policy period ticks, the timer only guards the watchdog; in sim mode the timer)"),
    ('max_torque_step', '', "largest torque change per tick, fraction of the joint limit ('' = node default: 0.5)"),
    ('action_filter_hz', '', "Hz cutoff of the action filter before the safety layer; -1 = as trained (the checkpoint's), 0 = off ('' = node default: -1)"),
    ('torque_rate_limit', '', "N*m/s torque rate limit before the safety layer; -1 = as trained (the checkpoint's), 0 = off ('' = node default: -1)"),
    ('arm_ramp_time', '', "seconds over which the torque ramps up after arming ('' = node default: 1)"),
    ('explore', '', "true: sample N(mean, (explore_scale*std)^2) and record each step with its density, to collect data for replay; false: the mean, recorded as deterministic ('' = node default: false)"),
    ('explore_scale', '', "explore mode: multiplies the trained std, 0.01..1 (it may only shrink) ('' = node default: 1)"),
    ('seed', '', "seed of the exploration noise ('' = node default: 0)"),
    ('record_path', '', "record episodes as a rosbag2 MCAP bag in this directory ('' = off)"),
    ('chunk_topic', '', "publish each explore-mode episode as a TransitionChunk for torquepilot learner, e.g. /torquepilot/transition_chunks ('' = off)"),
    ('actor_id', '', "the chunks' actor id ('' = the node's name)"),
    ('follow_parameters', '', "true: apply the learner's newest parameters at episode boundaries only (opt-in on a real arm; docs/fleet.md) ('' = node default: false)"),
    ('episode_topic', '', "std_msgs/Header episode boundaries for recording, e.g. an operator's ros2 topic pub ('' = node default: /torquepilot/episode)"),
    ('episode_max_steps', '', "safety cap on a recorded episode's length; 0 = the task's horizon ('' = node default: 0)"),
    ('publish_policy_output', '', "publish torquepilot_msgs/PolicyOutput every tick ('' = node default: true)"),
    ('target_topic', '', "geometry_msgs/PointStamped reach targets, e.g. /clicked_point ('' = node default: /torquepilot/target)"),
]


def _flag(context, name):
    """A true/false launch argument as a bool (anything else is an error naming it)."""
    text = LaunchConfiguration(name).perform(context).strip().lower()
    if text not in ('true', 'false', '1', '0'):
        raise ValueError(f"deploy_arm.launch.py: argument {name}:='{text}' is not true or false")
    return text in ('true', '1')


def _robot(context):
    """The robot from `robot` or its older name `robot_description` ('' = the checkpoint's)."""
    robot = LaunchConfiguration('robot').perform(context).strip()
    older = LaunchConfiguration('robot_description').perform(context).strip()
    if robot != '' and older != '' and robot != older:
        raise ValueError(
            f"deploy_arm.launch.py: robot:='{robot}' and robot_description:='{older}' differ; "
            'give one (robot_description is the older name of robot)'
        )
    return robot or older


def _policy_node(context):
    parameters = {
        'mode': 'real',
        'armed': False,
        'checkpoint': LaunchConfiguration('checkpoint'),
    }
    for name, _, _ in POLICY_ARGUMENTS:
        if LaunchConfiguration(name).perform(context) != '':
            parameters[name] = LaunchConfiguration(name)
    # The node loads the robot's kinematics when it starts (`torquepilot node --robot`); the
    # robot_description parameter is what configure validates against the checkpoint. Neither
    # when empty: the node takes the checkpoint's robot.
    robot = _robot(context)
    arguments = []
    if robot != '':
        parameters['robot_description'] = robot
        arguments += ['--robot', robot]
    if _flag(context, 'busy_poll'):
        arguments.append('--busy-poll')
    if _flag(context, 'autostart'):
        arguments.append('--autostart')
    if LaunchConfiguration('log_level').perform(context) != '':
        arguments += ['--log-level', LaunchConfiguration('log_level')]
    return [
        Node(
            package='torquepilot',
            executable='policy_node',
            name='torquepilot_policy',
            output='screen',
            arguments=arguments,
            parameters=[parameters],
            remappings=[
                (DESCRIPTION_COMMANDS, LaunchConfiguration('controller_topic')),
                (DESCRIPTION_JOINT_STATES, LaunchConfiguration('joint_states_topic')),
            ],
        )
    ]


def generate_launch_description():
    args = [
        DeclareLaunchArgument('checkpoint', description='Checkpoint directory of the trained policy'),
        DeclareLaunchArgument(
            'robot',
            default_value='',
            description="Robot: a robot folder, its robot.yaml (joint names, torque limits, topics) or a built-in robot name ('' = the checkpoint's robot)",
        ),
        DeclareLaunchArgument(
            'robot_description',
            default_value='',
            description="Older name of the robot argument ('' = not given)",
        ),
        DeclareLaunchArgument(
            'controller_topic',
            default_value=DESCRIPTION_COMMANDS,
            description="The arm's effort controller command topic (std_msgs/Float64MultiArray)",
        ),
        DeclareLaunchArgument(
            'joint_states_topic',
            default_value=DESCRIPTION_JOINT_STATES,
            description="The arm's joint_state_broadcaster topic",
        ),
    ]
    args += [
        DeclareLaunchArgument(name, default_value=default, description=description)
        for name, default, description in POLICY_ARGUMENTS
    ]
    args += [
        DeclareLaunchArgument(
            'busy_poll',
            default_value='false',
            description='true: poll instead of sleeping between ticks (one CPU core stays busy)',
        ),
        DeclareLaunchArgument(
            'autostart',
            default_value='false',
            description='true: configure and activate at start (the node stays unarmed)',
        ),
        DeclareLaunchArgument(
            'log_level', default_value='', description="pino log level ('' = the node's: info)"
        ),
    ]
    return LaunchDescription(args + [OpaqueFunction(function=_policy_node)])
