# The course's commands. README shows `make lab`, `make test`, `make test-fast` and `make sync`; .ci/run calls
# `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8888
# pip's --upgrade-strategy only-if-needed (its default) keeps what is installed when it satisfies the files:
# a CPU build of torch installed first (e.g. 2.14.1+cpu) satisfies `torch==2.14.1` in constraints.txt, so it stays.
PIP_INSTALL = $(PY) -m pip install -q -c constraints.txt

.PHONY: install install-dev system-deps browser-deps dicom-deps lab test test-fast test-colab test-student test-assignment bench site \
	site-student student assignment lint check-notebooks sync stamp lock clean

# Re-install only when the dependency files change: a second `make lab` or `make test` costs seconds, not minutes.
# The run-time set (requirements.txt, requirements-data.txt) is what students need; requirements-dev.txt adds
# the test and development tools.
$(STAMP): requirements.txt requirements-data.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PIP_INSTALL) -r requirements.txt
	$(PIP_INSTALL) --no-deps -r requirements-data.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# JupyterLab on the course. --allow-root: JupyterLab refuses to start as root without it (e.g. in containers).
lab: install
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser --allow-root \
		--ServerApp.root_dir="$(CURDIR)" notebooks/00_start_here.ipynb

# Debian's Chromium for the real-browser test (no browser download); installed when missing and we are root.
browser-deps:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian/Ubuntu), then make test"; exit 1; }

# Debian's dicom3tools for dciodvfy, the independent DICOM validator that checks every file the course writes
# (tests/test_dicom_validation.py); installed when missing and we are root.
dicom-deps:
	@command -v dciodvfy >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dicom3tools >/dev/null; } || \
		{ echo "dciodvfy is missing: run 'sudo apt-get install dicom3tools' (Debian/Ubuntu), then make test"; exit 1; }

# The system packages the tests need (Debian): Chromium and dicom3tools.
system-deps: browser-deps dicom-deps

# Everything: unit tests, docstring Examples, the real-browser test, then every notebook re-executed by nbval;
# writes reports/notebook_budget.json. The editions' whole-course runs have their own targets (below).
test: install-dev system-deps
	$(PY) -m pytest -m "not editions"

# The course on Google Colab's package versions (tests/colab/colab-versions.txt) in a throwaway Python 3.13 venv:
# the notebooks' bootstrap must not change any of Colab's packages, then the viewer and sample tests and every
# notebook run there (tests/colab/run.py). Here: about 7 minutes from nothing (building the 5.7 GB venv), about
# 4 on an existing one; not part of `make test` (README, "The Colab test").
PY313 ?= $(shell pyenv root 2>/dev/null)/versions/3.13.0/bin/python
test-colab: install-dev
	$(PY) tests/colab/run.py $(PY313)

# Every notebook re-executed with all its seeds shifted (tools/seedshift.py): each claim must hold for any seed.
SHIFT ?= 3
test-seeds: install-dev
	$(PY) -m tools.seedshift --shift $(SHIFT)
	$(PY) -m pytest build/seeds$(shell printf '%+d' $(SHIFT))

# The everyday subset (under two minutes): unit tests and docstring Examples; no notebooks, browser or servers.
test-fast: install-dev dicom-deps
	$(PY) -m pytest tests helpers -m "not slow and not browser"

# The student edition: build/student/notebooks/*.ipynb, the notebooks without their solution cells.
student: install-dev
	$(PY) -m tools.editions student

# The exercises as nbgrader assignments (one per notebook): build/assignment/{nbgrader_config.py,source/}.
assignment: install-dev
	$(PY) -m tools.editions assignment

# Run All on the student edition of every notebook: no error, every exercise "not answered yet" (minutes).
test-student: install-dev
	$(PY) -m pytest tests/test_editions.py -m "editions and student"

# nbgrader itself on every notebook's assignment: generate the release, autograde the instructor's answers (full
# marks) and the untouched release (zero). Executes every notebook twice (minutes).
test-assignment: install-dev
	$(PY) -m pytest tests/test_editions.py -m "editions and nbgrader"

# The static site: every notebook executed and rendered to HTML (build/site), checked for basic accessibility.
site: install-dev
	$(PY) -m tools.build_site
	$(PY) -m tools.a11y build/site

# The same without the exercise solutions, for students (build/site-student).
site-student: student
	$(PY) -m tools.build_site --student --source build/student/notebooks
	$(PY) -m tools.a11y build/site-student

# Judge the notebook budgets (60 s per notebook, 10 s per cell, 1.5 GB kernel) from the last test run's report.
bench:
	$(PY) -m tools.nbbudget --strict

lint: install-dev check-notebooks
	$(VENV)/bin/ruff check helpers tests tools notebooks

# The notebook conventions of DESIGN.md, and every notebook in sync with its percent script (tests run it too).
check-notebooks: install-dev
	$(PY) -m tools.nbcheck

# Sync notebooks/*.ipynb with their percent scripts notebooks_py/*.py after editing either (the newer file wins).
sync: install-dev
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

# Re-stamp the Colab bootstrap and badges after changing [tool.course] in pyproject.toml.
stamp: install-dev
	$(PY) tools/nbtool.py stamp

# Regenerate the tested lock from the current venv.
lock: install-dev
	(echo "# Tested lock for CI and make (pip constraints). Regenerate with: make lock"; \
	 $(PY) -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf $(VENV) build reports/*.json
