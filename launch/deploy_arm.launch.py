"""Deploy a trained policy to a physical arm driven by ros2_control.

Starts the torquepilot policy lifecycle node in REAL mode, remapped to the arm's effort
controller topic. It is UNARMED: after configure and activate it publishes nothing until you set
`armed` through the standard parameter service, and then the torque ramps up over `arm_ramp_time`:

    ros2 launch torquepilot deploy_arm.launch.py checkpoint:=/path/to/checkpoint \
        robot_description:=/path/to/robot.yaml controller_topic:=/my_effort_controller/commands
    ros2 lifecycle set /torquepilot_policy configure
    ros2 lifecycle set /torquepilot_policy activate
    ros2 param set /torquepilot_policy armed true

Arguments (ros2 launch ... --show-args lists them with defaults):
  checkpoint            checkpoint directory (required; no default)
  robot_description     robot description YAML (default: the arm7-reach description)
  controller_topic      the arm's /<effort controller>/commands topic
  joint_states_topic    the arm's joint_state_broadcaster topic
  torque_scale          0..1, multiplies the policy torque before clamping (default 0.5 for a
                        first run on hardware)
  watchdog_period       seconds without joint states before zero torque
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

# The topics the policy node uses come from its robot description (models/*/robot.yaml topics:).
DESCRIPTION_COMMANDS = '/effort_controller/commands'
DESCRIPTION_JOINT_STATES = '/joint_states'


def generate_launch_description():
    share = FindPackageShare('torquepilot')
    args = [
        DeclareLaunchArgument('checkpoint', description='Checkpoint directory of the trained policy'),
        DeclareLaunchArgument(
            'robot_description',
            default_value=PathJoinSubstitution([share, 'models', 'arm7-reach', 'robot.yaml']),
            description='Robot description YAML (joint names, torque limits, topics)',
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
        DeclareLaunchArgument('torque_scale', default_value='0.5', description='0..1'),
        DeclareLaunchArgument('watchdog_period', default_value='0.1', description='seconds'),
    ]
    policy = Node(
        package='torquepilot',
        executable='policy_node',
        name='torquepilot_policy',
        output='screen',
        # The node loads the description's kinematics when it starts (`torquepilot node --robot`);
        # the parameter of the same name is what configure validates against the checkpoint.
        arguments=['--robot', LaunchConfiguration('robot_description')],
        parameters=[
            {
                'mode': 'real',
                'armed': False,
                'deterministic': True,
                'checkpoint': LaunchConfiguration('checkpoint'),
                'robot_description': LaunchConfiguration('robot_description'),
                'torque_scale': LaunchConfiguration('torque_scale'),
                'watchdog_period': LaunchConfiguration('watchdog_period'),
            }
        ],
        remappings=[
            (DESCRIPTION_COMMANDS, LaunchConfiguration('controller_topic')),
            (DESCRIPTION_JOINT_STATES, LaunchConfiguration('joint_states_topic')),
        ],
    )
    return LaunchDescription(args + [policy])
