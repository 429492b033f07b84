"""Recorded launch substitutions (see launch/__init__.py)."""


class _Substitution:
    kind = 'Substitution'

    def __init__(self, *args, **kwargs):
        self.args = list(args)
        self.kwargs = dict(kwargs)

    def perform(self, context):
        """The value as a string, as launch's Substitution.perform (resolved by the recorder)."""
        return context.perform_substitution(self)


class LaunchConfiguration(_Substitution):
    kind = 'LaunchConfiguration'


class PathJoinSubstitution(_Substitution):
    kind = 'PathJoinSubstitution'


class TextSubstitution(_Substitution):
    kind = 'TextSubstitution'


class EnvironmentVariable(_Substitution):
    kind = 'EnvironmentVariable'
