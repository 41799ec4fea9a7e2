/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the control socket's request parser. The server hands
 * it one line without its newline and without NUL bytes (it refuses those
 * itself), at most CTL_MAX_REQUEST bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "ctlreq.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char err[160];
	char *line;

	if (size > CTL_MAX_REQUEST || memchr(data, '\0', size) || memchr(data, '\n', size))
		return 0;
	line = xcalloc(1, size + 1);
	memcpy(line, data, size);
	if (ctl_request_parse(line, &req, err, sizeof(err)) == 0) {
		/* a service name is short, printable and has no blanks */
		if (req.cmd == CTL_CMD_RESTART && (!req.arg[0] || strpbrk(req.arg, " \t") ||
						   strlen(req.arg) > SERVICE_NAME_MAX))
			abort();
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort();
	}
	free(line);
	return 0;
}
