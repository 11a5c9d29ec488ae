# The course's commands. README shows `make lab`, `make test`, `make test-fast` and `make sync`; .ci/run calls
# `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: install browser-deps lab test test-fast test-student test-assignment bench site site-student student \
	assignment lint check-notebooks sync stamp lock clean

# Re-install only when the dependency files change: a second `make test` costs seconds, not minutes.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# JupyterLab on the course. --allow-root: JupyterLab refuses to start as root without it (e.g. in containers).
lab: install
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser --allow-root \
		--ServerApp.root_dir="$(CURDIR)" notebooks/00_start_here.ipynb

# Debian's Chromium for the real-browser test (no browser download); installed when missing and we are root.
browser-deps:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian/Ubuntu), then make test"; exit 1; }

# Everything: unit tests, docstring Examples, the real-browser test, then every notebook re-executed by nbval;
# writes reports/notebook_budget.json. The editions' whole-course runs have their own targets (below).
test: install browser-deps
	$(PY) -m pytest -m "not editions"

# The everyday subset (under two minutes): unit tests and docstring Examples; no notebooks, browser or servers.
test-fast: install
	$(PY) -m pytest tests helpers -m "not slow and not browser"

# The student edition: build/student/notebooks/*.ipynb, the notebooks without their solution cells.
student: install
	$(PY) -m tools.editions student

# The exercises as nbgrader assignments (one per notebook): build/assignment/{nbgrader_config.py,source/}.
assignment: install
	$(PY) -m tools.editions assignment

# Run All on the student edition of every notebook: no error, every exercise "not answered yet" (minutes).
test-student: install
	$(PY) -m pytest tests/test_editions.py -m "editions and student"

# nbgrader itself on every notebook's assignment: generate the release, autograde the instructor's answers (full
# marks) and the untouched release (zero). Executes every notebook twice (minutes).
test-assignment: install
	$(PY) -m pytest tests/test_editions.py -m "editions and nbgrader"

# The static site: every notebook executed and rendered to HTML (build/site), checked for basic accessibility.
site: install
	$(PY) -m tools.build_site
	$(PY) -m tools.a11y build/site

# The same without the exercise solutions, for students (build/site-student).
site-student: student
	$(PY) -m tools.build_site --student --source build/student/notebooks
	$(PY) -m tools.a11y build/site-student

# Judge the notebook budgets (60 s per notebook, 10 s per cell, 1.5 GB kernel) from the last test run's report.
bench:
	$(PY) -m tools.nbbudget --strict

lint: install check-notebooks
	$(VENV)/bin/ruff check helpers tests tools notebooks

# The notebook conventions of DESIGN.md, and every notebook in sync with its percent script (tests run it too).
check-notebooks: install
	$(PY) -m tools.nbcheck

# Sync notebooks/*.ipynb with their percent scripts notebooks_py/*.py after editing either (the newer file wins).
sync: install
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

# Re-stamp the Colab bootstrap and badges after changing [tool.course] in pyproject.toml.
stamp: install
	$(PY) tools/nbtool.py stamp

# Regenerate the tested lock from the current venv.
lock: install
	(echo "# Tested lock for CI and make (pip constraints). Regenerate with: make lock"; \
	 $(PY) -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf $(VENV) build reports/*.json
