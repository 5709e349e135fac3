# Everything a developer runs is what CI runs (.ci/run → scripts/test.sh).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run check format test unit integration schema clean

install:
	scripts/install.sh

run: install
	$(VENV)/bin/visio serve

check:
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy
	$(PY) scripts/gen_protocol_schema.py --check

format:
	$(VENV)/bin/ruff check --fix src tests bench scripts
	$(VENV)/bin/ruff format src tests bench scripts

schema:
	$(PY) scripts/gen_protocol_schema.py

unit:
	$(VENV)/bin/pytest tests/unit -q

integration:
	scripts/netns-run $(VENV)/bin/pytest tests/integration -q

test:
	scripts/test.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
