# SPDX-License-Identifier: GPL-2.0-or-later
# oobd: out-of-band management path supervisor.
#
#   make                 build into build/
#   make check           (as root) install test dependencies, build, run unit
#                        and integration tests (each in its own sandbox)
#   make demo            (as root) show the whole path working, in a sandbox
#   make install DESTDIR=... PREFIX=/usr

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= /lib/systemd/system
BASHCOMPDIR ?= /usr/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/oobd
DESTDIR ?=

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
       -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Isrc
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS)
# libip4tc and libip6tc are loaded when needed (dlopen, src/firewall.c):
# only their headers are needed to build. inih (two small functions, the
# config parser) is linked in: one shared object fewer to map, relocate
# and keep resident, and one fewer for an initramfs to carry.
LIBS = -pthread -lmnl -Wl,-Bstatic -linih -Wl,-Bdynamic
ifeq ($(SAN),1)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# Every src/*.c but the programs' mains is library code.
MAIN_SRCS = src/oobd.c src/nsenter-main.c src/nsenter-oob.c src/oobctl.c
LIB_SRCS = $(filter-out $(MAIN_SRCS),$(wildcard src/*.c))
LIB_OBJS = $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
PROGS = $(BUILD)/oobd $(BUILD)/oobctl $(BUILD)/nsenter-main $(BUILD)/nsenter-oob
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
# Helper programs of the integration tests (tests/lib.sh finds them in
# $(BUILD)/tests).
TEST_TOOLS = $(BUILD)/tests/xthash $(BUILD)/tests/nobind

.PHONY: all clean check unit integration deps demo install
all: $(PROGS)

# Further suites (sanitizers, fuzzing, static analysis, benchmarks) live in
# tests/*.mk; each may add targets to CHECK_EXTRA, run last by "make check".
CHECK_EXTRA =
-include $(sort $(wildcard tests/*.mk))

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/liboobd.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/oobd: $(BUILD)/oobd.o $(BUILD)/liboobd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/oobctl: $(BUILD)/oobctl.o $(BUILD)/liboobd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/nsenter-main: $(BUILD)/nsenter-main.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/nsenter-oob: $(BUILD)/nsenter-oob.o $(BUILD)/liboobd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/liboobd.a $(wildcard src/*.h tests/unit/*.h) | $(BUILD)/unit
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/liboobd.a $(LIBS) -lcmocka

$(BUILD)/tests/%: tests/%.c $(BUILD)/liboobd.a $(wildcard src/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liboobd.a $(LIBS)

$(BUILD) $(BUILD)/unit $(BUILD)/tests:
	mkdir -p $@

deps:
	@tests/deps.sh

unit: $(UNIT_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_BINS)

integration: all $(TEST_TOOLS)
	OOBD_BUILD=$(abspath $(BUILD)) prove --exec bash $(PROVE_FLAGS) tests/*.t

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(if $(strip $(CHECK_EXTRA)),$(MAKE) $(CHECK_EXTRA))

demo: deps all
	@tests/demo.sh $(abspath $(BUILD))

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/oobd \
	        $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	        $(DESTDIR)$(SYSCONFDIR)/iproute2/rt_protos.d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BUILD)/oobd $(BUILD)/oobctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/nsenter-main $(BUILD)/nsenter-oob $(DESTDIR)$(BINDIR)/
	for f in oobd.conf sshd_config firewall-v4.rules firewall-v6.rules; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/oobd/$$f ] || install -m 0600 conf/$$f $(DESTDIR)$(SYSCONFDIR)/oobd/$$f; \
	done
	[ -e $(DESTDIR)$(SYSCONFDIR)/iproute2/rt_protos.d/oobd.conf ] || \
	  install -m 0644 conf/rt_protos.oobd.conf $(DESTDIR)$(SYSCONFDIR)/iproute2/rt_protos.d/oobd.conf
	install -m 0644 docs/oobd.8 $(DESTDIR)$(MANDIR)/man8/oobd.8
	install -m 0644 docs/oobd.conf.5 $(DESTDIR)$(MANDIR)/man5/oobd.conf.5
	install -m 0644 docs/nsenter-main.1 docs/nsenter-oob.1 $(DESTDIR)$(MANDIR)/man1/
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/oobd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/oobd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/oobd.service
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)
	install -m 0644 docs/oobctl.8 $(DESTDIR)$(MANDIR)/man8/oobctl.8
	install -m 0644 conf/oobctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/oobctl
	sed 's|/usr/sbin/oobctl|$(SBINDIR)/oobctl|' systemd/oobd-metrics.service > $(DESTDIR)$(SYSTEMDUNITDIR)/oobd-metrics.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/oobd-metrics.service
	install -m 0644 systemd/oobd-metrics.timer $(DESTDIR)$(SYSTEMDUNITDIR)/oobd-metrics.timer
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf build build-*
