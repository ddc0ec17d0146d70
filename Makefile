# Short commands in front of CMake. See README.md.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
CMAKE ?= cmake

.PHONY: all deps test test-asan test-long bench sim-bench fuzz format format-check clean \
        devnet devnet-stop

all: $(BUILD)/Makefile
	$(CMAKE) --build $(BUILD) -j$(JOBS)

$(BUILD)/Makefile:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

deps:
	bash scripts/install-deps.sh

# Everything: dependencies, build, every ctest (unit, vector, constant-time,
# fuzz corpus), then unit and vector tests again under ASan + UBSan.
test: deps
	$(MAKE) all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@echo "== NIST and draft vectors (cases per file):"
	@grep -h "cases ran" $(BUILD)/Testing/Temporary/LastTest.log || true
	$(MAKE) test-asan

test-asan:
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQNET_SANITIZE=ON \
	  -DCMAKE_C_COMPILER=gcc >/dev/null
	$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L 'unit|vector|fuzzcorpus'

# Long runs kept out of make test: the SHA-3 large-data vectors (25 GiB hashed).
test-long: all
	cd $(BUILD) && PQNET_VECTORS_LDT=1 ctest --output-on-failure -R vec_sha3

bench: all
	bash scripts/bench.sh $(BUILD)

# The simulator's five measurements (docs/SIMULATION.md): long runs, minutes
# to an hour; writes docs/sim/*.png and sim-bench/ (outputs of every run).
sim-bench: all
	bash scripts/sim-bench.sh $(BUILD)

fuzz: deps
	CC=clang $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQNET_FUZZ=ON \
	  >/dev/null
	$(CMAKE) --build $(FUZZ_BUILD) -j$(JOBS)
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# A local devnet of N nodes on 127.<i>.0.1 (docs/OPERATIONS.md): started, watched
# until every node has min(N-1, 3) peers or 30 s, then left running.
N ?= 3
devnet: all
	PQNETD=$(BUILD)/pqnetd PQNET_CLI=$(BUILD)/pqnet-cli bash scripts/devnet.sh start $(N)

devnet-stop:
	bash scripts/devnet.sh stop

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
