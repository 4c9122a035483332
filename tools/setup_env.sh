#!/usr/bin/env bash
# Create a virtual environment and install the locked OpenMMLab stack.
# The exact versions come from a lock file (default requirements/lock.txt,
# the reference environment; requirements/compat.txt is the oldest claimed
# stack); its lines override the ranges of requirements/runtime.txt and
# requirements/tests.txt and requirements/deploy.txt for the same package.
# The mmcv wheel (with CPU ops) is built once from the PyPI sdist and
# cached outside the clone, keyed by mmcv/torch/Python versions.
#   VENV=DIR     where the environment goes (default: .venv in the clone)
#   LOCK=FILE    the lock file (default: requirements/lock.txt)
#   PYTHON=EXE   the interpreter the environment is made from (python3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="${VENV:-$ROOT/.venv}"
LOCK="${LOCK:-$ROOT/requirements/lock.txt}"
PIN="$(mktemp)"
trap 'rm -f "$PIN"' EXIT
"$PY" - "$ROOT/requirements/runtime.txt" "$ROOT/requirements/tests.txt" \
  "$ROOT/requirements/deploy.txt" "$LOCK" > "$PIN" <<'EOF_REQS'
import re
import sys


def read(path):
    try:
        with open(path) as f:
            lines = [line.split('#')[0].strip() for line in f]
    except OSError as e:
        sys.exit(f'{path}: cannot read the requirements ({e})')
    return [line for line in lines if line]


def name(line):
    match = re.match(r'[A-Za-z0-9._-]+', line)
    if match is None:
        sys.exit(f'not a requirement line: {line!r}')
    return re.sub(r'[-_.]+', '-', match.group(0)).lower()


*ranges, lock_path = sys.argv[1:]
lock = {name(line): line for line in read(lock_path)}
out = {}
for path in ranges:
    for line in read(path):
        out[name(line)] = lock.get(name(line), line)
for key, line in lock.items():
    out.setdefault(key, line)
print('\n'.join(out.values()))
EOF_REQS
pin() {
  local v
  v=$(grep -E "^$1==" "$PIN" | head -n1 | cut -d= -f3)
  [ -n "$v" ] || { echo "[setup] $LOCK: no '$1==VERSION' line" >&2; exit 1; }
  echo "$v"
}
STACK="torch torchvision mmengine mmcv mmdet mmpose mmpretrain xtcocotools openmim setuptools"
for name in $STACK; do
  pin "$name" >/dev/null
done
# everything else, installed with its own dependencies in one pip call
RUNTIME="$(mktemp)"
trap 'rm -f "$PIN" "$RUNTIME"' EXIT
grep -vE "^($(echo $STACK | tr ' ' '|'))==" "$PIN" > "$RUNTIME"
TORCH_V=$(pin torch); MMCV_V=$(pin mmcv)
CACHE="${SCE_MAE_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sce_mae_mm}"
T0=$(date +%s)
step_start=0
# pip, quietly: the machine's extra index paths that do not exist make pip
# print one "Location ... is ignored" warning per package; drop those lines.
pipq() {
  "$VENV/bin/pip" "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}
# setuptools stays below 70: mmengine and mmpose import pkg_resources at run
# time. torch's metadata asks for a newer one (torch never imports it), so
# pip's resolver complaint about exactly that is replaced by one line.
pin_setuptools() {
  local out
  out=$(pipq install -q "setuptools==$(pin setuptools)" "$@") || { echo "$out" >&2; return 1; }
  printf '%s\n' "$out" \
    | grep -vE "^$|requires setuptools|dependency resolver does not currently|dependency conflicts" || true
  echo "[setup]   setuptools held at $(pin setuptools) (torch's metadata asks for a newer one; torch never imports it)"
}
step() { step_start=$(date +%s); echo "[setup] $*"; }
done_step() { echo "[setup]   done in $(( $(date +%s) - step_start )) s"; }

if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.stack-ok" ] && cmp -s "$PIN" "$VENV/.stack-ok"; then
  step "environment up to date ($VENV); installing the package (editable)"
  pipq install -q --no-deps --no-build-isolation -e "$ROOT"
  done_step
  echo "[setup] total $(( $(date +%s) - T0 )) s"
  exit 0
fi

step "creating virtual environment at $VENV"
"$PY" -m venv "$VENV"
pipq install -q --upgrade "pip<25" "setuptools==$(pin setuptools)" wheel cython
done_step

step "installing torch==$TORCH_V and torchvision"
# with the lock's numpy, so that nothing below runs on another one
NUMPY_REQ=$(grep -E '^numpy([^A-Za-z0-9_.-]|$)' "$PIN" | head -n1 || true)
pipq install -q "torch==$TORCH_V" "torchvision==$(pin torchvision)" ${NUMPY_REQ:+"$NUMPY_REQ"}
done_step

PYV=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
WHEELDIR="$CACHE/wheels/mmcv-$MMCV_V-torch$TORCH_V-$PYV"
if ls "$WHEELDIR"/mmcv-*.whl >/dev/null 2>&1; then
  step "mmcv $MMCV_V: using cached wheel in $WHEELDIR"
else
  step "mmcv $MMCV_V: building from the sdist with CPU ops (one time, ~10 min on 2 cores)"
  BUILD=$(mktemp -d)
  # mmcv's setup.py imports pkg_resources (gone from setuptools >= 70)
  pin_setuptools ninja psutil
  pipq download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_V" -d "$BUILD"
  tar -xzf "$BUILD"/mmcv-"$MMCV_V".tar.gz -C "$BUILD"
  SRC="$BUILD/mmcv-$MMCV_V"
  # torch's recent headers need C++20; older torch builds with mmcv's C++17
  if [ "$(printf '%s\n' 2.6 "$TORCH_V" | sort -V | head -n1)" = 2.6 ]; then
    sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
  fi
  (cd "$SRC" && CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
     pipq wheel -q --no-deps --no-build-isolation . -w "$BUILD/dist")
  mkdir -p "$WHEELDIR"
  cp "$BUILD"/dist/mmcv-*.whl "$WHEELDIR/.tmp.whl.part"
  mv "$WHEELDIR/.tmp.whl.part" "$WHEELDIR/$(basename "$BUILD"/dist/mmcv-*.whl)"
  rm -rf "$BUILD"
fi
done_step

step "installing mmcv, mmengine and the other runtime dependencies"
pipq install -q "$WHEELDIR"/mmcv-*.whl "mmengine==$(pin mmengine)" "torch==$TORCH_V" -r "$RUNTIME"
done_step

step "installing mmdet, mmpose, mmpretrain, openmim without their metadata deps"
pipq install -q --no-deps "mmdet==$(pin mmdet)" "mmpose==$(pin mmpose)" "mmpretrain==$(pin mmpretrain)" \
  "openmim==$(pin openmim)"
done_step

step "rebuilding xtcocotools against the installed numpy"
pipq install -q --no-binary xtcocotools --no-build-isolation "xtcocotools==$(pin xtcocotools)"
done_step

step "installing sce_mae_mm (editable)"
pin_setuptools
pipq install -q --no-deps --no-build-isolation -e "$ROOT"
"$VENV/bin/python" -c "import sce_mae_mm, mmpose.models, mmpretrain.models, mmcv.ops; print('[setup] sce_mae_mm', sce_mae_mm.__version__, 'imports OK')"
cp "$PIN" "$VENV/.stack-ok"
done_step
echo "[setup] total $(( $(date +%s) - T0 )) s"
