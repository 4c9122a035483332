"""Export a detection or matching config's model to ONNX.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx
        [--context C] [--opset 17] [--cfg-options KEY=VALUE ...]

A detection config gives the landmark graph (N, 3, S, S) -> (N, K, 2) crop
pixels, a matching config the descriptor graph (N, 3, S, S) ->
(N, C, 96/stride, 96/stride); S = 96 + 2 * context (the test pipeline's
context by default). The batch axis is dynamic; the graph passes
onnx.checker and its metadata names the config, stride, input size,
normalisation and the checkpoint's sha256 (docs/inference.md). Then
``sce_mae_mm.apis.init_detector(CONFIG, 'model.onnx')`` (or
``init_matcher``) runs it with onnxruntime, and
tools/deployment/test_onnx.py evaluates it.
"""
import argparse

from mmengine.config import DictAction

from sce_mae_mm.deploy.export import export_onnx


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='detection or matching config')
    parser.add_argument('checkpoint', help='the weights (.pth)')
    parser.add_argument('--out', required=True, help='the .onnx to write')
    parser.add_argument('--context', type=int, default=None,
                        help='context pixels around the 96-px crop '
                        '(default: the test pipeline\'s)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, as tools/test.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(export_onnx(args.config, args.checkpoint, args.out,
                      context=args.context, cfg_options=args.cfg_options,
                      opset=args.opset))


if __name__ == '__main__':
    main()
