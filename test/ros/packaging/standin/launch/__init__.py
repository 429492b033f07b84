"""Stand-in for the `launch` package (ros2/launch), for CI without `ros2 launch`.

It records what a launch file builds instead of running it: every action and substitution is a
plain object that keeps its arguments. test/ros/packaging/record_launch.py walks the resulting
LaunchDescription and prints it as JSON for launchFiles.test.ts. Only the API that torquepilot's
launch files use exists here; anything else fails with an ImportError/AttributeError, which the
test reports (so a launch file that uses more must extend this stand-in).
"""

from . import actions, conditions, event_handlers, substitutions  # noqa: F401


class Recorded:
    """Base of every recorded object: a kind and its keyword arguments."""

    kind = 'object'

    def __init__(self, *args, **kwargs):
        self.args = list(args)
        self.kwargs = dict(kwargs)


class LaunchDescription(Recorded):
    kind = 'LaunchDescription'

    def __init__(self, initial_entities=None):
        super().__init__()
        self.entities = list(initial_entities or [])

    def add_action(self, action):
        self.entities.append(action)
