# The two commands: `make demo` and `make test`. Both bootstrap .venv from the machine's python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit servers clean interop toxiproxy tools accuracy constraints

# Bytecode is written (into __pycache__, ignored by git) even where the machine's environment
# says not to: the first test process compiles the sources and rewrites the tests' assertions,
# and every later one (the other tiers, each `alliance serve` a test starts) reads them back:
# collecting the unit and security tiers takes 15 s of CPU without the cache, 6 s with it.
unexport PYTHONDONTWRITEBYTECODE

# Exact versions from constraints.txt, the same here and in CI. uv (from PyPI, into .venv) installs
# them: 28 s wall and 38 s of CPU against pip's 54 s and 50 s (docs/testing.md), byte-compiled as
# pip does, since every test process imports from here.
UV_VERSION := 0.13.10
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
	  -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The development EHR (ehr_sandbox) is not part of the installed package: it runs as a module
# of this checkout.
demo: $(STAMP)
	$(BIN)/python -m ehr_sandbox.demo

# After a change to pyproject.toml's dependencies: resolve afresh and write the exact versions.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; .venv-constraints/bin/pip freeze --exclude-editable; } \
	  > constraints.txt.new && mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy app_errors smart_launch plugin ehr_sandbox
	$(BIN)/lint-imports

# axe-core for the browser tests, when npm is there (without it those tests skip, or fail in CI).
tests/browser/node_modules: tests/browser/package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --no-audit --no-fund \
	  && touch $@; fi

# The SDC renderer tier (tests/renderers): LHC-Forms and the Smart Forms renderer from npm, and the
# esbuild bundle of the Smart Forms page. Without npm that tier skips (and fails under CI=true).
# Packages only other packages' peers need are left out (--omit=peer): React Native and Expo,
# reached through fhirclient's isomorphic-webcrypto, are a third of the tree and nothing in the
# browser loads them; the bundle is the same byte for byte, and npm ci takes 66 s of CPU, not 155 s.
tests/renderers/node_modules: tests/renderers/package-lock.json tests/renderers/build.mjs \
    tests/renderers/smart-forms-entry.jsx
	if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/renderers --no-audit --no-fund --omit=peer \
	  && npm run --prefix tests/renderers --silent build && touch $@; fi

# The interop tier's servers (tests/interop): our HAPI FHIR JPA launcher, built once with Maven
# (downloads cached in ~/.m2), and oidc-provider from npm. Without java/mvn/node those tests
# skip loudly (and fail under CI=true).
INTEROP_JAR := tests/interop/hapi/target/hapi-interop.jar
$(INTEROP_JAR): tests/interop/hapi/pom.xml $(wildcard tests/interop/hapi/src/main/java/org/alliancepanel/interop/*.java)
	if command -v mvn >/dev/null 2>&1; then cd tests/interop/hapi && mvn -q -B package; fi

tests/interop/oidc/node_modules: tests/interop/oidc/package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/interop/oidc --no-audit --no-fund \
	  && touch $@; fi

interop: $(INTEROP_JAR) tests/interop/oidc/node_modules

# Toxiproxy for the fault tier (tests/faults, benchmarks/): built from the Go module proxy into
# .tools/bin (Go's toolchain from apt when missing: .ci/run does that). Without go the tier skips.
TOXIPROXY := .tools/bin/toxiproxy-server
$(TOXIPROXY):
	if command -v go >/dev/null 2>&1; then \
	  GOBIN=$(CURDIR)/.tools/go-bin go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0 \
	  && mkdir -p .tools/bin && mv .tools/go-bin/server $@; fi

toxiproxy: $(TOXIPROXY)

# What the tiers with real servers need beyond .venv (each skips without its tool).
tools: tests/browser/node_modules tests/renderers/node_modules interop toxiproxy

# The unit and security tiers (markers set from each test's folder by conftest.py): no servers
# but the tests' own in-process fakes, on two processes (pytest-xdist), a whole file to one of
# them: a module's fixtures (the sandbox's cohort, alliance histories included) are built once,
# not once per process. Four processes take as long on two cores and a quarter more CPU, which
# `make test` spends beside them installing the servers' tools (docs/testing.md).
# (`--dist loadgroup` would do nothing here: xdist 3.8 names its groups in a node id attribute
# pytest 9 no longer reads.)
UNIT_TIERS := -m "unit or security"
UNIT_WORKERS := 2
# Their temporary folders (SQLite session stores, audit logs, the sandbox's store) in memory
# where the machine has /dev/shm: the fsyncs of thousands of small transactions are waits on
# the disk, not something these tiers prove (the crash tests with real servers keep the disk).
FAST_TMP := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm)
UNIT_ENV := $(if $(FAST_TMP),TMPDIR=$(FAST_TMP))

unit: $(STAMP)
	$(UNIT_ENV) $(BIN)/pytest -n $(UNIT_WORKERS) --dist loadfile $(UNIT_TIERS)

# The tiers with real servers, in three processes side by side, each one test at a time: these
# tests mostly wait on servers (two processes left a core idle a third of the time). One runs
# every test that needs HAPI FHIR (the marker `hapi`: the interop and renderer tiers, around the
# one HAPI they share); one the browser, packaging, scale and fault tiers; one the rest (e2e,
# the server processes of tests/plugin, the benchmarks, and the key-rotation test, which needs
# only oidc-provider and waits 70 s on its JWKS cache). About as long as each other
# (docs/testing.md). The last prints as it goes, the others when they are done; any failing
# fails the target. They share nothing but the machine: every server they start takes a free
# port and a folder of its own.
HAPI_GROUP := hapi
BROWSER_GROUP := (browser or packaging or scale or faults) and not hapi
REST_GROUP := not (unit or security or hapi or browser or packaging or scale or faults)
servers: $(STAMP) tools
	@hapi_log=$$(mktemp); browser_log=$$(mktemp); \
	$(BIN)/pytest -p no:cacheprovider -m "$(HAPI_GROUP)" >$$hapi_log 2>&1 & hapi=$$!; \
	$(BIN)/pytest -p no:cacheprovider -m "$(BROWSER_GROUP)" >$$browser_log 2>&1 & browser=$$!; \
	$(BIN)/pytest -m "$(REST_GROUP)"; rest=$$?; \
	wait $$hapi; hapi_rc=$$?; wait $$browser; browser_rc=$$?; \
	echo "================ the tests that need HAPI: -m '$(HAPI_GROUP)' ================"; \
	cat $$hapi_log; \
	echo "================ -m '$(BROWSER_GROUP)' ================"; \
	cat $$browser_log; rm -f $$hapi_log $$browser_log; \
	echo "make servers: exit $$hapi_rc (HAPI), $$browser_rc (browser, packaging, scale, faults), $$rest (the rest)"; \
	[ $$hapi_rc -eq 0 ] && [ $$browser_rc -eq 0 ] && [ $$rest -eq 0 ]

# The servers' tools (npm, Maven, Go: about 1 min in a fresh clone) installed from the start,
# beside .venv's install and then beside the unit and security tiers; either failing stops the
# run before the tiers with real servers. Lint (mypy is one process) runs beside the tiers with
# real servers, which leave a core idle about a tenth of the time; its output follows theirs.
test:
	@tools_log=$$(mktemp); lint_log=$$(mktemp); \
	$(MAKE) --no-print-directory tools >$$tools_log 2>&1 & tools=$$!; \
	$(MAKE) --no-print-directory $(STAMP) || { wait $$tools; cat $$tools_log; exit 1; }; \
	$(UNIT_ENV) $(BIN)/pytest -n $(UNIT_WORKERS) --dist loadfile $(UNIT_TIERS); unit=$$?; \
	wait $$tools; tools_rc=$$?; \
	echo "================ the servers' tools ================"; cat $$tools_log; \
	echo "make test: tools exit $$tools_rc; the unit and security tiers exit $$unit"; \
	[ $$tools_rc -eq 0 ] && [ $$unit -eq 0 ] || { rm -f $$tools_log $$lint_log; exit 1; }; \
	$(MAKE) --no-print-directory lint >$$lint_log 2>&1 & lint=$$!; \
	$(MAKE) --no-print-directory servers; servers=$$?; \
	wait $$lint; lint_rc=$$?; \
	echo "================ lint ================"; cat $$lint_log; rm -f $$tools_log $$lint_log; \
	echo "make test: lint exit $$lint_rc; make servers exit $$servers"; \
	[ $$lint_rc -eq 0 ] && [ $$servers -eq 0 ]

# Alert accuracy on simulated clients (docs/alert-accuracy.md): the full run; its short form runs in `test`.
accuracy: $(STAMP)
	$(BIN)/python benchmarks/alert_accuracy.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .tools
