"""The front page, the docs and the projects: every relative link and image
path exists, every ``#anchor`` a link names is a heading (or a named
anchor) of its page, and the README stays a front page (at most 200
lines)."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = ([ROOT / 'README.md'] + sorted((ROOT / 'docs').rglob('*.md')) +
         sorted((ROOT / 'projects').rglob('*.md')))
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


def anchored_links(text: str):
    """``(target, anchor)`` of every relative link with an anchor
    (``target`` empty for the page itself)."""
    for target in _LINK.findall(_prose(text)):
        if '#' in target and not re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:',
                                          target):
            yield tuple(target.split('#', 1))


def heading_slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text lower-cased, without
    punctuation but hyphens and underscores, spaces made hyphens."""
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links: text
    text = re.sub(r'[`*]', '', text).strip().lower()
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


def page_anchors(text: str) -> set:
    """The anchors of a page: its headings' slugs (``-1``, ``-2`` for
    repeats) and ``<a name=...>`` / ``id=...`` anchors."""
    out, fenced = set(), False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        heading = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
        if heading and not fenced:
            slug, n = heading_slug(heading.group(1)), 1
            base = slug
            while slug in out:
                slug, n = f'{base}-{n}', n + 1
            out.add(slug)
    out.update(re.findall(r'<a\s+(?:name|id)="([^"]+)"', text))
    return out


def test_heading_slugs():
    assert heading_slug('The runs that cross: `--long` on the selected '
                        'recipe (issue 26, 2026-12-07)') == (
        'the-runs-that-cross---long-on-the-selected-recipe-issue-26-'
        '2026-12-07')
    assert heading_slug('fp32 and subnormals: the 300W head') == \
        'fp32-and-subnormals-the-300w-head'
    assert page_anchors('# A\n## A\n```\n# not\n```\n<a name="x"></a>') \
        == {'a', 'a-1', 'x'}


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


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.name)
def test_link_anchors_exist(page):
    text = page.read_text(encoding='utf-8')
    missing = []
    for target, anchor in anchored_links(text):
        dest = page if not target else page.parent / target
        if dest.suffix != '.md' or not dest.is_file():
            continue  # a missing file is test_relative_links_exist's
        if anchor not in page_anchors(dest.read_text(encoding='utf-8')):
            missing.append(f'{target}#{anchor}')
    assert not missing, f'{page.relative_to(ROOT)}: no such anchor {missing}'


def test_readme_is_a_front_page():
    lines = (ROOT / 'README.md').read_text(encoding='utf-8').splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f'README.md has {len(lines)} lines (at most {README_MAX_LINES}): '
        'move the details to a page under docs/')
