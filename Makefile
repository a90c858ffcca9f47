# The two entry points a new user needs: `make demo` and `make test`.
# Both install the Debian packages they need first (scripts/setup).

GO        ?= go
DEMO_DIR  ?= $(CURDIR)/demo
TEST_ARGS ?= -timeout 25m

.PHONY: setup demo test build bench fuzz fuzz-short

setup:
	./scripts/setup

build:
	$(GO) build -o attesta ./cmd/attesta

demo: setup build
	./attesta demo --dir $(DEMO_DIR)

test: setup
	$(GO) vet ./...
	$(GO) test $(TEST_ARGS) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Every fuzz target, one at a time, FUZZTIME each (FUZZTIME_PARSERS for the parsers of outside data listed in
# scripts/fuzz); the inputs it finds are kept in each package's testdata/fuzz/. Fails with the crasher's path.
FUZZTIME         ?= 2m
FUZZTIME_PARSERS ?= 10m
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZTIME_PARSERS=$(FUZZTIME_PARSERS) ./scripts/fuzz

# The short pass for CI: 5 s per target, nothing kept.
fuzz-short:
	GO=$(GO) FUZZTIME=5s FUZZTIME_PARSERS=5s FUZZ_KEEP=no ./scripts/fuzz
