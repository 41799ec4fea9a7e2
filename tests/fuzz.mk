# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzzing with libFuzzer (clang), included by the Makefile.
#
#   make fuzz [FUZZ_SECONDS=60]    build every harness and fuzz each for
#                                  FUZZ_SECONDS, after a regression run of
#                                  its checked-in corpus
#   make fuzz-config               one harness
#
# A harness is tests/fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput), seeded from
# tests/fuzz/corpus/NAME/, with an optional dictionary tests/fuzz/NAME.dict.
# Adding one is one line here:
FUZZ_HARNESSES += config
FUZZ_HARNESSES += firewall
FUZZ_HARNESSES += control
FUZZ_HARNESSES += sshd_config
FUZZ_HARNESSES += keys
#
# The library sources are compiled separately for the fuzzer, with clang,
# coverage and ASan+UBSan, into $(FUZZ_BUILD). Any crash, sanitizer report,
# leak or timeout fails the run; the input that caused it is copied into the
# harness's corpus as regress-*, to be committed with the fix so that every
# later run (and the regression run) replays it. New interesting inputs
# found along the way go to $(FUZZ_BUILD)/corpus-NAME (not committed).

FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 $(WARN) -O1 -g $(FUZZ_SAN)
# Leaks count; every finding exits 77; one input may take at most 10 s.
FUZZ_FLAGS = -error_exitcode=77 -timeout=10 -timeout_exitcode=77 -detect_leaks=1 -rss_limit_mb=2048 \
	     -print_final_stats=1
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1 \
	   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

FUZZ_LIB_OBJS = $(LIB_SRCS:src/%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build $(FUZZ_HARNESSES:%=fuzz-%)
CHECK_EXTRA += fuzz

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_HARNESSES:%=fuzz-%)

$(FUZZ_BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(FUZZ_BUILD)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/liboobd.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/liboobd.a $(wildcard src/*.h) | $(FUZZ_BUILD)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/liboobd.a $(LIBS)

$(FUZZ_BUILD):
	mkdir -p $@

# The regression run replays every checked-in input once (-runs=0); then
# the fuzzing proper, for FUZZ_SECONDS.
$(FUZZ_HARNESSES:%=fuzz-%): fuzz-%: $(FUZZ_BUILD)/fuzz_%
	@set -e; name=$*; corpus=tests/fuzz/corpus/$$name; work=$(FUZZ_BUILD)/corpus-$$name; \
	art=$(FUZZ_BUILD)/artifacts-$$name; dict=; \
	[ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
	mkdir -p $$work $$art; rm -f $$art/*; \
	echo "fuzz $$name: regression run of $$corpus"; \
	st=0; $(FUZZ_ENV) $< $(FUZZ_FLAGS) $$dict -runs=0 -artifact_prefix=$$art/ $$corpus \
		> $(FUZZ_BUILD)/fuzz-$$name.log 2>&1 || st=$$?; \
	if [ $$st -eq 0 ]; then \
		echo "fuzz $$name: fuzzing for $(FUZZ_SECONDS) s"; \
		$(FUZZ_ENV) $< $(FUZZ_FLAGS) $$dict -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$$art/ \
			$$work $$corpus >> $(FUZZ_BUILD)/fuzz-$$name.log 2>&1 || st=$$?; \
	fi; \
	if [ $$st -ne 0 ]; then \
		tail -n 60 $(FUZZ_BUILD)/fuzz-$$name.log; \
		for f in $$art/*; do \
			[ -f "$$f" ] || continue; \
			known=; for c in $$corpus/*; do cmp -s "$$f" "$$c" && known=$$c; done; \
			if [ -n "$$known" ]; then echo "fuzz $$name: FAILED on $$known"; continue; fi; \
			cp "$$f" $$corpus/regress-$$(basename "$$f"); \
			echo "fuzz $$name: FAILED on $$f; added as $$corpus/regress-$$(basename "$$f") (commit it with the fix)"; \
		done; \
		echo "fuzz $$name: FAILED (exit $$st), log in $(FUZZ_BUILD)/fuzz-$$name.log"; exit 1; \
	fi; \
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' $(FUZZ_BUILD)/fuzz-$$name.log | tr '\n' ' '; echo; \
	echo "fuzz $$name: ok"
