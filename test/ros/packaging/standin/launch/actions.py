"""Recorded launch actions (see launch/__init__.py)."""


class _Action:
    kind = 'Action'

    def __init__(self, *args, **kwargs):
        self.args = list(args)
        self.kwargs = dict(kwargs)


class DeclareLaunchArgument(_Action):
    kind = 'DeclareLaunchArgument'

    def __init__(self, name, default_value=None, description='', choices=None, **kwargs):
        super().__init__(name, default_value=default_value, description=description, **kwargs)
        self.name = name
        self.default_value = default_value
        self.description = description


class ExecuteProcess(_Action):
    kind = 'ExecuteProcess'


class OpaqueFunction(_Action):
    """Calls `function(context, *args, **kwargs)` at launch time; record_launch.py calls it with a
    context whose substitutions resolve to the recorded arguments."""

    kind = 'OpaqueFunction'

    def __init__(self, *, function, args=None, kwargs=None):
        super().__init__(function=function, args=list(args or []), kwargs=dict(kwargs or {}))


class RegisterEventHandler(_Action):
    kind = 'RegisterEventHandler'


class LogInfo(_Action):
    kind = 'LogInfo'


class SetEnvironmentVariable(_Action):
    kind = 'SetEnvironmentVariable'


class GroupAction(_Action):
    kind = 'GroupAction'


class TimerAction(_Action):
    kind = 'TimerAction'


class Shutdown(_Action):
    kind = 'Shutdown'
