#ifndef GIZMO_FUZZ_LUA_COVERAGE_H
#define GIZMO_FUZZ_LUA_COVERAGE_H

/*
 * Coverage of Lua code for libFuzzer. The frame decoder is Lua (the
 * runtime's page.lua and the parts it calls) run by Debian's uninstrumented
 * liblua, so clang's coverage sees only the C around it. A line hook counts
 * each step from one Lua line to the next (AFL's edges) in libFuzzer's extra
 * counters, so an input that reaches a new branch of the runtime is kept.
 *
 * The host sets its own count hook (the CPU deadline) on every state and
 * again before every turn, and threads inherit the hook of the thread that
 * made them. So this file takes lua_sethook's place in the fuzzer (the
 * executable's definition wins over liblua's): every hook the host sets
 * comes with the line hook too, and the host's hook still gets every count
 * event.
 */

#include <lua.h>

/* Forgets the last line seen (call at the start of each input). */
void lua_coverage_reset(void);

/* Lines seen since the process started (0: the line hook never ran). */
unsigned long long lua_coverage_lines(void);

#endif
