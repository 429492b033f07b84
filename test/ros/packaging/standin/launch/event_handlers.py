"""Recorded launch event handlers (see launch/__init__.py)."""


class OnProcessExit:
    kind = 'OnProcessExit'

    def __init__(self, *, target_action=None, on_exit=None, **kwargs):
        self.args = []
        self.kwargs = {'target_action': target_action, 'on_exit': on_exit, **kwargs}


class OnProcessStart(OnProcessExit):
    kind = 'OnProcessStart'
