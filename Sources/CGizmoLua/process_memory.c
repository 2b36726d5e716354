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

/* The Lua states' own arenas. Lua's memory is most of a session's, and all
 * of it is freed when the session ends; in the arenas the rest of the
 * process allocates from, blocks that outlive a wave of sessions pin the
 * slabs around them. In arenas of their own, without thread caches, Lua's
 * memory is not mixed with them, and ended sessions' slabs empty and go
 * back (docs/performance.md has the figures). Without thread caches every
 * allocation takes its arena's lock: a state keeps to one of GZ_LUA_ARENAS,
 * chosen in turn, so that hundreds of busy threads do not queue on one. */
extern void *mallocx(size_t size, int flags) __attribute__((weak));
extern void *rallocx(void *ptr, size_t size, int flags) __attribute__((weak));
extern void dallocx(void *ptr, int flags) __attribute__((weak));

#define GZ_MALLOCX_ARENA(a) ((int)(((unsigned)(a) + 1) << 20))
#define GZ_MALLOCX_TCACHE_NONE (1 << 8) /* MALLOCX_TCACHE(-1) */
#define GZ_LUA_ARENAS 16

static pthread_once_t lua_arenas_once = PTHREAD_ONCE_INIT;
static int lua_arena_flags[GZ_LUA_ARENAS];
static int lua_arena_count = 0; /* 0: the C library's realloc and free */
static unsigned lua_arena_next = 0;

static void lua_arenas_create(void) {
    if (mallctl == NULL || mallocx == NULL || rallocx == NULL || dallocx == NULL) return;
    for (int i = 0; i < GZ_LUA_ARENAS; i++) {
        unsigned index;
        size_t length = sizeof index;
        if (mallctl("arenas.create", &index, &length, NULL, 0) != 0) break;
        lua_arena_flags[lua_arena_count++] = GZ_MALLOCX_ARENA(index) | GZ_MALLOCX_TCACHE_NONE;
    }
}

int gz_lua_arena(void) {
    pthread_once(&lua_arenas_once, lua_arenas_create);
    if (lua_arena_count == 0) return -1;
    unsigned turn = __atomic_fetch_add(&lua_arena_next, 1, __ATOMIC_RELAXED);
    return lua_arena_flags[turn % (unsigned)lua_arena_count];
}

void *gz_lua_realloc(int arena, void *ptr, size_t size) {
    if (arena == -1) return realloc(ptr, size);
    return ptr ? rallocx(ptr, size, arena) : mallocx(size, arena);
}

void gz_lua_free(int arena, void *ptr) {
    if (ptr == NULL) return;
    if (arena == -1) free(ptr);
    else dallocx(ptr, arena);
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
