#!/usr/bin/env bash
# The package as a user gets it: build the sdist and, from it, the wheel;
# check the wheel's metadata (ranges, no == pin of torch, torchvision, numpy
# or setuptools) and its .mim/configs and .mim/tools; install it with
# --no-deps into a fresh virtual environment layered on the locked stack
# (.venv, set up by tools/setup_env.sh); then, from a folder outside the
# clone, run a short stage 1 -> stage 2 -> matching on tiny synthetic faces
# with the packaged configs through openmim (`mim train sce_mae_mm ...`,
# `mim test sce_mae_mm ...`), stage 2 from a config of the user's own that
# inherits ours with the `sce_mae_mm::` prefix; then the packaged quick start
# (its data step, in the current folder) and a dry run of the studies.
#   PY=EXE        the locked stack's interpreter (default: .venv/bin/python)
#   WORK=DIR      where everything goes (default: a new folder in /tmp)
#   KEEP=1        keep WORK afterwards
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || { echo "[wheel] $PY: no interpreter; run 'make setup' first" >&2; exit 1; }
WORK="${WORK:-$(mktemp -d /tmp/sce_mae_mm_wheel.XXXXXX)}"
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
T0=$(date +%s)
say() { echo "[wheel] $*"; }

say "building the sdist and the wheel from it ($WORK/dist)"
SRC="$WORK/src"
mkdir -p "$SRC"
# the files a source distribution is made from (no build/ or egg-info left
# over from the clone's editable install)
(cd "$ROOT" && cp -r setup.py setup.cfg pyproject.toml MANIFEST.in README.md \
   requirements sce_mae_mm configs tools "$SRC/")
find "$SRC" -name __pycache__ -prune -exec rm -rf {} +
(cd "$SRC" && "$PY" setup.py -q sdist -d "$WORK/dist" >/dev/null 2>&1) \
  || { (cd "$SRC" && "$PY" setup.py sdist -d "$WORK/dist") >&2; exit 1; }
"$PY" -m pip wheel -q --no-deps --no-build-isolation "$WORK"/dist/sce_mae_mm-*.tar.gz \
  -w "$WORK/dist" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
WHEEL=$(ls "$WORK"/dist/sce_mae_mm-*.whl)
"$PY" - "$WHEEL" <<'EOF_META'
import re
import sys
import zipfile

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as zf:
    names = zf.namelist()
    meta = next(n for n in names if n.endswith('.dist-info/METADATA'))
    requires = [
        line.split(':', 1)[1].strip()
        for line in zf.read(meta).decode().splitlines()
        if line.startswith('Requires-Dist:')
    ]
pinned = [
    r for r in requires
    if re.match(r'(torch|torchvision|numpy|setuptools)\b', r) and '==' in r
]
if pinned:
    sys.exit(f'{wheel}: == pins of the environment in its metadata: {pinned}')
for need in ('sce_mae_mm/.mim/configs/sce_mae_deit_s_stage2.py',
             'sce_mae_mm/.mim/configs/_base_/default_runtime.py',
             'sce_mae_mm/.mim/tools/train.py',
             'sce_mae_mm/.mim/tools/test.py',
             'sce_mae_mm/.mim/model-index.yml'):
    if need not in names:
        sys.exit(f'{wheel}: {need} is missing')
configs = [n for n in names if n.startswith('sce_mae_mm/.mim/configs/')]
print(f'[wheel]   {len(configs)} configs, requires: ' + ', '.join(
    r for r in requires if 'extra ==' not in r))
EOF_META

say "fresh virtual environment on the locked stack, the wheel with --no-deps"
BASE=$("$PY" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
STACK=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$BASE" -m venv --without-pip "$WORK/venv"
VPY="$WORK/venv/bin/python"
# the locked stack after the venv's own site-packages; its .pth files (the
# clone's editable install) are not read from there
echo "$STACK" > "$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/_locked_stack.pth"
"$VPY" -m pip install -q --no-deps "$WHEEL" 2>&1 \
  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

RUN="$WORK/run"   # outside the clone: nothing of the repository is on the path
mkdir -p "$RUN"
cd "$RUN"
PKG=$("$VPY" -c 'import os.path as osp, sce_mae_mm; print(osp.dirname(sce_mae_mm.__file__))')
case "$PKG" in
  "$WORK/venv/"*) say "  sce_mae_mm $("$VPY" -c 'import sce_mae_mm; print(sce_mae_mm.__version__)') imported from $PKG" ;;
  *) echo "[wheel] sce_mae_mm imported from $PKG, not from the wheel's install" >&2; exit 1 ;;
esac
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" CUDA_VISIBLE_DEVICES=
MIM=("$VPY" -m mim)
# tiny runs: a few images, one epoch each, no data-loading workers
FAST=(train_dataloader.num_workers=0 train_dataloader.dataset.indices=16
      train_dataloader.batch_size=8 train_cfg.max_epochs=1
      default_hooks.logger.interval=1)

say "synthetic faces (the packaged tools/make_synthetic_faces.py)"
"$VPY" "$PKG/.mim/tools/make_synthetic_faces.py" --out data/synthetic --num 60 --seed 0 >/dev/null

say "stage 1: mim train sce_mae_mm sce_mae_deit_t_stage1_synthetic.py"
"${MIM[@]}" train sce_mae_mm sce_mae_deit_t_stage1_synthetic.py \
  --work-dir work_dirs/stage1 --cfg-options "${FAST[@]}" > stage1.log 2>&1 \
  || { tail -n 40 stage1.log >&2; exit 1; }
[ -f work_dirs/stage1/epoch_1.pth ] || { tail -n 40 stage1.log >&2; echo "[wheel] stage 1 wrote no epoch_1.pth" >&2; exit 1; }

say "stage 2: mim train sce_mae_mm my_stage2.py (_base_ = sce_mae_mm::synthetic/...)"
cat > my_stage2.py <<'EOF_CFG'
_base_ = ['sce_mae_mm::synthetic/sce_mae_deit_t_stage2_synthetic.py']
model = dict(backbone=dict(checkpoint='work_dirs/stage1/epoch_1.pth'))
EOF_CFG
"${MIM[@]}" train sce_mae_mm my_stage2.py --work-dir work_dirs/stage2 \
  --cfg-options "${FAST[@]}" > stage2.log 2>&1 \
  || { tail -n 40 stage2.log >&2; exit 1; }
[ -f work_dirs/stage2/epoch_1.pth ] || { tail -n 40 stage2.log >&2; echo "[wheel] stage 2 wrote no epoch_1.pth" >&2; exit 1; }
if grep -q 'Failed to search registry' stage2.log; then
  grep 'Failed to search registry' stage2.log | head -n 3 >&2
  echo "[wheel] stage 2: a registry of the sce_mae_mm scope is missing" >&2; exit 1
fi

say "matching: mim test sce_mae_mm sce_mae_deit_t_mafl_matching_synthetic.py"
"${MIM[@]}" test sce_mae_mm sce_mae_deit_t_mafl_matching_synthetic.py \
  --checkpoint work_dirs/stage2/epoch_1.pth --work-dir work_dirs/matching \
  --out work_dirs/matching/metrics.json \
  --cfg-options test_dataloader.num_workers=0 test_dataloader.dataset.indices=8 \
  > matching.log 2>&1 || { tail -n 40 matching.log >&2; exit 1; }
"$VPY" - work_dirs/matching/metrics.json <<'EOF_METRICS'
import json
import math
import sys

with open(sys.argv[1]) as f:
    metrics = json.load(f)
values = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
if not values or not all(math.isfinite(v) for v in values.values()):
    sys.exit(f'{sys.argv[1]}: no finite metrics in {metrics}')
print('[wheel]   ' + ', '.join(f'{k} {v:.2f}' for k, v in values.items()))
EOF_METRICS
say "the quick start's and the studies' logic from the package (sce_mae_mm.benchmark, .studies)"
"$VPY" "$PKG/.mim/tools/quickstart.py" --until data --num 20 --data data/quickstart \
  --work-dir work_dirs/quickstart > quickstart.log 2>&1 \
  || { tail -n 40 quickstart.log >&2; exit 1; }
[ -f data/quickstart/synthetic_manifest.json ] \
  || { tail -n 40 quickstart.log >&2; echo "[wheel] the quick start made no synthetic set here" >&2; exit 1; }
"$VPY" "$PKG/.mim/tools/studies/run_study.py" components --stage1 work_dirs/stage1/epoch_1.pth \
  --work-dir work_dirs/studies --synthetic --grid reduced --arch deit-t --dry-run > studies.log 2>&1 \
  || { tail -n 40 studies.log >&2; exit 1; }
grep -q "$PKG/.mim/configs/synthetic/sce_mae_deit_t_stage2_synthetic.py" studies.log \
  || { tail -n 40 studies.log >&2; echo "[wheel] run_study does not name the packaged configs" >&2; exit 1; }
say "passed in $(( $(date +%s) - T0 )) s"
