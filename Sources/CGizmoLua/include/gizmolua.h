#ifndef GIZMOLUA_H
#define GIZMOLUA_H

/*
 * The little C that must be C: everything that may longjmp (lua_error,
 * lua_yield) happens here, never inside a Swift frame.
 *
 * - A counting allocator enforces a per-state memory budget, but only while
 *   Lua code runs (inside gz_pcall, outside a Swift callback), so an API call
 *   made from Swift never fails with a memory error.
 * - A count hook enforces a CPU deadline per turn. Past the deadline it raises
 *   in every coroutine and re-arms itself to fire on every instruction, so a
 *   script's own pcall cannot swallow the stop. The main thread, which runs
 *   the gizmo runtime, has half a second more (to report the stop); past
 *   that it is stopped too (the runtime was made to run code that spins).
 * - C functions that loop over what a script gave them (patterns, rep,
 *   table.move, JSON) call gz_check_deadline, since the hook cannot see
 *   inside C.
 * - On an event loop, a turn past its slice pauses: the count hook yields the
 *   handler the scheduler resumed, and the rest of the turn runs elsewhere
 *   (gz_pcall_turn).
 * - Swift functions are called through one trampoline: Swift answers
 *   return / raise / yield, and only then C raises or yields.
 */

#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>

typedef enum {
    GZ_RETURN = 0, /* return `*nresults` values from the top of the stack */
    GZ_RAISE = 1,  /* raise the value on top of the stack */
    GZ_YIELD = 2   /* yield `*nresults` values from the top of the stack */
} gz_outcome;

/* Called by the trampoline for the Swift function numbered `fn`. */
typedef int (*gz_dispatch_fn)(lua_State *L, int fn, int *nresults);

/* Install the Swift side of the trampoline (once per process). */
void gz_set_dispatch(gz_dispatch_fn dispatch);

/* A new state with the base, coroutine, table, string, math, utf8, os and
 * debug libraries, a memory budget in bytes (0 = none) and a context pointer
 * for the host. NULL when the state could not be made. */
lua_State *gz_newstate(size_t memory_limit, void *context);
void gz_close(lua_State *L);
void *gz_context(lua_State *L);

/* Push the trampoline for Swift function `fn`. `off_loop`: the function may
 * block (files, the store), so a turn on an event loop moves before it runs. */
void gz_push_function(lua_State *L, int fn, int off_loop);

/* lua_pcall with a traceback message handler, the memory budget enforced and
 * a CPU deadline of `cpu_seconds` (<= 0: none) for this turn. */
int gz_pcall(lua_State *L, int nargs, int nresults, double cpu_seconds);
/* gz_pcall for a turn that started at `started_ns` (the deadline counts from
 * there, so a turn that moved keeps its limit) and, when `pause_ns` is not 0,
 * pauses the scheduler's coroutine at the first count hook past it (the turn
 * runs on an event loop and must give it back soon): the coroutine yields,
 * the runtime keeps it, and gz_turn_moved answers 1 after the call. */
int gz_pcall_turn(lua_State *L, int nargs, int nresults, double cpu_seconds, uint64_t started_ns,
                  uint64_t pause_ns);
int gz_turn_moved(lua_State *L);
/* Set the scheduler's `resume_handler` (coroutine.resume that marks the
 * coroutine the hook may pause, and answers true and resume_handler itself
 * for one it paused) in the table on top of the stack. */
void gz_open_scheduling(lua_State *L);

/* Compile `source` (text only) and push the chunk; on failure push the
 * message. Returns the lua_load status. */
int gz_load_text(lua_State *L, const char *source, size_t length, const char *chunkname);
/* Load precompiled bytecode made by gz_dump (binary only). */
int gz_load_binary(lua_State *L, const char *bytes, size_t length, const char *chunkname);
/* Dump the function on top of the stack, without debug information when
   `strip`; the caller frees *out. */
int gz_dump(lua_State *L, char **out, size_t *length, int strip);

/* Accounting. */
size_t gz_memory_used(lua_State *L);
size_t gz_memory_limit(lua_State *L);
void gz_set_memory_limit(lua_State *L, size_t limit);
/* Did the last gz_pcall hit the CPU deadline / memory budget? Was the
 * runtime's own code (the main thread) stopped by its deadline? */
int gz_cpu_exceeded(lua_State *L);
int gz_memory_exceeded(lua_State *L);
int gz_runtime_stopped(lua_State *L);

/* Raises the CPU-limit error when the code running in L is past its
 * deadline: for C loops the count hook cannot see into. */
void gz_check_deadline(lua_State *L);

/* Bytes the host holds for this state (served bytes), counted against its
 * budget with the Lua heap. A positive charge that would pass the budget is
 * refused (returns 0); a negative one releases. */
int gz_charge(lua_State *L, long long bytes);
size_t gz_memory_external(lua_State *L);

/* Registry references, counted per state. */
int gz_ref(lua_State *L);            /* pops the value; returns a ref (never LUA_NOREF for non-nil) */
void gz_unref(lua_State *L, int ref);
int gz_ref_count(lua_State *L);

/* Replace the string library's pattern functions and rep, and table.move,
 * with versions that stop at the deadline (match.c, bounds.c); done for
 * every state by gz_newstate. */
void gz_open_bounded(lua_State *L);

/* Open the `gizmo.json` codec and the native host functions into the table
 * on top of the stack: json_encode, json_decode, json_null, ref, unref,
 * deref, ref_count, getenv, environ, memory, stopped; json_null, json_array_mark. */
void gz_open_native(lua_State *L);

/* Macros of the Lua API, as functions Swift can call. */
static inline void gz_pop(lua_State *L, int n) { lua_settop(L, -(n)-1); }
static inline int gz_push_ref(lua_State *L, int ref) { return lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }
static inline void gz_new_table(lua_State *L) { lua_createtable(L, 0, 0); }
/* A full collection (finalizers run protected, so this never raises). */
static inline void gz_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }

/* The Lua states' allocation (process_memory.c): arenas of their own where
   jemalloc is linked, the C library's realloc and free otherwise (-1). A
   state takes an arena once (gz_lua_arena) and allocates from it. */
int gz_lua_arena(void);
void *gz_lua_realloc(int arena, void *ptr, size_t size);
void gz_lua_free(int arena, void *ptr);

/* Gives memory freed by ended sessions back to the system now: jemalloc's
   purge where the executable links it, glibc's malloc_trim otherwise
   (process_memory.c). */
void gz_trim_process_memory(void);
/* Once at start, on glibc's allocator only: large blocks always from mmap,
   so freeing gives them back. */
void gz_tune_process_memory(void);

#endif
