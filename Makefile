# The two entry points a new user needs: `make demo` and `make test`.
# Both install the Debian packages they need first (scripts/setup).

GO        ?= go
DEMO_DIR  ?= $(CURDIR)/demo
TEST_ARGS ?= -timeout 25m

.PHONY: setup demo test build bench fuzz

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
