"""Train in simulation, shown live on ROS 2, then evaluate the result against the sim robot node.

1. `trainer_node` (node torquepilot_trainer): `torquepilot trainer-node --task <task> --out <out>`,
   the in-process vectorised MuJoCo training of `torquepilot train`, publishing each iteration's
   metrics (std_msgs/String JSON on /torquepilot/training/metrics), each new checkpoint's path
   (std_msgs/String, latched, on /torquepilot/training/checkpoint) and /joint_states of one
   environment run by the newest checkpoint (RViz / Foxglove show training live).
2. When training exits: the simulated robot node (`torquepilot sim-robot`, publishing /clock,
   /joint_states) and the policy node in SIM mode on the run's checkpoint, with use_sim_time.

    ros2 launch torquepilot sim_training.launch.py task:=arm7-reach out:=runs/arm7-reach
    ros2 lifecycle set /torquepilot_policy configure && ros2 lifecycle set /torquepilot_policy activate

Every parameter and option of the three nodes is an argument (`--show-args` lists them). An
argument left empty ('') is not passed: the node's (or the CLI's) own default holds. Fixed here:
the policy node runs in sim mode on the run's checkpoint (`out`), on sim time; the sim robot runs
in lockstep unless realtime:=true and, with use_sim_time, publishes /clock.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, RegisterEventHandler
from launch.conditions import IfCondition
from launch.event_handlers import OnProcessExit
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node

# (argument, CLI flag of `torquepilot trainer-node`, description); '' = not passed.
TRAINER_FLAGS = [
    ('robot', '--robot', "robot folder (with robot.yaml) or built-in robot name, for training, the sim robot and the policy node ('' = the task's)"),
    ('algo', '--algo', "update rule: trpo | npg | vpg | ppo ('' = the task's train.yaml)"),
    ('seed', '--seed', "seed of every random stream of the training ('' = the task's)"),
    ('config', '--config', "YAML/JSON config layered over the task defaults ('' = none)"),
    ('workers', '--workers', "worker threads for the environments ('' = the task's)"),
    ('envs', '--envs', "environments stepped together ('' = the task's)"),
    ('backend', '--backend', "tfjs backend: auto | wasm | cpu | tensorflow ('' = the task's)"),
    ('trainer_log_level', '--log-level', "pino log level of the trainer ('' = the config's)"),
]
# (argument, node parameter, launch default, description); '' = not passed: the node's default.
TRAINER_PARAMETERS = [
    ('joint_states_seed', 'seed', '', "seed of the /joint_states environment's resets ('' = node default: 0)"),
    ('linger', 'linger', '', "seconds the trainer stays up after training for late subscribers ('' = node default: 2)"),
]
SIM_ROBOT_PARAMETERS = [
    ('realtime', 'realtime', '', "true: step at the task dt in real time; false: lockstep on each command ('' = node default: false)"),
    ('update_rate', 'update_rate', '', "realtime: steps per second; 0 = 1/dt ('' = node default: 0)"),
    ('sim_seed', 'seed', '', "seed of the sim robot's episode resets ('' = node default: 0)"),
    ('episode_steps', 'episode_steps', '', "reset after this many steps; 0 = the task's horizon ('' = node default: 0)"),
    ('perturb', 'perturb', '', "perturbation file: evaluate on a stand-in arm it shifts, docs/sim-to-real.md ('' = the nominal arm)"),
    ('tf_rate', 'tf_rate', '', "most /tf messages per second; 0 = no /tf ('' = node default: 20)"),
    ('robot_description_file', 'robot_description_file', '', "URDF latched on /robot_description ('' = the robot folder's description:, if any)"),
]
POLICY_PARAMETERS = [
    ('robot_description', 'robot_description', '', "robot description YAML ('' = the checkpoint task's)"),
    ('control_rate', 'control_rate', '', "Hz; 0 = the robot description's rate ('' = node default: 0)"),
    ('tick_source', 'tick_source', '', "auto | timer | joint_states ('' = the node's default: auto)"),
    ('watchdog_period', 'watchdog_period', '', "seconds: joint states older than this give zero torque ('' = node default: 0.1)"),
    ('torque_scale', 'torque_scale', '', "0..1, multiplies the policy torque ('' = node default: 1)"),
    ('max_torque_step', 'max_torque_step', '', "largest torque change per tick, fraction of the limit ('' = node default: 0.5)"),
    ('action_filter_hz', 'action_filter_hz', '', "Hz cutoff of the action filter; -1 = as trained, 0 = off ('' = node default: -1)"),
    ('torque_rate_limit', 'torque_rate_limit', '', "N*m/s torque rate limit; -1 = as trained, 0 = off ('' = node default: -1)"),
    ('explore', 'explore', '', "true: sample N(mean, (explore_scale*std)^2) and record with its density; false: the mean, recorded as deterministic ('' = node default: false)"),
    ('explore_scale', 'explore_scale', '', "explore mode: multiplies the trained std, 0.01..1 (it may only shrink) ('' = node default: 1)"),
    ('policy_seed', 'seed', '', "seed of the exploration noise ('' = node default: 0)"),
    ('record_path', 'record_path', '', "record episodes as a rosbag2 MCAP bag in this directory ('' = off)"),
    ('chunk_topic', 'chunk_topic', '', "publish each explore-mode episode as a TransitionChunk for torquepilot learner ('' = off)"),
    ('actor_id', 'actor_id', '', "the chunks' actor id ('' = the node's name)"),
    ('follow_parameters', 'follow_parameters', '', "true: apply the learner's newest parameters at episode boundaries ('' = node default: false)"),
    ('episode_topic', 'episode_topic', '', "std_msgs/Header episode boundaries for recording ('' = node default: /torquepilot/episode)"),
    ('episode_max_steps', 'episode_max_steps', '', "safety cap on a recorded episode's length; 0 = the task's horizon ('' = node default: 0)"),
    ('publish_policy_output', 'publish_policy_output', '', "publish PolicyOutput every tick ('' = node default: true)"),
    ('target_topic', 'target_topic', '', "reach targets topic ('' = node default: /torquepilot/target)"),
]
# (argument, CLI flag, description): true/false switches and values of the evaluation nodes.
BOOL_FLAGS = {
    'policy_node': [
        ('busy_poll', '--busy-poll', 'true: the policy node polls instead of sleeping (one core busy)'),
        ('autostart', '--autostart', 'true: configure and activate the policy node at start'),
    ],
    'sim_robot': [
        ('sim_busy_poll', '--busy-poll', 'true: the sim robot polls instead of sleeping (one core busy)'),
    ],
}
VALUE_FLAGS = {
    'policy_node': [('log_level', '--log-level', "pino log level of the policy node ('' = info)")],
    'sim_robot': [('sim_log_level', '--log-level', "pino log level of the sim robot ('' = info)")],
}


def _given(context, name):
    return LaunchConfiguration(name).perform(context) != ''


def _flag(context, name):
    """A true/false launch argument as a bool (anything else is an error naming it)."""
    text = LaunchConfiguration(name).perform(context).strip().lower()
    if text not in ('true', 'false', '1', '0'):
        raise ValueError(f"sim_training.launch.py: argument {name}:='{text}' is not true or false")
    return text in ('true', '1')


def _process_flags(context, executable):
    flags = [flag for name, flag, _ in BOOL_FLAGS.get(executable, []) if _flag(context, name)]
    for name, flag, _ in VALUE_FLAGS.get(executable, []):
        if _given(context, name):
            flags += [flag, LaunchConfiguration(name)]
    return flags


def _set(context, parameters, table):
    for argument, parameter, _, _ in table:
        if _given(context, argument):
            parameters[parameter] = LaunchConfiguration(argument)
    return parameters


def _robot(context, parameter):
    """The `robot` argument as the node's robot parameter, when given (a robot_description
    argument, set after it, wins for the policy node)."""
    return {parameter: LaunchConfiguration('robot')} if _given(context, 'robot') else {}


def _trainer(context):
    arguments = ['--task', LaunchConfiguration('task'), '--out', LaunchConfiguration('out'),
                 '--steps', LaunchConfiguration('steps')]
    for name, flag, _ in TRAINER_FLAGS:
        if _given(context, name):
            arguments += [flag, LaunchConfiguration(name)]
    parameters = _set(context, {'publish_joint_states': LaunchConfiguration('joint_states')},
                      TRAINER_PARAMETERS)
    trainer = Node(
        package='torquepilot',
        executable='trainer_node',
        name='torquepilot_trainer',
        output='screen',
        arguments=arguments,
        parameters=[parameters],
    )
    sim_robot = Node(
        package='torquepilot',
        executable='sim_robot',
        name='torquepilot_sim_robot',
        output='screen',
        condition=IfCondition(LaunchConfiguration('evaluate')),
        arguments=_process_flags(context, 'sim_robot'),
        # use_sim_time makes it publish /clock, which the policy node's timers follow (its own
        # pacing timer runs on the steady clock)
        parameters=[_set(context, {'task': LaunchConfiguration('task'), 'use_sim_time': True,
                                   **_robot(context, 'robot')}, SIM_ROBOT_PARAMETERS)],
    )
    policy = Node(
        package='torquepilot',
        executable='policy_node',
        name='torquepilot_policy',
        output='screen',
        condition=IfCondition(LaunchConfiguration('evaluate')),
        arguments=_process_flags(context, 'policy_node'),
        parameters=[_set(context, {
            'mode': 'sim',
            'checkpoint': LaunchConfiguration('out'),
            'use_sim_time': True,
            **_robot(context, 'robot_description'),
        }, POLICY_PARAMETERS)],
    )
    return [trainer, RegisterEventHandler(OnProcessExit(target_action=trainer, on_exit=[sim_robot, policy]))]


def generate_launch_description():
    task = LaunchConfiguration('task')
    args = [
        DeclareLaunchArgument('task', default_value='arm7-reach',
                              description='Task to train: a built-in task, a kind (reach) or a task YAML file'),
        DeclareLaunchArgument(
            'out',
            default_value=PathJoinSubstitution(['runs', task]),
            description='Run directory (checkpoints, metrics)',
        ),
        DeclareLaunchArgument(
            'steps',
            default_value='1000000',
            description='Environment steps to train for (the arm7-reach default is 1000000)',
        ),
        DeclareLaunchArgument('evaluate', default_value='true', description='Evaluate after training'),
        DeclareLaunchArgument(
            'joint_states',
            default_value='true',
            description="Publish /joint_states of one environment run by the newest checkpoint",
        ),
    ]
    args += [DeclareLaunchArgument(n, default_value='', description=d) for n, _, d in TRAINER_FLAGS]
    for table in (TRAINER_PARAMETERS, SIM_ROBOT_PARAMETERS, POLICY_PARAMETERS):
        args += [DeclareLaunchArgument(n, default_value=v, description=d) for n, _, v, d in table]
    for executable in ('policy_node', 'sim_robot'):
        args += [DeclareLaunchArgument(n, default_value='false', description=d)
                 for n, _, d in BOOL_FLAGS[executable]]
        args += [DeclareLaunchArgument(n, default_value='', description=d)
                 for n, _, d in VALUE_FLAGS[executable]]
    return LaunchDescription(args + [OpaqueFunction(function=_trainer)])
