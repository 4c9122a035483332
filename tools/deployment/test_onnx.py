"""Evaluate an exported graph on the config's test split with onnxruntime,
as tools/test.py evaluates the .pth (same loop, metrics and hooks).

    python tools/deployment/test_onnx.py CONFIG model.onnx \
        [--work-dir DIR] [--cfg-options KEY=VALUE ...]

Prints the metrics as JSON on the last line.
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction

from sce_mae_mm.apis import init_detector, init_matcher
from sce_mae_mm.deploy.evaluate import evaluate
from sce_mae_mm.deploy.metadata import read_metadata


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the graph came from')
    parser.add_argument('onnx', help='the .onnx file')
    parser.add_argument('--work-dir', help='log folder (default '
                        'work_dirs/<config name>_onnx)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, as tools/test.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    kind = read_metadata(args.onnx)['sce_mae_mm.kind']
    init = init_matcher if kind == 'descriptors' else init_detector
    model = init(args.config, args.onnx, cfg_options=args.cfg_options)
    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0] + '_onnx')
    metrics = evaluate(model, work_dir)
    print(json.dumps({k: float(v) for k, v in metrics.items()
                      if isinstance(v, (int, float))}))


if __name__ == '__main__':
    main()
