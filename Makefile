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

# The reports of the demo chat and of the sample chat, in both languages and kinds, with every page as a PNG to look
# at: build/report-pages/<name>/{relazione.pdf,p-*.png}.
.PHONY: report-pages
report-pages:
	$(GO) test -count=1 ./report -run 'TestDemoChatGolden|TestPagesRender' -args -dump $(CURDIR)/build/report-pages

# The performance benchmarks of the Android path against the peers, on a generated backup of 1,000,000 messages
# (minutes, a few GB in $$TMPDIR): writes BENCHMARKS.md. Not part of `make test`.
bench:
	GO=$(GO) ./scripts/bench

# The performance benchmark of the iPhone path: an encrypted backup of 2 GB of media and 1,000,000 messages, decrypted
# by attesta, openssl and iphone_backup_decrypt (its source in BENCH_PEER_SRC) and its listed chats certified
# (minutes, 4 GB in $$TMPDIR at the peak): writes its section of BENCHMARKS.md. Not part of `make test`.
.PHONY: bench-ios
bench-ios:
	GO=$(GO) ./scripts/bench-ios

# The recipient's verifier, pure Go (no cgo), for the platforms recipients use: build/attesta-verify-<os>-<arch>.
VERIFIER_PLATFORMS ?= linux/amd64 windows/amd64 darwin/arm64 darwin/amd64
.PHONY: verifier
verifier:
	@mkdir -p build
	@set -e; for p in $(VERIFIER_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "build/attesta-verify-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -o build/attesta-verify-$$os-$$arch$$ext ./cmd/attesta-verify; \
	done

# Every fuzz target, one at a time, FUZZTIME each (FUZZTIME_PARSERS for the parsers of outside data listed in
# scripts/fuzz); the inputs it finds are kept in each package's testdata/fuzz/. Fails with the crasher's path.
FUZZTIME         ?= 2m
FUZZTIME_PARSERS ?= 10m
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZTIME_PARSERS=$(FUZZTIME_PARSERS) ./scripts/fuzz

# The short pass for CI: 5 s per target, nothing kept.
fuzz-short:
	GO=$(GO) FUZZTIME=5s FUZZTIME_PARSERS=5s FUZZ_KEEP=no ./scripts/fuzz

# The appliance OS image (image/, README "Appliance image"): build/attesta.img and what comes with it, booted under
# qemu (TCG) + swtpm with Secure Boot by image-test. Both run as root; setup-image installs their Debian packages.
.PHONY: setup-image image image-repro image-test image-ci
setup-image:
	./scripts/setup --image

image: setup-image
	./image/build.sh

# Two builds from the same commit (and keys) must give the same bytes.
image-repro: setup-image
	./image/repro.sh

image-test: setup-image
	./image/test.sh

# CI's image check: the build and the short boot test (no second boot), timed. IMAGE_DEBCACHE keeps the .deb files
# between builds (default build/debcache).
image-ci: setup-image
	./image/ci.sh

# A/B updates under qemu (image/update-test.sh): the factory image updated from a USB stick to a second image built
# from the same tree (blessed after its self-test), then a broken one (the fall-back to the old slot), each step
# journaled. UPDATE_TEST_BUILD=1 builds the three images (versions 1.0.0, 1.0.1, 1.0.2) first.
.PHONY: image-update-test image-powercut image-powercut-short
image-update-test: setup-image
	UPDATE_TEST_BUILD=$${UPDATE_TEST_BUILD-1} ./image/update-test.sh

# Power cuts (image/powercut.sh): 50 rounds of appends through the public API killed by SIGKILL at random moments,
# the journal checked after every reboot; the result is recorded in image/powercut-results.txt. The short version
# (3 rounds, build/powercut-results.txt) is what CI runs.
image-powercut: setup-image
	POWERCUT_BUILD=$${POWERCUT_BUILD-1} POWERCUT_ROUNDS=$${POWERCUT_ROUNDS:-50} POWERCUT_RESULTS=image/powercut-results.txt ./image/powercut.sh

image-powercut-short: setup-image
	POWERCUT_BUILD=$${POWERCUT_BUILD-1} POWERCUT_ROUNDS=3 ./image/powercut.sh

# The mirror's scale benchmark (mirror/bench_test.go): 10 simulated appliances × 100,000 leaves and 10 GB of blobs
# mirrored to one MinIO; writes build/bench-mirror.txt. Sizes: BENCH_MIRROR_APPLIANCES, _LEAVES, _BLOB_BYTES.
# Minutes and ~25 GB in $$TMPDIR. Not part of `make test`.
BENCH_MIRROR_APPLIANCES  ?= 10
BENCH_MIRROR_LEAVES      ?= 100000
BENCH_MIRROR_BLOB_BYTES  ?= 10737418240
.PHONY: bench-mirror test-mirror-long
bench-mirror: setup
	@mkdir -p build
	ATTESTA_BENCH_MIRROR=1 ATTESTA_BENCH_APPLIANCES=$(BENCH_MIRROR_APPLIANCES) ATTESTA_BENCH_LEAVES=$(BENCH_MIRROR_LEAVES) \
		ATTESTA_BENCH_BLOB_BYTES=$(BENCH_MIRROR_BLOB_BYTES) ATTESTA_BENCH_OUT=$(CURDIR)/build/bench-mirror.txt \
		$(GO) test -count=1 -timeout 2h -run '^TestScaleBenchmark$$' -v ./mirror/

# The kill test's long version: the box SIGKILLed 200 times while mirroring, the object store stopped at random.
MIRROR_KILLS ?= 200
test-mirror-long: setup
	ATTESTA_MIRROR_ROUNDS=$(MIRROR_KILLS) $(GO) test -count=1 -timeout 2h -run '^TestKillDuringMirroring$$' -v ./mirror/
