#include "gizmolua.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The gizmolua executable is linked with jemalloc (Debian's libjemalloc2,
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

/* The Lua states' own arena. Lua's memory is most of a session's, and all
 * of it is freed when the session ends; in the arenas the rest of the
 * process allocates from, blocks that outlive a wave of sessions pin the
 * slabs around them. In an arena of its own, without thread caches, Lua's
 * memory is not mixed with them, and ended sessions' slabs empty and go
 * back (docs/performance.md has the figures). */
extern void *mallocx(size_t size, int flags) __attribute__((weak));
extern void *rallocx(void *ptr, size_t size, int flags) __attribute__((weak));
extern void dallocx(void *ptr, int flags) __attribute__((weak));

#define GZ_MALLOCX_ARENA(a) ((int)(((unsigned)(a) + 1) << 20))
#define GZ_MALLOCX_TCACHE_NONE (1 << 8) /* MALLOCX_TCACHE(-1) */

static pthread_once_t lua_arena_once = PTHREAD_ONCE_INIT;
static int lua_arena_flags = -1; /* -1: the C library's realloc and free */

static void lua_arena_create(void) {
    if (mallctl == NULL || mallocx == NULL || rallocx == NULL || dallocx == NULL) return;
    unsigned index;
    size_t length = sizeof index;
    if (mallctl("arenas.create", &index, &length, NULL, 0) != 0) return;
    lua_arena_flags = GZ_MALLOCX_ARENA(index) | GZ_MALLOCX_TCACHE_NONE;
}

void *gz_lua_realloc(void *ptr, size_t size) {
    pthread_once(&lua_arena_once, lua_arena_create);
    if (lua_arena_flags == -1) return realloc(ptr, size);
    return ptr ? rallocx(ptr, size, lua_arena_flags) : mallocx(size, lua_arena_flags);
}

void gz_lua_free(void *ptr) {
    if (ptr == NULL) return;
    pthread_once(&lua_arena_once, lua_arena_create);
    if (lua_arena_flags == -1) free(ptr);
    else dallocx(ptr, lua_arena_flags);
}

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
