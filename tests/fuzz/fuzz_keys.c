/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: an authorized keys file read as sshd reads it
 * (sshd_login_check in sshd.c, authkeys.c: each option and its value,
 * quoted or not, the key type, its base64 blob and the blob's fields). The input is the file,
 * named by an sshd config in a scratch directory as both
 * AuthorizedKeysFile and TrustedUserCAKeys. What it says must name the
 * file, or be empty; nothing may leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/oobd-fuzz-keys-XXXXXX";
static char keys_path[64], conf_path[64];

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char keys[2048], root[1024], conf[256];
	int n;

	if (!keys_path[0]) {
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		snprintf(keys_path, sizeof(keys_path), "%s/keys", dir);
		snprintf(conf_path, sizeof(conf_path), "%s/sshd_config", dir);
		n = snprintf(conf, sizeof(conf), "PermitRootLogin no\nAuthorizedKeysFile %s\nTrustedUserCAKeys %s\n",
			     keys_path, keys_path);
		if (write_file_atomic(conf_path, conf, (size_t)n, 0600) < 0)
			abort();
	}
	if (write_file_atomic(keys_path, (const char *)data, size, 0600) < 0)
		abort();
	sshd_login_check(conf_path, keys, sizeof(keys), root, sizeof(root));
	if (keys[0] && strncmp(keys, keys_path, strlen(keys_path)) != 0)
		abort();
	if (root[0])
		abort();
	return 0;
}
