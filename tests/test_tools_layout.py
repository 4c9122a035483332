"""tools/ holds commands over the package: no ``sys.path`` edits, no
script importing another, every script at most 200 lines."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = sorted((ROOT / 'tools').rglob('*.py'))


def _imported(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_tools_are_thin_commands():
    assert len(TOOLS) > 15
    scripts = {p.stem for p in TOOLS}
    for path in TOOLS:
        text = path.read_text()
        rel = path.relative_to(ROOT)
        assert 'sys.path.insert' not in text, rel
        assert len(text.splitlines()) <= 200, rel
        others = [m for m in _imported(path)
                  if m.split('.')[0] in scripts]
        assert others == [], (rel, others)


def test_quick_start_studies_and_benchmarks_call_the_package():
    for rel in ('quickstart.py', 'studies/run_study.py',
                'limited_annotations.py', 'benchmarks/bench_amp.py',
                'benchmarks/bench_stage1.py', 'benchmarks/bench_stage2.py',
                'benchmarks/bench_detection.py', 'make_figures.py'):
        modules = list(_imported(ROOT / 'tools' / rel))
        assert any(m.startswith(('sce_mae_mm.benchmark',
                                 'sce_mae_mm.studies')) for m in modules), rel


def test_top_level_layout():
    """The layout the project was asked for: projects, configs,
    sce_mae_mm, tools and tests beside setup.cfg and README.md."""
    for folder in ('projects', 'configs', 'sce_mae_mm', 'tools', 'tests'):
        assert (ROOT / folder).is_dir(), folder
    for name in ('setup.cfg', 'README.md'):
        assert (ROOT / name).is_file(), name


def test_projects_follow_mmposes_template():
    """Each project folder has mmpose's README sections and points at the
    package's configs and code instead of copying them."""
    projects = [p for p in (ROOT / 'projects').iterdir() if p.is_dir()]
    assert [p.name for p in projects] == ['sce_mae']
    for project in projects:
        text = (project / 'README.md').read_text(encoding='utf-8')
        headings = [line for line in text.splitlines()
                    if line.startswith('## ')]
        assert headings == ['## Description', '## Usage', '## Results',
                            '## Citation', '## Checklist'], headings
        for part in ('### Prerequisites', '### Data preparation',
                     '### Training commands', '### Testing commands',
                     '@inproceedings', 'Milestone 1', 'Milestone 3'):
            assert part in text, (project.name, part)
        assert list(project.rglob('*.py')) == [], project
        for config in ('configs/sce_mae_deit_s_stage1.py',
                       'configs/sce_mae_deit_s_stage2.py'):
            assert config in text and (ROOT / config).is_file(), config
