#define _GNU_SOURCE /* RTLD_NEXT */
#include "lua_coverage.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 65536

/* libFuzzer reads every byte of this section after each input, as it reads
 * clang's own counters (FuzzerExtraCounters.cpp). */
__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t counters[SLOTS];

/* The hook runs on every Lua line: clang's own coverage of it would only
 * cost time and tell libFuzzer nothing about the input. */
#define NOT_COVERED __attribute__((no_sanitize("coverage")))

static lua_Hook chained;  /* the host's hook (gz_hook: one for every state) */
static int chained_mask;  /* the events it asked for */
static uint32_t previous; /* the last line, shifted (AFL's edge hash) */
static unsigned long long lines;

NOT_COVERED static uint32_t line_id(const lua_Debug *ar) {
    uint32_t h = 2166136261u; /* FNV-1a of the chunk name, then the line */
    for (size_t i = 0; i < ar->srclen; i++) h = (h ^ (unsigned char)ar->source[i]) * 16777619u;
    return (h ^ (uint32_t)ar->currentline) * 2654435761u;
}

NOT_COVERED static void coverage_hook(lua_State *L, lua_Debug *ar) {
    if (ar->event != LUA_HOOKLINE || (chained_mask & LUA_MASKLINE)) {
        if (chained) chained(L, ar);
        if (ar->event != LUA_HOOKLINE) return;
    }
    if (!lua_getinfo(L, "S", ar)) return;
    uint32_t here = line_id(ar);
    uint8_t *slot = &counters[(here ^ previous) % SLOTS];
    if (*slot < 255) (*slot)++;
    previous = here >> 1;
    lines++;
}

/* Takes liblua's lua_sethook's place: the hook asked for is kept for what it
 * asked (count events), and the line hook is added. Turning hooks off (a NULL
 * function or an empty mask) turns the line hook off too. */
void lua_sethook(lua_State *L, lua_Hook f, int mask, int count) {
    static void (*real)(lua_State *, lua_Hook, int, int);
    if (!real) {
        *(void **)&real = dlsym(RTLD_NEXT, "lua_sethook");
        if (!real) {
            fprintf(stderr, "lua_coverage: liblua's lua_sethook not found\n");
            abort();
        }
    }
    if (f == NULL || mask == 0 || f == coverage_hook) {
        real(L, f, mask, count);
        return;
    }
    chained = f;
    chained_mask = mask;
    real(L, coverage_hook, mask | LUA_MASKLINE, count);
}

void lua_coverage_reset(void) { previous = 0; }

unsigned long long lua_coverage_lines(void) { return lines; }
