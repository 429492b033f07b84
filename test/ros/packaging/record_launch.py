#!/usr/bin/env python3
"""Load launch files with the stand-in `launch`/`launch_ros` (./standin) and print what they build.

Usage: record_launch.py <prefix> <file.launch.py>...  (prefix: where FindPackageShare/Prefix
point, e.g. the colcon install). Prints one JSON document: {file: {"arguments": {...},
"actions": [...]}} where every substitution is resolved with the declared defaults (overridable by
`name:=value` arguments after `--`), conditions evaluated, and event-handler actions flattened in
with "after": "<target name>". An OpaqueFunction is called (with a context that resolves
substitutions the same way) and the actions it returns are recorded in its place.
"""

import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'standin'))

import launch  # noqa: E402  (the stand-in)


class Unresolved(Exception):
    pass


def resolve(value, ctx):
    """A substitution (or list of them) to a string, as launch would with default arguments."""
    if value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return ''.join(str(resolve(v, ctx)) for v in value)
    kind = getattr(value, 'kind', None)
    if kind == 'LaunchConfiguration':
        name = value.args[0]
        if name in ctx['overrides']:
            return ctx['overrides'][name]
        if name in ctx['arguments'] and ctx['arguments'][name]['default'] is not None:
            return ctx['arguments'][name]['default']
        if 'default' in value.kwargs:
            return resolve(value.kwargs['default'], ctx)
        raise Unresolved(f"launch argument '{name}' has no default and no value")
    if kind == 'PathJoinSubstitution':
        return os.path.join(*[str(resolve(p, ctx)) for p in value.args[0]])
    if kind == 'TextSubstitution':
        return value.kwargs.get('text', value.args[0] if value.args else '')
    if kind == 'FindPackageShare':
        return os.path.join(ctx['prefix'], 'share', value.args[0])
    if kind == 'FindPackagePrefix':
        return ctx['prefix']
    if kind == 'EnvironmentVariable':
        return os.environ.get(value.args[0], value.kwargs.get('default_value', ''))
    raise Unresolved(f'cannot resolve {type(value).__name__}')


def condition_holds(cond, ctx):
    if cond is None:
        return True
    text = str(resolve(cond.args[0], ctx)).strip().lower()
    if text not in ('true', 'false', '1', '0'):
        raise Unresolved(f'condition value {text!r} is not a boolean')
    holds = text in ('true', '1')
    return holds if cond.kind == 'IfCondition' else not holds


class LaunchContext:
    """What an OpaqueFunction's function gets: substitutions resolve to the recorded arguments."""

    def __init__(self, ctx):
        self._ctx = ctx

    def perform_substitution(self, substitution):
        return str(resolve(substitution, self._ctx))


def record_action(action, ctx, out, after=None):
    kind = getattr(action, 'kind', type(action).__name__)
    if kind == 'DeclareLaunchArgument':
        return
    if kind == 'OpaqueFunction':
        k = action.kwargs
        try:
            produced = k['function'](LaunchContext(ctx), *k['args'], **k['kwargs']) or []
        except (Unresolved, ValueError) as err:
            out.append({'kind': kind, 'after': after, 'enabled': True, 'error': str(err)})
            return
        for sub in produced:
            record_action(sub, ctx, out, after=after)
        return
    if kind == 'RegisterEventHandler':
        handler = action.args[0] if action.args else action.kwargs['event_handler']
        target = handler.kwargs.get('target_action')
        tname = target.kwargs.get('name') if target is not None else None
        for sub in handler.kwargs.get('on_exit') or []:
            record_action(sub, ctx, out, after=f'{handler.kind}:{tname}')
        return
    entry = {'kind': kind, 'after': after}
    try:
        entry['enabled'] = condition_holds(action.kwargs.get('condition'), ctx)
        if kind in ('Node', 'LifecycleNode'):
            k = action.kwargs
            params = {}
            for p in k['parameters']:
                if isinstance(p, dict):
                    for name, value in p.items():
                        params[name] = resolve(value, ctx)
                else:
                    params.setdefault('__files__', []).append(resolve(p, ctx))
            entry.update(
                package=k['package'],
                executable=k['executable'],
                name=resolve(k['name'], ctx),
                parameters=params,
                remappings=[[resolve(a, ctx), resolve(b, ctx)] for a, b in k['remappings']],
                arguments=[resolve(a, ctx) for a in k['arguments']],
            )
        elif kind == 'ExecuteProcess':
            entry.update(
                name=action.kwargs.get('name'),
                cmd=[str(resolve(c, ctx)) for c in action.kwargs['cmd']],
            )
        else:
            entry['kwargs'] = sorted(action.kwargs)
    except Unresolved as err:
        entry['error'] = str(err)
    out.append(entry)


def record_file(path, prefix, overrides):
    spec = importlib.util.spec_from_file_location('launch_file', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    if not isinstance(description, launch.LaunchDescription):
        raise TypeError(f'{path}: generate_launch_description() did not return a LaunchDescription')
    arguments = {}
    for entity in description.entities:
        if getattr(entity, 'kind', None) == 'DeclareLaunchArgument':
            arguments[entity.name] = {'default': entity.default_value, 'description': entity.description}
    ctx = {'prefix': prefix, 'arguments': arguments, 'overrides': overrides}
    # defaults may themselves be substitutions: resolve them in declaration order
    for name, arg in arguments.items():
        if arg['default'] is not None:
            try:
                arg['default'] = resolve(arg['default'], ctx)
            except Unresolved as err:
                arg['error'] = str(err)
    actions = []
    for entity in description.entities:
        record_action(entity, ctx, actions)
    return {'arguments': arguments, 'actions': actions}


def main():
    argv = sys.argv[1:]
    overrides = {}
    if '--' in argv:
        i = argv.index('--')
        for item in argv[i + 1:]:
            name, _, value = item.partition(':=')
            overrides[name] = value
        argv = argv[:i]
    prefix, files = argv[0], argv[1:]
    result = {}
    for path in files:
        try:
            result[os.path.basename(path)] = record_file(path, prefix, overrides)
        except Exception as err:  # reported per file; the test fails on it
            result[os.path.basename(path)] = {'error': f'{type(err).__name__}: {err}'}
    json.dump(result, sys.stdout, indent=1, default=str)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
