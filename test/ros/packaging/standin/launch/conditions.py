"""Recorded launch conditions (see launch/__init__.py)."""


class IfCondition:
    kind = 'IfCondition'

    def __init__(self, predicate_expression):
        self.args = [predicate_expression]
        self.kwargs = {}


class UnlessCondition(IfCondition):
    kind = 'UnlessCondition'
