# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks: "make bench" (as root). Not part of "make check": benchmarks
# measure, tests assert. Each figure runs in a throw-away sandbox like the
# integration tests; see docs/performance.md. Results: $(BUILD)/bench.json.
#
#   make bench                     everything (a few minutes)
#   make bench BENCH_REPS=5        fewer repetitions
#   make bench BENCH_ONLY="1 2"    only some figures

BENCH_TOOLS = $(BUILD)/bench/benchtool $(BUILD)/bench/mark-sshd
BENCH_REPS ?= 10
BENCH_ONLY ?=

.PHONY: bench bench-tools
bench: deps
	$(MAKE) all bench-tools
	OOBD_BUILD=$(abspath $(BUILD)) BENCH_REPS=$(BENCH_REPS) BENCH_ONLY="$(BENCH_ONLY)" \
		BENCH_JSON=$(abspath $(BUILD))/bench.json bash bench/run.sh

bench-tools: $(BENCH_TOOLS)

$(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lmnl

$(BUILD)/bench:
	mkdir -p $@
