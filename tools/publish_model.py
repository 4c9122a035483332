"""Publish a checkpoint: weights and a clean meta, loadable with torch's
default ``torch.load(weights_only=True)`` and nothing allow-listed (as
mmpose's ``tools/misc/publish_model.py``; the first 8 hex digits of the
file's sha256 go into its name).

    python tools/publish_model.py work_dirs/det_mafl/epoch_6.pth \
        published/det_mafl.pth [--config CONFIG]
    # -> published/det_mafl-1a2b3c4d.pth
"""
import argparse

from sce_mae_mm.deploy.publish import publish_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='runner checkpoint (.pth)')
    parser.add_argument('out_file', help='output name; the sha256 prefix '
                        'is added before the extension')
    parser.add_argument('--config', help='config stored in meta["cfg"] '
                        '(default: the one the runner stored)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(publish_checkpoint(args.in_file, args.out_file, args.config))


if __name__ == '__main__':
    main()
