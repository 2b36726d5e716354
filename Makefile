# gizmolua: build and test entry points. Plain GNU make.
#
#   make serve        build, then serve scripts/ on 127.0.0.1:9898 (HOST=, PORT= to change)
#   make build        debug build (.build/debug/gizmolua)
#   make run          build, then run SCRIPT (default: the hello_env demo)
#   make install      release build, then gizmolua into $(PREFIX)/bin (PREFIX default
#                     /usr/local; DESTDIR honoured) and the annotated Lua library into
#                     $(PREFIX)/share/gizmolua/lua; `make uninstall` removes both
#   make test         unit tests (swift test) + browser tests (pytest, headless Chromium)
#   make unit | e2e   one half of `make test`
#   make gizmo-tests  the demos' own tests (scripts/**/*_test.lua) under `gizmolua test`
#   make fuzz         libFuzzer over the JSON codec and the frame decoder,
#                     FUZZ_RUNS (default 1,000,000) inputs each, then the live
#                     protocol fuzzer, FUZZ_FRAMES (1,000,000) frames (docs/fuzzing.md)
#   make fuzz-smoke   the libFuzzer targets, 10,000 inputs each from a fixed seed
#                     (part of `make test`, as is the protocol fuzzer's 10,000 frames)
#   make poem-audio   remake scripts/waveform_poem/poem.ogg (espeak-ng + sox)
#   make bench        release build, then time `gizmolua serve` against the
#                     performance budgets and beside H5Gizmos (docs/performance.md),
#                     first paint in headless Chromium against a static copy;
#                     figures also in BENCH_JSON (default bench-results.json)
#   make profile      instructions per click, counted by callgrind (docs/performance.md)
#   make scale        release build, then hold as many idle sessions as one server
#                     takes, in steps (SCALE_SESSIONS, default 100,000; SCALE_ARGS for
#                     more), and name the limit met (docs/performance.md); not part of
#                     `make test` or `make bench`: it takes GiBs and minutes
#   make bench-h5gizmos  the throwaway venv of that side by side: H5Gizmos from
#                     PyPI and the bench's gizmos (Sources/gizmobench/h5gizmos)
#   make container-test  build the image with podman and test it from the host's Chromium,
#                     and play docs/deploy.md's Kubernetes example with `podman kube play`
#   make container-postgres  the PostgreSQL 15 image that example's test plays
#                     (deploy/postgres/, Debian's package; built once)
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
PROFILE_DIR    := .build/profile
PROFILE_CLICKS ?= 2000
# The side by side with H5Gizmos: its own venv, apart from the tests' .venv,
# with H5Gizmos pinned and bench_h5 (the click counter and hello_env written
# with H5Gizmos' API, registered as its entry points).
H5GIZMOS_PIN  := H5Gizmos==0.1.19
BENCH_H5      := .build/bench-h5gizmos
BENCH_H5_VENV := $(BENCH_H5)/venv
BENCH_H5_PKG  := Sources/gizmobench/h5gizmos

DEB_DEPS      := liblua5.4-dev libjemalloc-dev libsqlite3-dev pkg-config
DEB_TEST_DEPS := chromium chromium-driver python3-venv nginx postgresql
DEB_POEM_DEPS := espeak-ng sox
DEB_BENCH_DEPS := python3-venv
# podman (with runc) builds and runs the image; debootstrap makes its Debian
# base here, since no container registry need be reachable.
DEB_CONTAINER_DEPS := podman runc debootstrap

# The image `make container-test` builds: the Dockerfile's runtime stage on a
# base made by debootstrap (cached as CONTAINER_BASE, made once per machine),
# with the release binary built here (the Dockerfile's target `prebuilt`). The base's
# release must be the host's, whose glibc the binary was linked against.
CONTAINER_SUITE  ?= bookworm
CONTAINER_MIRROR ?= http://deb.debian.org/debian
CONTAINER_BASE   := localhost/gizmolua-base:$(CONTAINER_SUITE)
CONTAINER_IMAGE  ?= localhost/gizmolua:test
CONTAINER_WORK   := .build-container
RELEASE_FLAGS    := -c release --static-swift-stdlib
# runc, and limits no higher than the machine's hard ones: podman's defaults
# (nofile 1048576, nproc 4194304) fail in a sandbox that may not raise them.
PODMAN           := podman --runtime runc
NOFILE_HARD      := $(shell ulimit -Hn)
PODMAN_LIMITS    := --ulimit nofile=1024:$(NOFILE_HARD) --ulimit nproc=1024:1024

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

.PHONY: deps test-deps test-apt build serve run install uninstall test test-suites unit unit-suites e2e gizmo-tests bench bench-apt bench-h5gizmos profile scale poem-audio clean \
        container-deps container-base release container-image container-postgres container-test \
        fuzz fuzz-smoke fuzz-build fuzz-deps

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

# The demos' grants: job_monitor starts its job, system_monitor reads /proc.
DEMO_GRANTS = --allow-run=$(CURDIR)/scripts/job_monitor/train.sh --allow-read=/proc

serve: build
	$(BIN) serve scripts --host $(HOST) --port $(PORT) $(DEMO_GRANTS)

run: build
	$(BIN) run $(SCRIPT)

# The release binary, and the Lua library whose LuaLS annotations an editor
# reads: `gizmolua new` points a module's .luarc.json at LUA_LIB when it lies
# beside the binary (../share/gizmolua/lua), else at the source tree's
# Resources (docs/lua-api.md, "Editor support"). gizmo.test's library goes in
# as gizmo/test.lua, where require("gizmo.test") finds it. The build runs as
# whoever runs make: `make release` first, then `sudo make install` builds nothing.
PREFIX  ?= /usr/local
DESTDIR ?=
LUA_LIB := $(PREFIX)/share/gizmolua/lua
HARNESS_LUA := Sources/GizmoHarness/Resources/test.lua

install: release
	install -D -s -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/gizmolua" "$(DESTDIR)$(PREFIX)/bin/gizmolua"
	install -d "$(DESTDIR)$(LUA_LIB)"
	install -m 0644 Sources/GizmoLua/Resources/*.lua "$(DESTDIR)$(LUA_LIB)/"
	install -D -m 0644 $(HARNESS_LUA) "$(DESTDIR)$(LUA_LIB)/gizmo/test.lua"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/gizmolua and $(DESTDIR)$(LUA_LIB)"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/gizmolua"
	rm -rf "$(DESTDIR)$(PREFIX)/share/gizmolua"

# The suites run beside a throwaway PostgreSQL cluster (a temp folder, a
# free loopback port; GIZMO_TEST_POSTGRES_URL), stopped however they end:
# the store's tests run against it as well as against SQLite.
WITH_POSTGRES := Tests/postgres/with-cluster.sh

test: test-deps build fuzz-smoke
	$(WITH_POSTGRES) $(MAKE) --no-print-directory test-suites

test-suites:
	$(SWIFT) test --skip StoreLoadTests
	$(SWIFT) test --skip-build --filter StoreLoadTests
	$(BIN) test scripts $(DEMO_GRANTS)
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) $(E2E_DIR)

# Every demo's own tests, as an author runs them: simulated pages, no browser.
gizmo-tests: build
	$(BIN) test scripts $(DEMO_GRANTS)

unit: test-apt
	$(WITH_POSTGRES) $(MAKE) --no-print-directory unit-suites

unit-suites:
	$(SWIFT) test --skip StoreLoadTests
	$(SWIFT) test --skip-build --filter StoreLoadTests

e2e: test-deps build
	$(WITH_POSTGRES) $(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) $(E2E_DIR)

# Release binaries: the figures are about what ships, not a debug build.
# The same flags as `release`, so the two never rebuild each other's objects.
# test-deps: Chromium, chromedriver and selenium (.venv) for the first paint,
# which Sources/gizmobench/firstpaint/first_paint.py times.
bench: release bench-h5gizmos test-deps
	$(SWIFT) build $(RELEASE_FLAGS) --product gizmobench
	$(WITH_POSTGRES) .build/release/gizmobench --gizmolua .build/release/gizmolua --json $(BENCH_JSON)

# The most idle sessions one server holds: gizmobench starts the server with
# RLIMIT_NOFILE raised to the sessions it aims for (as a deployment's ulimit -n),
# spreads the pages' sockets over SCALE_ADDRESSES loopback addresses, and stops
# at the first limit, or when MemAvailable falls under 4 GiB (--memory-floor-gib).
SCALE_SESSIONS  ?= 100000
SCALE_STEP      ?= 5000
SCALE_ADDRESSES ?= 8
SCALE_JSON      ?= scale-results.json
SCALE_ARGS      ?=
scale: release
	$(SWIFT) build $(RELEASE_FLAGS) --product gizmobench
	free -g
	.build/release/gizmobench scale --gizmolua .build/release/gizmolua --sessions $(SCALE_SESSIONS) \
	    --step $(SCALE_STEP) --addresses $(SCALE_ADDRESSES) --json $(SCALE_JSON) $(SCALE_ARGS)

bench-apt:
	@$(call apt_ensure,$(DEB_BENCH_DEPS))

# Instructions per click, counted by valgrind's callgrind (they do not move
# with the machine's load, as times do): the server under callgrind twice,
# `gizmobench --only round-trip` clicking PROFILE_CLICKS and 0 recorded times
# (after the same warm-up); the difference per click, and where it goes.
# valgrind cannot read the debug info of the static release binary, so it
# runs a copy without it (function names stay).
profile: release
	@$(call apt_ensure,valgrind binutils)
	$(SWIFT) build $(RELEASE_FLAGS) --product gizmobench
	mkdir -p $(PROFILE_DIR)
	objcopy --strip-debug .build/release/gizmolua $(PROFILE_DIR)/gizmolua
	printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file="$$GIZMO_CALLGRIND_OUT" "%s" "$$@"\n' \
	    "$(abspath $(PROFILE_DIR))/gizmolua" > $(PROFILE_DIR)/gizmolua-callgrind
	chmod +x $(PROFILE_DIR)/gizmolua-callgrind
	for n in 0 $(PROFILE_CLICKS); do \
	    GIZMO_CALLGRIND_OUT=$(abspath $(PROFILE_DIR))/callgrind.$$n .build/release/gizmobench \
	        --gizmolua $(PROFILE_DIR)/gizmolua-callgrind --only round-trip --clicks $$n || exit 1; \
	done
	$(PYTHON) Sources/gizmobench/profile/click_profile.py $(PROFILE_DIR)/callgrind.0 \
	    $(PROFILE_DIR)/callgrind.$(PROFILE_CLICKS) $(PROFILE_CLICKS)

bench-h5gizmos: $(BENCH_H5)/.installed

# Made once; bench_h5 is installed again when its files change.
$(BENCH_H5)/.installed: $(BENCH_H5_PKG)/pyproject.toml $(wildcard $(BENCH_H5_PKG)/bench_h5/*.py) | bench-apt
	[ -x $(BENCH_H5_VENV)/bin/python ] || $(PYTHON) -m venv $(BENCH_H5_VENV)
	$(BENCH_H5_VENV)/bin/python -m pip install -q --disable-pip-version-check '$(H5GIZMOS_PIN)'
	$(BENCH_H5_VENV)/bin/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps $(BENCH_H5_PKG)
	touch $@

# The recording is committed; this remakes it after the poem changes.
poem-audio:
	@$(call apt_ensure,$(DEB_POEM_DEPS))
	scripts/waveform_poem/make_audio.sh

# ---- fuzzing --------------------------------------------------------------------
#
# libFuzzer targets in C (Tests/fuzz/, docs/fuzzing.md), built with
# AddressSanitizer and UndefinedBehaviorSanitizer around the project's own C:
# json_fuzzer over the codec, frame_fuzzer over a session's runtime fed frames.
# FUZZ_CC needs libFuzzer: the Swift toolchain's clang has it (and ld.lld);
# FUZZ_CC=clang-NN installs Debian's clang-NN, libclang-rt-NN-dev and lld-NN.
# The long run keeps what it learns in FUZZ_DIR/corpus; the smoke run starts
# from the committed seeds alone, with a fixed seed, so `make test` is the same
# on every machine. A crash is saved under FUZZ_DIR/crashes/ and fails the target.
FUZZ_CC     ?= clang
FUZZ_DIR    := .build/fuzz
FUZZ_SRC    := Tests/fuzz
FUZZ_RUNS   ?= 1000000
# frame_fuzzer's input is a session of about ten frames: 110,000 of them send
# over a million frames (963,194 in 100,000, measured).
FUZZ_FRAME_RUNS ?= 110000
# Frames the live protocol fuzzer (Tests/e2e/test_protocol_fuzz.py) sends in
# the long run; `make test` sends its default, 10,000.
FUZZ_FRAMES ?= 1000000
FUZZ_SMOKE_RUNS := 10000
FUZZ_TARGETS := json_fuzzer frame_fuzzer
FUZZ_DEB    = $(if $(filter clang-%,$(notdir $(FUZZ_CC))),$(notdir $(FUZZ_CC)) \
              libclang-rt-$(patsubst clang-%,%,$(notdir $(FUZZ_CC)))-dev lld-$(patsubst clang-%,%,$(notdir $(FUZZ_CC))))
# No fake stacks for use-after-return: every Lua error is a longjmp, and
# ASan's fake stacks then cost a tenth of the time.
FUZZ_CFLAGS := -g -O1 -Wall -Wextra -ISources/CGizmoLua/include \
               -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fsanitize-address-use-after-return=never
FUZZ_LINK   := -fsanitize=fuzzer -fuse-ld=lld
# A turn that has not ended after FUZZ_TIMEOUT seconds is a finding (a normal
# input takes milliseconds; the figure is generous for a loaded machine).
FUZZ_TIMEOUT ?= 60
FUZZ_FLAGS   = -max_len=4096 -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
               -artifact_prefix=$(FUZZ_DIR)/crashes/

# The project's C under test: the codec, the pattern matcher, the bounded
# library functions (every file of Sources/CGizmoLua but host.c).
FUZZ_GIZMO_C := $(filter-out Sources/CGizmoLua/host.c,$(wildcard Sources/CGizmoLua/*.c))

fuzz-deps: deps
	@$(call apt_ensure,$(FUZZ_DEB))

# The C that is not under test (the host's allocator and hooks, the JSON
# checker the targets judge with) is compiled without libFuzzer's coverage:
# it would only slow the targets down and tell libFuzzer nothing about an input.
$(FUZZ_DIR)/host.o: Sources/CGizmoLua/host.c Sources/CGizmoLua/include/gizmolua.h | fuzz-deps
	@mkdir -p $(FUZZ_DIR)/crashes
	$(FUZZ_CC) $(FUZZ_CFLAGS) $$(pkg-config --cflags lua5.4) -c $< -o $@

$(FUZZ_DIR)/json_check.o: $(FUZZ_SRC)/json_check.c $(FUZZ_SRC)/json_check.h | fuzz-deps
	@mkdir -p $(FUZZ_DIR)/crashes
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/json_fuzzer: $(FUZZ_SRC)/json_fuzzer.c $(FUZZ_SRC)/value_recipe.c $(FUZZ_SRC)/value_recipe.h \
                         $(FUZZ_GIZMO_C) $(FUZZ_DIR)/host.o $(FUZZ_DIR)/json_check.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LINK) $$(pkg-config --cflags lua5.4) $(filter %.c %.o,$^) \
	    $$(pkg-config --libs lua5.4) -lm -o $@

# The runtime's Lua files are read when the target starts (GIZMO_RUNTIME_DIR
# overrides where), so a change to them needs no rebuild.
$(FUZZ_DIR)/frame_fuzzer: $(FUZZ_SRC)/frame_fuzzer.c $(FUZZ_SRC)/session.c $(FUZZ_SRC)/session.h \
                          $(FUZZ_SRC)/lua_coverage.c $(FUZZ_SRC)/lua_coverage.h \
                          $(FUZZ_GIZMO_C) $(FUZZ_DIR)/host.o $(FUZZ_DIR)/json_check.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LINK) $$(pkg-config --cflags lua5.4) \
	    -DGIZMO_RUNTIME_DIR='"$(abspath Sources/GizmoLua/Resources)"' $(filter %.c %.o,$^) \
	    $$(pkg-config --libs lua5.4) -lm -o $@

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# $(call fuzz_start,NAME,CORPORA,FLAGS): NAME_fuzzer in the background, over
# CORPORA/NAME (where new inputs go) and its committed seeds, with its
# dictionary, logging to CORPORA/NAME.log.
define fuzz_start
$(FUZZ_DIR)/$(1)_fuzzer $(FUZZ_FLAGS) -dict=$(FUZZ_SRC)/$(1).dict $(3) $(2)/$(1) $(FUZZ_SRC)/corpus/$(1) \
  > $(2)/$(1).log 2>&1 &
endef

# $(call fuzz_both,CORPORA,JSON_FLAGS,FRAME_FLAGS): both targets at once, a
# core each; fails (showing the log's end) if either found something.
define fuzz_both
mkdir -p $(1)/json $(1)/frame
@echo "json_fuzzer $(2) and frame_fuzzer $(3): logs in $(1)/json.log and $(1)/frame.log"
@trap 'kill $$json $$frame 2>/dev/null' INT TERM; \
$(call fuzz_start,json,$(1),$(2)) json=$$!; \
$(call fuzz_start,frame,$(1),$(3)) frame=$$!; \
failed=0; \
for t in json frame; do \
  if wait $${!t}; then \
    grep -E '^(Done |stat::number_of_executed_units|stat::peak_rss_mb|frame_fuzzer: [0-9])' $(1)/$$t.log; \
  else \
    failed=1; tail -60 $(1)/$$t.log; echo "$${t}_fuzzer found something: $(1)/$$t.log, $(FUZZ_DIR)/crashes/"; \
  fi; \
done; \
exit $$failed
endef

fuzz: fuzz-build test-deps build
	$(call fuzz_both,$(FUZZ_DIR)/corpus,-runs=$(FUZZ_RUNS),-runs=$(FUZZ_FRAME_RUNS))
	FUZZ_FRAMES=$(FUZZ_FRAMES) $(VENV)/bin/python -m pytest -q -rA $(E2E_DIR)/test_protocol_fuzz.py

fuzz-smoke: fuzz-build
	rm -rf $(FUZZ_DIR)/smoke
	$(call fuzz_both,$(FUZZ_DIR)/smoke,-runs=$(FUZZ_SMOKE_RUNS) -seed=1,-runs=$(FUZZ_SMOKE_RUNS) -seed=1)

# ---- containers ---------------------------------------------------------------

container-deps:
	@$(call apt_ensure,$(DEB_CONTAINER_DEPS) $(DEB_DEPS) $(DEB_TEST_DEPS))

# Debian minbase plus CONTAINER_BASE_DEBS, with no apt lists, caches or docs:
# the runtime stage then needs no network. The base's label lists them, and a
# base made with another list is made again; `podman rmi $(CONTAINER_BASE)`
# remakes it too.
CONTAINER_BASE_DEBS := liblua5.4-0 libjemalloc2 libsqlite3-0
comma := ,
empty :=
space := $(empty) $(empty)
container-base: container-deps
	@if [ "$$($(PODMAN) image inspect --format '{{index .Labels "gizmolua.debs"}}' $(CONTAINER_BASE) 2>/dev/null)" \
	     = "$(CONTAINER_BASE_DEBS)" ]; then \
	  echo "$(CONTAINER_BASE) exists"; \
	else \
	  root=$(CONTAINER_WORK)/rootfs; rm -rf "$$root"; mkdir -p $(CONTAINER_WORK); \
	  echo "debootstrap $(CONTAINER_SUITE) into $$root"; \
	  $(SUDO) debootstrap --variant=minbase --include=$(subst $(space),$(comma),$(CONTAINER_BASE_DEBS)) \
	    $(CONTAINER_SUITE) "$$root" $(CONTAINER_MIRROR) >$(CONTAINER_WORK)/debootstrap.log \
	    || { tail -20 $(CONTAINER_WORK)/debootstrap.log; exit 1; }; \
	  $(SUDO) rm -rf "$$root"/var/cache/apt/archives/*.deb "$$root"/var/cache/apt/*.bin \
	    "$$root"/var/lib/apt/lists/* "$$root"/usr/share/doc/* "$$root"/usr/share/man/* \
	    "$$root"/usr/share/info/*; \
	  $(SUDO) tar --numeric-owner -C "$$root" -c . \
	    | $(PODMAN) import --change 'LABEL gizmolua.debs="$(CONTAINER_BASE_DEBS)"' - $(CONTAINER_BASE); \
	  $(SUDO) rm -rf "$$root"; \
	fi

# The Swift runtime linked in, so the image needs only glibc, liblua5.4-0, libjemalloc2 and libsqlite3-0.
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product gizmolua

# `--format docker`: an OCI image has no field for the HEALTHCHECK.
container-image: container-base release
	install -D -s -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/gizmolua" $(CONTAINER_WORK)/gizmolua
	$(PODMAN) build --format docker $(PODMAN_LIMITS) \
	  --target prebuilt --build-arg RUNTIME_BASE=$(CONTAINER_BASE) \
	  --tag $(CONTAINER_IMAGE) .

# PostgreSQL 15 from Debian's own package with the environment of the official
# image (POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD, PGDATA), standing in for
# docker.io/library/postgres:15 in docs/deploy.md's Kubernetes example. Built
# on CONTAINER_BASE with apt (the build reaches Debian's mirror), once: its
# label holds a hash of deploy/postgres/ and of the base, and a change to
# either builds it again.
CONTAINER_POSTGRES ?= localhost/gizmolua-postgres:15
container-postgres: container-base
	@recipe="$$(cat deploy/postgres/Containerfile deploy/postgres/entrypoint.sh \
	  <($(PODMAN) image inspect --format '{{.Id}}' $(CONTAINER_BASE)) | sha256sum | cut -c1-16)"; \
	if [ "$$($(PODMAN) image inspect --format '{{index .Labels "gizmolua.recipe"}}' $(CONTAINER_POSTGRES) 2>/dev/null)" \
	     = "$$recipe" ]; then \
	  echo "$(CONTAINER_POSTGRES) exists"; \
	else \
	  $(PODMAN) build $(PODMAN_LIMITS) --build-arg BASE=$(CONTAINER_BASE) --label gizmolua.recipe=$$recipe \
	    --tag $(CONTAINER_POSTGRES) deploy/postgres; \
	fi

container-test: container-image container-postgres test-deps
	GIZMOLUA_CONTAINER_IMAGE=$(CONTAINER_IMAGE) GIZMOLUA_POSTGRES_IMAGE=$(CONTAINER_POSTGRES) \
	  $(VENV)/bin/python -m pytest -q -m container $(PYTEST_ARGS) $(E2E_DIR)/test_container.py $(E2E_DIR)/test_tutorial.py \
	  $(E2E_DIR)/test_kube.py

clean:
	rm -rf .build $(CONTAINER_WORK) $(VENV) $(E2E_DIR)/__pycache__ .pytest_cache
