# Sheratan: `make run` and `make test` work on a fresh Debian machine; both install
# what is missing first (make deps, idempotent).
PREFIX    ?= /usr/local
BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages: build, libraries, and what the tests use.
DEPS := build-essential cmake pkg-config libcli11-dev libsqlite3-dev nlohmann-json3-dev \
        libuv1-dev libsodium-dev libcurl4-openssl-dev libcpp-httplib-dev catch2 bats jq curl sqlite3 mandoc python3 procps time strace

# The status page's test drives Debian's Chromium through playwright-core (npm, pinned
# in tests/browser/package-lock.json); only `make test` installs them.
BROWSER_DEPS := chromium nodejs

# The fuzzers need clang and its runtime; only `make fuzz` installs them.
FUZZ_DEPS := clang libclang-rt-dev
FUZZ      ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps browser-deps build build-asan run test test-fast test-asan bench fuzz install clean format

all: build

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

browser-deps:
	@$(MAKE) --no-print-directory deps DEPS="$(BROWSER_DEPS)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEPS=npm  # Debian's, when the machine has none
	[ -d tests/browser/node_modules/playwright-core ] || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN)/CMakeCache.txt:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DSHERATAN_SANITIZE=ON $(CMAKE_FLAGS)

# What the tests run, and no more: the benchmarks are not run sanitized.
TEST_TARGETS := unit-tests $(addprefix sheratan-,queue worker ledger state probe serve) \
                $(addprefix replay-,jsonl gates ledger)

build-asan: deps $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j $(JOBS) --target $(TEST_TARGETS)

run: build
	scripts/demo.sh $(BUILD)

# Every test, on the normal build and again under AddressSanitizer + UBSan.
test: build build-asan browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)
	scripts/lint-man.sh

test-fast: build browser-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	tests/bench/run.sh $(BUILD)

# Each libFuzzer target runs FUZZ_SECONDS on a copy of its seeds (tests/fuzz/TARGET/);
# a crash is written to $(FUZZ)/ and makes this fail: add it to
# tests/fuzz/TARGET/regressions/, where `make test` replays it from then on.
fuzz:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) $(FUZZ_DEPS)"
	[ -f $(FUZZ)/CMakeCache.txt ] || CC=clang CXX=clang++ cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSHERATAN_FUZZ=ON -DSHERATAN_WERROR=OFF -DBUILD_TESTING=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ) -j $(JOBS) --target fuzz-jsonl fuzz-gates fuzz-ledger
	for target in jsonl gates ledger; do \
	  mkdir -p $(FUZZ)/corpus-$$target && cp -n tests/fuzz/$$target/corpus/* $(FUZZ)/corpus-$$target/ && \
	  $(FUZZ)/fuzz-$$target -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ)/$$target- $(FUZZ)/corpus-$$target tests/fuzz/$$target/regressions || exit 1; \
	done

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
