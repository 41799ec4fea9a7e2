# SPDX-License-Identifier: GPL-2.0-or-later
# The unit and integration suites again, with oobd, the helpers and the unit
# tests built with AddressSanitizer and UndefinedBehaviorSanitizer in their
# own build directory. Included by the Makefile.
#
#   make check-asan
#
# Every instrumented process writes its reports to a file of its own under
# $(ASAN_BUILD)/sanitizer-logs (log_path: the integration tests' processes
# live in sandboxes whose stderr may go nowhere a human sees), stops at the
# first error, and checks for leaks at exit. The run fails when a suite fails
# or when any report file is non-empty. Programs that are not instrumented
# (sshd, ip, ssh) ignore these variables.

ASAN_BUILD ?= build-asan
# clang: with gcc, UBSan's reports ignore log_path in a binary that also
# has ASan, and would only reach stderr.
SAN_CC ?= clang
SAN_LOG_DIR = $(abspath $(ASAN_BUILD))/sanitizer-logs
SAN_ENV = ASAN_OPTIONS=log_path=$(SAN_LOG_DIR)/asan:log_exe_name=1:halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1 \
	  UBSAN_OPTIONS=log_path=$(SAN_LOG_DIR)/ubsan:log_exe_name=1:halt_on_error=1:print_stacktrace=1 \
	  LSAN_OPTIONS=log_path=$(SAN_LOG_DIR)/lsan:log_exe_name=1

.PHONY: check-asan
CHECK_EXTRA += check-asan

check-asan:
	rm -rf $(SAN_LOG_DIR)
	mkdir -p $(SAN_LOG_DIR)
	$(MAKE) CC=$(SAN_CC) BUILD=$(ASAN_BUILD) SAN=1 all $(UNIT_SRCS:tests/unit/%.c=$(ASAN_BUILD)/unit/%)
	@st=0; \
	$(SAN_ENV) $(MAKE) CC=$(SAN_CC) BUILD=$(ASAN_BUILD) SAN=1 unit || st=1; \
	$(SAN_ENV) $(MAKE) CC=$(SAN_CC) BUILD=$(ASAN_BUILD) SAN=1 integration || st=1; \
	for f in $(SAN_LOG_DIR)/*; do \
		[ -s "$$f" ] || continue; \
		echo "==== sanitizer report $$f"; cat "$$f"; st=1; \
	done; \
	if [ $$st -ne 0 ]; then echo "check-asan: FAILED"; exit 1; fi; \
	echo "check-asan: no sanitizer reports"
