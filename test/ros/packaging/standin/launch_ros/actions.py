"""Recorded launch_ros actions (see launch/__init__.py)."""


class Node:
    kind = 'Node'

    def __init__(self, *, package=None, executable=None, name=None, namespace=None,
                 parameters=None, remappings=None, arguments=None, **kwargs):
        self.args = []
        self.kwargs = {
            'package': package,
            'executable': executable,
            'name': name,
            'namespace': namespace,
            'parameters': parameters or [],
            'remappings': remappings or [],
            'arguments': arguments or [],
            **kwargs,
        }


class LifecycleNode(Node):
    kind = 'LifecycleNode'
