# plumb — the two commands a newcomer needs: `make run` and `make test`.
# Everything else is CMake (build/ for the normal build, build-asan/ for ASan+UBSan).
LISTEN ?= 127.0.0.1:7711
DATA   ?= ./plumb-data
ARGS   ?=
JOBS   ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: all deps build run test test-deps test-unit test-asan fuzz bench clean

all: build

deps:
	@tools/install-deps

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@ninja -C build

run: build
	./build/plumb serve --listen $(LISTEN) --data $(DATA) $(ARGS)

# Every test: unit, data, fuzz-corpus replays and API tests on the normal build, then the whole
# suite again under ASan+UBSan.
test: build test-deps test-unit test-asan

test-deps:
	@tools/install-deps --test

test-unit:
	ctest --test-dir build -j$(JOBS) --output-on-failure --timeout 900

test-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPL_SANITIZE=ON >/dev/null
	@ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  PL_ASAN=1 ctest --test-dir build-asan -j$(JOBS) --output-on-failure --timeout 1800

# libFuzzer targets (clang), each run for FUZZ_SECONDS on top of its committed corpus.
fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPL_FUZZ=ON -DPL_SANITIZE=ON >/dev/null
	@ninja -C build-fuzz
	@set -e; for f in build-fuzz/tests/fuzz/fuzz_*; do \
	  [ -x "$$f" ] || continue; n=$$(basename $$f); c=tests/fuzz/corpus/$${n#fuzz_}; \
	  mkdir -p /tmp/plumb-fuzz/$$n; echo "fuzz: $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=0 /tmp/plumb-fuzz/$$n $$c >/tmp/plumb-fuzz/$$n.log 2>&1 \
	    || { tail -40 /tmp/plumb-fuzz/$$n.log; exit 1; }; done

bench: build
	@echo "benchmarks: see docs/PERFORMANCE.md for each command"

clean:
	rm -rf build build-asan build-fuzz
