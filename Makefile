# The two commands a fresh Debian 12 machine needs:
#   make run    install what is missing, build the map page, start the private PostGIS,
#               load geodata/, serve the API and the page on :8080
#   make test   the same set-up, then every check and test, the map page's in a real browser
# With DATABASE_URL set, both use that database and start no cluster.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

PLOTLINE_LISTEN ?= 127.0.0.1:8080
export PLOTLINE_LISTEN

.PHONY: run test stop deps build web lint fuzz qgis-check browser-test bench db-status psql

deps:
	@scripts/install-deps.sh

build: deps
	cargo build --release --locked

# The map page: web/dist from web/src and MapLibre from npm (package-lock.json).
web: deps
	cd web && npm ci --no-audit --no-fund && npm run build

run: build web
	scripts/with-db.sh bash -c 'target/release/plotline import geodata && exec target/release/plotline serve'

lint: deps
	cargo fmt --all --check
	cargo clippy --locked --all-targets -- -D warnings

test: lint web
	scripts/with-db.sh scripts/with-replica.sh cargo test --locked --all-targets
	cargo build --locked
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory qgis-check
	$(MAKE) --no-print-directory browser-test

# The API against its own OpenAPI definition: schemathesis (PyPI) in .local/fuzz-venv.
fuzz:
	scripts/with-db.sh env PLOTLINE_BIN=target/debug/plotline scripts/fuzz-api.sh

# QGIS 3.22 (Debian's python3-qgis, installed when missing) headless against the debug binary:
# every collection through its OGC API – Features provider, and the GeoPackage exports.
qgis-check:
	scripts/with-db.sh env PLOTLINE_BIN=target/debug/plotline scripts/qgis-check.sh

# The map page in Debian's Chromium against the debug binary (scripts/browser-test.sh).
browser-test:
	scripts/with-db.sh env PLOTLINE_BIN=target/debug/plotline scripts/browser-test.sh

# plotline against tipg, Martin and raw PostGIS on 1,000,000 plots (bench/README.md); writes
# bench/RESULTS.md. Not part of `make test`. BENCH_SECONDS=3 for a quick look.
bench: deps web
	scripts/with-db.sh scripts/bench.sh

stop:
	@scripts/replica.sh stop 2>/dev/null || true
	@scripts/db.sh stop

db-status:
	@scripts/db.sh status

psql:
	@scripts/db.sh psql
