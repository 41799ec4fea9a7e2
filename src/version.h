/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_VERSION
#define OOBD_VERSION "0.1.0"
#endif
