# gizmolua: build and test entry points. Plain GNU make.
#
#   make serve        build, then serve scripts/ on 127.0.0.1:9898 (HOST=, PORT= to change)
#   make build        debug build (.build/debug/gizmolua)
#   make run          build, then run SCRIPT (default: the hello_env demo)
#   make test         unit tests (swift test) + browser tests (pytest, headless Chromium)
#   make unit | e2e   one half of `make test`
#   make poem-audio   remake scripts/waveform_poem/poem.ogg (espeak-ng + sox)
#   make bench        release build, then time `gizmolua serve` against the
#                     performance budgets (docs/performance.md); figures also
#                     in BENCH_JSON (default bench-results.json)
#
# `deps` and `test-deps` install Debian packages only when `dpkg -s` says
# they are missing, so they cost a few milliseconds on a ready machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
# apt-get and dpkg hold a lock: never run two install steps at once.
.NOTPARALLEL:

SWIFT      ?= swift
PYTHON     ?= python3
VENV       := .venv
BIN        := .build/debug/gizmolua
SCRIPT     ?= scripts/some_gizmo_demos/hello_env.lua
HOST       ?= 127.0.0.1
PORT       ?= 9898
E2E_DIR    := Tests/e2e
E2E_REQS   := $(E2E_DIR)/requirements.txt
PYTEST_ARGS ?=
BENCH_JSON ?= bench-results.json

DEB_DEPS      := liblua5.4-dev pkg-config
DEB_TEST_DEPS := chromium chromium-driver python3-venv nginx
DEB_POEM_DEPS := espeak-ng sox

# Use sudo only when not root and sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null 2>&1 || echo sudo)

# $(call apt_ensure,PACKAGES): install the missing ones; `apt-get update`
# runs once, and only when something is missing.
define apt_ensure
missing=""; \
for p in $(1); do \
  [[ "$$(dpkg -s "$$p" 2>/dev/null)" == *"Status: install ok installed"* ]] \
    || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "installing Debian packages:$$missing"; \
  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update; \
  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
fi
endef

.PHONY: deps test-deps test-apt build serve run test unit e2e bench poem-audio clean

deps:
	@$(call apt_ensure,$(DEB_DEPS))

# One check over both lists, so a fresh machine runs `apt-get update` once.
test-apt:
	@$(call apt_ensure,$(DEB_DEPS) $(DEB_TEST_DEPS))

test-deps: test-apt deps $(VENV)/.installed

$(VENV)/.installed: $(E2E_REQS) | test-apt
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r $(E2E_REQS)
	touch $@

# Only the server: gizmobench's HTTP client would add swift-nio-ssl's C to
# every debug build.
build: deps
	$(SWIFT) build --product gizmolua

serve: build
	$(BIN) serve scripts --host $(HOST) --port $(PORT)

run: build
	$(BIN) run $(SCRIPT)

test: test-deps build
	$(SWIFT) test
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) $(E2E_DIR)

unit: deps
	$(SWIFT) test

e2e: test-deps build
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) $(E2E_DIR)

# Release binaries: the figures are about what ships, not a debug build.
bench: deps
	$(SWIFT) build -c release --product gizmolua
	$(SWIFT) build -c release --product gizmobench
	.build/release/gizmobench --gizmolua .build/release/gizmolua --json $(BENCH_JSON)

# The recording is committed; this remakes it after the poem changes.
poem-audio:
	@$(call apt_ensure,$(DEB_POEM_DEPS))
	scripts/waveform_poem/make_audio.sh

clean:
	rm -rf .build $(VENV) $(E2E_DIR)/__pycache__ .pytest_cache
