/*
 * Entry header for jextract. pkg-config's cflags for libdpdk carry `-include rte_config.h`,
 * which jextract cannot take; including it first here has the same effect.
 */
#include <rte_config.h>
#include "vswitch_shim.h"
