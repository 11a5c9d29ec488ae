"""tools/seedshift.py: the re-seeded copies differ from the notebooks only in their seed literals."""

import nbformat
import pytest

from tools import seedshift


def test_every_notebook_has_seeds_to_shift():
    for path in sorted(seedshift.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        if "random" in code or "rng" in code:
            assert seedshift.count_seeds(code) > 0, f"{path.name} draws random numbers but has no seed to shift"


def test_shift_changes_only_seed_literals(tmp_path):
    (written,) = seedshift.write_shifted(5, ["06_cnns.ipynb"], tmp_path)
    before = nbformat.read(str(seedshift.NOTEBOOKS / "06_cnns.ipynb"), as_version=4)
    after = nbformat.read(str(written), as_version=4)
    changed = [(a.source, b.source) for a, b in zip(before.cells, after.cells, strict=True) if a.source != b.source]
    assert changed, "no seed was shifted"
    for old, new in changed:
        assert seedshift.shift_seeds(old, 5) == new
        assert seedshift.without_seeds(old) == seedshift.without_seeds(new)


def test_unknown_notebook_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such.ipynb"):
        seedshift.write_shifted(1, ["no_such.ipynb"], tmp_path)


def test_a_range_of_seeds_moves_as_a_whole():
    source = "sweep(seeds=range(0, 5)); rng = default_rng(2)"
    assert seedshift.shift_seeds(source, 11) == "sweep(seeds=range(11, 16)); rng = default_rng(13)"
    assert seedshift.count_seeds(source) == 2
    assert seedshift.without_seeds(source) == seedshift.without_seeds(seedshift.shift_seeds(source, 11))
