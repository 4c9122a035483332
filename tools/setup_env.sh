#!/usr/bin/env bash
# Create .venv in the project root and install the pinned OpenMMLab stack.
# Versions come from setup.cfg's install_requires (the one place they are
# pinned) and its `tests` extra.
# The mmcv 2.1.0 wheel (with CPU ops) is built once from the PyPI sdist and
# cached outside the clone, keyed by mmcv/torch/Python versions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="$ROOT/.venv"
PIN="$(mktemp)"
trap 'rm -f "$PIN"' EXIT
"$PY" - "$ROOT/setup.cfg" > "$PIN" <<'EOF_REQS'
import configparser
import sys
cfg = configparser.ConfigParser()
if not cfg.read(sys.argv[1]):
    sys.exit(f'{sys.argv[1]}: cannot read the requirements')
lines = (cfg['options']['install_requires'] + '\n' +
         cfg['options.extras_require']['tests']).splitlines()
print('\n'.join(line.strip() for line in lines if line.strip()))
EOF_REQS
pin() {
  local v
  v=$(grep -E "^$1==" "$PIN" | head -n1 | cut -d= -f3)
  [ -n "$v" ] || { echo "[setup] setup.cfg: no '$1==VERSION' in install_requires" >&2; exit 1; }
  echo "$v"
}
for name in torch torchvision mmengine mmcv mmdet mmpose mmpretrain xtcocotools setuptools; do
  pin "$name" >/dev/null
done
# everything else, installed with its own dependencies in one pip call
RUNTIME="$(mktemp)"
trap 'rm -f "$PIN" "$RUNTIME"' EXIT
grep -vE '^(torch|torchvision|mmengine|mmcv|mmdet|mmpose|mmpretrain|xtcocotools|setuptools)==' "$PIN" > "$RUNTIME"
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

step "installing torch==$TORCH_V and torchvision (local wheel store)"
pipq install -q "torch==$TORCH_V" "torchvision==$(pin torchvision)"
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
  sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
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

step "installing mmdet, mmpose, mmpretrain without their metadata deps"
pipq install -q --no-deps "mmdet==$(pin mmdet)" "mmpose==$(pin mmpose)" "mmpretrain==$(pin mmpretrain)"
done_step

step "rebuilding xtcocotools against numpy 2"
pipq install -q --no-binary xtcocotools --no-build-isolation "xtcocotools==$(pin xtcocotools)"
done_step

step "installing sce_mae_mm (editable)"
pin_setuptools
pipq install -q --no-deps --no-build-isolation -e "$ROOT"
"$VENV/bin/python" -c "import sce_mae_mm, mmpose.models, mmpretrain.models, mmcv.ops; print('[setup] sce_mae_mm', sce_mae_mm.__version__, 'imports OK')"
cp "$PIN" "$VENV/.stack-ok"
done_step
echo "[setup] total $(( $(date +%s) - T0 )) s"
