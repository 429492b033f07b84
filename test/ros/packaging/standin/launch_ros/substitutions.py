"""Recorded launch_ros substitutions (see launch/__init__.py)."""


class FindPackageShare:
    kind = 'FindPackageShare'

    def __init__(self, package):
        self.args = [package]
        self.kwargs = {}


class FindPackagePrefix(FindPackageShare):
    kind = 'FindPackagePrefix'
