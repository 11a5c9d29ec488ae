"""Install what Google Colab lacks of the course's run-time set; the notebooks' setup cell runs it once.

Usage (the setup cell, inside Colab, from the folder holding the clone)::

    python medimg-course/tools/colab_install.py IMPORTED_MODULE ...

It installs ``requirements-colab.txt`` with ``pip install --no-deps`` and the lock's versions (constraints.txt):
pip skips what is already there, and no dependency is upgraded, so Colab's own packages stay as they are. If an
install still changed a package that provides a module the notebook has already imported (the arguments), it says
once, in plain words, to restart the session. Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

CLONE = Path(__file__).resolve().parents[1]
RESTART = ("The course updated {names}, which this notebook had already loaded. Restart the session (Runtime > "
           "Restart session), then run the notebook again from the top.")


def installed_versions() -> dict[str, str]:
    """``{canonical name: version}`` of every installed distribution."""
    return {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in md.distributions()}


def changed_and_imported(before: dict[str, str], after: dict[str, str], imported: set[str]) -> list[str]:
    """Distributions present before whose version changed and that provide one of the ``imported`` modules."""
    changed = {name for name, version in before.items() if after.get(name) != version}
    providers = md.packages_distributions()
    hit = {re.sub(r"[-_.]+", "-", dist).lower() for module in imported for dist in providers.get(module, [])}
    return sorted(changed & hit)


def main(imported: list[str]) -> int:
    """Install, then print the restart sentence if needed; pip's own message on failure."""
    before = installed_versions()
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-r",
                             str(CLONE / "requirements-colab.txt"), "-c", str(CLONE / "constraints.txt")],
                            capture_output=True, text=True)
    if result.returncode:
        print(result.stdout + result.stderr)
        return result.returncode
    stale = changed_and_imported(before, installed_versions(), {m.split(".")[0] for m in imported})
    if stale:
        print(RESTART.format(names=", ".join(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
