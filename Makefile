# The two commands a fresh Debian 12 machine needs:
#   make run    install what is missing, start the private PostGIS, load geodata/, serve on :8080
#   make test   the same set-up, then every check and test
# With DATABASE_URL set, both use that database and start no cluster.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

PLOTLINE_LISTEN ?= 127.0.0.1:8080
export PLOTLINE_LISTEN

.PHONY: run test stop deps build lint db-status psql

deps:
	@scripts/install-deps.sh

build: deps
	cargo build --release --locked

run: build
	scripts/with-db.sh bash -c 'target/release/plotline import geodata && exec target/release/plotline serve'

lint: deps
	cargo fmt --all --check
	cargo clippy --locked --all-targets -- -D warnings

test: lint
	scripts/with-db.sh cargo test --locked --all-targets

stop:
	@scripts/db.sh stop

db-status:
	@scripts/db.sh status

psql:
	@scripts/db.sh psql
