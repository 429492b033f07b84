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

Arguments: task (default arm7-reach), out (run directory, default runs/<task>), steps (1000000),
evaluate (true: start the evaluation nodes after training), joint_states (true). The sim robot
runs in lockstep (one step per command) and, with use_sim_time, publishes /clock.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, RegisterEventHandler
from launch.conditions import IfCondition
from launch.event_handlers import OnProcessExit
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node


def generate_launch_description():
    task = LaunchConfiguration('task')
    out = LaunchConfiguration('out')
    args = [
        DeclareLaunchArgument('task', default_value='arm7-reach', description='Task to train'),
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
    trainer = Node(
        package='torquepilot',
        executable='trainer_node',
        name='torquepilot_trainer',
        output='screen',
        arguments=[
            '--task',
            task,
            '--out',
            out,
            '--steps',
            LaunchConfiguration('steps'),
        ],
        parameters=[{'publish_joint_states': LaunchConfiguration('joint_states')}],
    )
    sim_robot = Node(
        package='torquepilot',
        executable='sim_robot',
        name='torquepilot_sim_robot',
        output='screen',
        condition=IfCondition(LaunchConfiguration('evaluate')),
        # lockstep (one step per command); use_sim_time makes it publish /clock, which the policy
        # node's timers follow (its own pacing timer runs on the steady clock)
        parameters=[{'task': task, 'use_sim_time': True}],
    )
    policy = Node(
        package='torquepilot',
        executable='policy_node',
        name='torquepilot_policy',
        output='screen',
        condition=IfCondition(LaunchConfiguration('evaluate')),
        parameters=[
            {
                'mode': 'sim',
                'checkpoint': out,
                'deterministic': True,
                'use_sim_time': True,
            }
        ],
    )
    evaluate_after_training = RegisterEventHandler(
        OnProcessExit(target_action=trainer, on_exit=[sim_robot, policy])
    )
    return LaunchDescription(args + [trainer, evaluate_after_training])
