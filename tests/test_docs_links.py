"""The front page and the docs: every relative link and image path exists,
and the README stays a front page (at most 200 lines)."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / 'README.md'] + sorted((ROOT / 'docs').glob('*.md'))
README_MAX_LINES = 200

# [text](target) and ![alt](target), with an optional "title"
_LINK = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
_FENCE = re.compile(r'^\s*(```|~~~)')


def _prose(text: str) -> str:
    """The page without its fenced code blocks and inline code spans."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r'`[^`]*`', '', line))
    return '\n'.join(lines)


def relative_links(text: str):
    """The relative link targets of a page's ``text`` (no URL, no pure
    anchor), with any ``#anchor`` removed."""
    for target in _LINK.findall(_prose(text)):
        if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:', target):  # http:, mailto:
            continue
        if target.startswith('#'):
            continue
        yield target.split('#', 1)[0]


def test_link_parser():
    text = ('see [a](docs/a.md), ![fig](figures/f.png "title"), '
            '[web](https://x.org/a.md), [here](#anchor), '
            '[part](protocols.md#matching) and `[code](not/a/link.md)`\n'
            '```\n[fenced](not/a/link.md)\n```\n')
    assert list(relative_links(text)) == [
        'docs/a.md', 'figures/f.png', 'protocols.md'
    ]


def test_docs_exist():
    names = {p.name for p in PAGES}
    for name in ('README.md', 'installation.md', 'datasets.md',
                 'protocols.md', 'benchmark.md', 'reliability.md',
                 'architecture.md'):
        assert name in names, name


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.name)
def test_relative_links_exist(page):
    text = page.read_text(encoding='utf-8')
    missing = [t for t in relative_links(text)
               if not (page.parent / t).exists()]
    assert not missing, f'{page.relative_to(ROOT)}: missing {missing}'


def test_readme_is_a_front_page():
    lines = (ROOT / 'README.md').read_text(encoding='utf-8').splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f'README.md has {len(lines)} lines (at most {README_MAX_LINES}): '
        'move the details to a page under docs/')
