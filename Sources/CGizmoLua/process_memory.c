#include "gizmolua.h"

#include <stddef.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The gizmolua executable is linked with jemalloc (Debian's libjemalloc.a,
 * see Package.swift). glibc's allocator keeps what 500 ended sessions freed
 * in its per-thread arenas, a dozen MiB that malloc_trim does not give back;
 * jemalloc returns dirty pages a second after they are freed, from its own
 * background thread, so an idle server's RSS comes back after a wave of
 * sessions. This string is jemalloc's compile-time configuration; where
 * jemalloc is not linked (the unit tests), it is an unused string. */
const char *malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

/* jemalloc's control call, when it is linked in; weak, so that the unit
 * tests, which run on glibc's allocator, link without it. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

void gz_trim_process_memory(void) {
    if (mallctl != NULL) {
        /* "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused pages, now. */
        mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
        return;
    }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void gz_tune_process_memory(void) {
#ifdef __GLIBC__
    if (mallctl != NULL) return;
    /* glibc raises its mmap threshold as large blocks are freed, after which
     * large blocks (a 1 MiB message, a file read) come from the arenas, and a
     * thread's arena keeps them from the system even after malloc_trim. A
     * fixed threshold keeps them mmapped, so they go back when freed. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}
