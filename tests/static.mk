# SPDX-License-Identifier: GPL-2.0-or-later
# Static analysis of src/, included by the Makefile:
#
#   make lint        cppcheck and clang-tidy; any finding fails
#
# clang-tidy's checks and the reasons for the ones left out are in
# .clang-tidy; cppcheck's suppressions, each with its reason, in
# tests/cppcheck.supp. In the code, a finding that is wrong is silenced
# where it stands, with the reason beside it (NOLINT(check): why, or
# cppcheck-suppress ID).

CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINT_JOBS ?= 2
LINT_SRCS = $(sort $(wildcard src/*.c))

.PHONY: lint lint-cppcheck lint-tidy
CHECK_EXTRA += lint

lint: lint-cppcheck lint-tidy

lint-cppcheck:
	$(CPPCHECK) --quiet --std=c11 --enable=warning,style,performance,portability --inline-suppr \
		--error-exitcode=1 -D_GNU_SOURCE -Isrc --suppress=missingIncludeSystem \
		--suppressions-list=tests/cppcheck.supp $(LINT_SRCS)
	@echo "cppcheck: no findings"

# One file per clang-tidy run: clang-tidy 14's analyzer carries state from
# one file to the next within a run (false va_list reports otherwise).
lint-tidy:
	@mkdir -p $(BUILD)/lint
	@printf '%s\n' $(LINT_SRCS) | xargs -P $(LINT_JOBS) -I{} sh -c \
		'log=$(BUILD)/lint/$$(basename "$$1").log; \
		 $(CLANG_TIDY) --quiet "$$1" -- -std=gnu11 $(CPPFLAGS) > "$$log" 2>&1 || { sed -n "/^\//,\$$p" "$$log"; exit 1; }' sh {}
	@echo "clang-tidy: no findings in $(words $(LINT_SRCS)) files"
