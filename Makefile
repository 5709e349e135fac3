# Everything a developer runs is what CI runs (.ci/run → scripts/test.sh).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run web check format test unit integration e2e schema clean

install:
	scripts/install.sh

run: install
	$(VENV)/bin/visio serve

web:
	npm --prefix frontend ci --no-audit --no-fund
	npm --prefix frontend run build

check:
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy
	$(PY) scripts/gen_protocol_schema.py --check
	$(PY) scripts/gen_openapi.py --check
	npm --prefix frontend run --silent typecheck
	npm --prefix frontend run --silent check:generated
	npm --prefix tests/e2e run --silent typecheck

format:
	$(VENV)/bin/ruff check --fix src tests bench scripts
	$(VENV)/bin/ruff format src tests bench scripts

schema:
	$(PY) scripts/gen_protocol_schema.py
	$(PY) scripts/gen_openapi.py
	npm --prefix frontend run gen

unit:
	$(VENV)/bin/pytest tests/unit -q

integration:
	scripts/netns-run $(VENV)/bin/pytest tests/integration -q

e2e:
	scripts/netns-run npm --prefix tests/e2e test

test:
	scripts/test.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
