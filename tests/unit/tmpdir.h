/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A scratch directory for a unit test group: made by tmpdir_setup (under
 * /tmp, root-owned 0700 when run as root), removed with all it holds by
 * tmpdir_teardown. Its path is tmpdir. */
#ifndef OOBD_TEST_TMPDIR_H
#define OOBD_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/oobd-unit-XXXXXX";

static int tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
	char cmd[sizeof(tmpdir) + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
