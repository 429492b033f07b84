"""A fleet: one learner and N actors, learning one policy from the actors' simulations over ROS 2.

    ros2 launch torquepilot fleet.launch.py task:=reacher-2dof actors:=2 steps:=200000

Starts `torquepilot learner` (V-trace-corrected updates from /torquepilot/transition_chunks;
parameters on /torquepilot/policy_parameters every publish_every updates) and `actors` copies of
`torquepilot actor` (each steps its own vectorised simulation with the newest parameters). On
several hosts, start the learner on one (role:=learner) and actors on the others (role:=actors),
all in the same ROS_DOMAIN_ID (docs/fleet.md).

Every option of the two commands is an argument (`--show-args` lists them); one left empty ('')
is not passed, so the CLI's default holds. Actor i (from 0) gets the actor id <actor_id_prefix><i>
(empty prefix: the CLI's <host>-<pid>) and, when actor_seed is given, the seed actor_seed + i.
With role:=all, the learner's end (steps, duration, or a failure) ends the launch: the actors are
stopped with it (SIGINT: each finishes its chunk and exits 0).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction, Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackagePrefix

# Both commands: (argument, CLI flag, description); '' = not passed.
SHARED_FLAGS = [
    ('task', '--task', "task (as train: a kind, a task file or a built-in task) ('' = the CLI's)"),
    ('robot', '--robot', "robot folder or name ('' = the task's)"),
    ('config', '--config', "training config YAML over the task's (policy shape) ('' = none)"),
    ('log_level', '--log-level', "pino log level on stderr ('' = warn)"),
]
LEARNER_FLAGS = [
    ('algo', '--algo', "trpo | impala ('' = trpo)"),
    ('run_dir', '--run-dir', "learner run directory ('' = the train default with -learner)"),
    ('resume', '--resume', "continue the learner run in this directory ('' = a new run)"),
    ('steps', '--steps', "stop after this many transitions learned from ('' = no limit)"),
    ('duration', '--duration', "stop after this many seconds ('' = no limit)"),
    ('publish_every', '--publish-every', "publish the parameters every K updates ('' = 1)"),
    ('checkpoint_every', '--checkpoint-every', "checkpoint every n updates ('' = 10)"),
    ('keep_every', '--keep-every',
     "keep every n-th version's checkpoint besides the latest ('' = 100; 0 = latest only)"),
    ('max_lag', '--max-lag', "drop chunks more than this many versions behind ('' = 20)"),
    ('batch_size', '--batch-size', "transitions per update, at least ('' = 2048)"),
    ('queue_capacity', '--queue-capacity', "transitions the learner queue holds ('' = 4 batches)"),
    ('learner_seed', '--seed', "learner seed ('' = the config's)"),
    ('learner_name', '--name', "learner node name ('' = torquepilot_learner)"),
]
LEARNER_SWITCHES = [
    ('eval_initial', '--eval-initial', "true: evaluate before learning ('' = false)"),
]
ACTOR_FLAGS = [
    ('envs', '--envs', "environments per actor ('' = 8)"),
    ('chunk_steps', '--chunk-steps', "steps per environment per chunk ('' = 64)"),
    ('workers', '--workers', "worker threads per actor's vectorised env ('' = 0)"),
    ('chunks', '--chunks', "each actor stops after n chunks ('' = never)"),
    ('max_ahead', '--max-ahead',
     "collect k chunks per parameter snapshot: the learner batch in chunks ('' = no limit)"),
]


def _bool(context, name):
    text = LaunchConfiguration(name).perform(context).strip().lower()
    if text not in ('', 'true', 'false', '1', '0'):
        raise ValueError(f"fleet.launch.py: argument {name}:='{text}' is not true or false")
    return text in ('true', '1')


def _passed(context, flags):
    out = []
    for name, flag, _ in flags:
        if LaunchConfiguration(name).perform(context) != '':
            out += [flag, LaunchConfiguration(name)]
    return out


def _program(name):
    return PathJoinSubstitution([FindPackagePrefix('torquepilot'), 'lib', 'torquepilot', name])


def _fleet(context):
    role = LaunchConfiguration('role').perform(context)
    if role not in ('all', 'learner', 'actors'):
        raise ValueError(f"fleet.launch.py: role:='{role}' is not one of all, learner, actors")
    text = LaunchConfiguration('actors').perform(context)
    if not text.isdigit():
        raise ValueError(f"fleet.launch.py: actors:='{text}' is not a non-negative integer")
    actions = []
    if role in ('all', 'learner'):
        cmd = [_program('learner')] + _passed(context, SHARED_FLAGS + LEARNER_FLAGS)
        cmd += [flag for name, flag, _ in LEARNER_SWITCHES if _bool(context, name)]
        # The learner's end (its budget, or a failure) ends the launch, actors included.
        on_exit = [Shutdown(reason='the learner finished')] if role == 'all' else None
        actions.append(ExecuteProcess(name='learner', cmd=cmd, output='screen', on_exit=on_exit))
    if role in ('all', 'actors'):
        prefix = LaunchConfiguration('actor_id_prefix').perform(context)
        seed = LaunchConfiguration('actor_seed').perform(context)
        if seed != '' and not seed.isdigit():
            raise ValueError(f"fleet.launch.py: actor_seed:='{seed}' is not a non-negative integer")
        for i in range(int(text)):
            cmd = [_program('actor')] + _passed(context, SHARED_FLAGS + ACTOR_FLAGS)
            if prefix != '':
                cmd += ['--actor-id', f'{prefix}{i}']
            if seed != '':
                cmd += ['--seed', str(int(seed) + i)]
            actions.append(ExecuteProcess(name=f'actor_{i}', cmd=cmd, output='screen'))
    return actions


def generate_launch_description():
    args = [
        DeclareLaunchArgument('actors', default_value='2', description='number of actor processes'),
        DeclareLaunchArgument(
            'role',
            default_value='all',
            description='all | learner | actors: what this host runs (docs/fleet.md)',
        ),
        DeclareLaunchArgument(
            'actor_id_prefix',
            default_value='',
            description="actor i gets the id <prefix><i> ('' = the CLI's <host>-<pid>)",
        ),
        DeclareLaunchArgument(
            'actor_seed', default_value='', description="actor i gets seed actor_seed + i ('' = the config's)"
        ),
    ]
    for table in (SHARED_FLAGS, LEARNER_FLAGS, LEARNER_SWITCHES, ACTOR_FLAGS):
        args += [DeclareLaunchArgument(n, default_value='', description=d) for n, _, d in table]
    return LaunchDescription(args + [OpaqueFunction(function=_fleet)])
