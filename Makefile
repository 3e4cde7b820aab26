# Quick start: `make demo` and `make test`. Both create .venv with the pinned
# dependencies when it is missing; `make test` also creates .venv-tools (pywb, wacz,
# cdxj-indexer from requirements-tools.lock), apart because pywb pins older
# cryptography/pyOpenSSL than Scrapy's and pulls gevent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed

.PHONY: demo test lint tools clean redis-server

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The .gitignore inside keeps the tools venv out of `git status` (as Python 3.13 venvs do).
$(TOOLS_STAMP): requirements-tools.lock
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	echo '*' > $(TOOLS_VENV)/.gitignore
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.lock
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

# PORT=8002 make demo: the search page there, the replay on the next port.
PORT ?= 8001
demo: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/pressarchive demo --archive ./demo-archive --port $(PORT)

# The frontier's tests start their own Redis (tests/helpers/redis_server.py): Debian's
# redis-server, installed here when missing (as root, or through sudo).
redis-server:
	command -v redis-server >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server; }

test: $(STAMP) $(TOOLS_STAMP) redis-server
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(TOOLS_VENV) demo-archive .pytest_cache
