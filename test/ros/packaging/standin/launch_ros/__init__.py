"""Stand-in for `launch_ros` (ros2/launch_ros): records Node actions and package lookups."""

from . import actions, substitutions  # noqa: F401
