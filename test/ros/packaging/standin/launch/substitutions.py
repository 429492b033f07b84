"""Recorded launch substitutions (see launch/__init__.py)."""


class _Substitution:
    kind = 'Substitution'

    def __init__(self, *args, **kwargs):
        self.args = list(args)
        self.kwargs = dict(kwargs)


class LaunchConfiguration(_Substitution):
    kind = 'LaunchConfiguration'


class PathJoinSubstitution(_Substitution):
    kind = 'PathJoinSubstitution'


class TextSubstitution(_Substitution):
    kind = 'TextSubstitution'


class EnvironmentVariable(_Substitution):
    kind = 'EnvironmentVariable'
