#include "gizmolua.h"

#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often (in VM instructions) the count hook looks at the clock. */
#define GZ_HOOK_COUNT 1000
/* How long the runtime's own code may run past the script's deadline: long
 * enough to report a stopped handler and send its frame, short enough that
 * script code the runtime was tricked into running cannot hold a core. */
#define GZ_RUNTIME_GRACE_NS 500000000u

typedef struct gz_host {
    size_t used;
    size_t external;       /* bytes the host holds for this state (gz_charge) */
    size_t limit;
    int enforce;           /* the budget applies only while Lua code runs */
    int memory_exceeded;   /* an allocation was refused in this turn */
    int cpu_exceeded;      /* the deadline passed in this turn */
    int runtime_stopped;   /* the runtime's own deadline passed too */
    double cpu_seconds;    /* the turn's limit, for the message */
    uint64_t deadline_ns;  /* the script's; 0: no turn running */
    uint64_t runtime_deadline_ns; /* the runtime's (main thread's) */
    uint64_t pause_ns;     /* past it, the scheduler's coroutine yields; 0: never */
    lua_State *resumed;    /* the coroutine the scheduler resumed from the main thread */
    int resume_depth;      /* scheduler resumes in progress (nested ones are not paused) */
    int paused;            /* the hook paused `resumed`; its resume says so (native_resume) */
    int moved;             /* a coroutine was paused in this turn: it goes on in another */
    int refs;              /* live registry references made by gz_ref */
    int arena;             /* where its memory comes from (gz_lua_arena) */
    lua_State *main;
    void *context;
} gz_host;

static gz_dispatch_fn gz_dispatch = NULL;

void gz_set_dispatch(gz_dispatch_fn dispatch) { gz_dispatch = dispatch; }

static gz_host *host_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (gz_host *)ud;
}

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- memory ---------------------------------------------------------- */

static void *gz_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    gz_host *h = (gz_host *)ud;
    size_t old = ptr ? osize : 0; /* without ptr, osize is an object type */
    if (nsize == 0) {
        gz_lua_free(h->arena, ptr);
        h->used -= old;
        return NULL;
    }
    if (nsize > old && h->enforce && h->limit && h->used + h->external + (nsize - old) > h->limit) {
        h->memory_exceeded = 1;
        return NULL; /* Lua collects garbage and tries once more, then raises */
    }
    void *block = gz_lua_realloc(h->arena, ptr, nsize);
    if (block) h->used = h->used - old + nsize;
    return block;
}

/* ---- CPU deadline ---------------------------------------------------- */

static void gz_hook(lua_State *L, lua_Debug *ar);

/* The deadline that applies to code running in L: the script's in every
 * coroutine, the runtime's (a little later) in the main thread. */
static uint64_t deadline_of(gz_host *h, lua_State *L) {
    return L == h->main ? h->runtime_deadline_ns : h->deadline_ns;
}

/* Pushes the CPU-limit message for code running in L. */
static void push_cpu_message(lua_State *L, gz_host *h) {
    if (L == h->main)
        lua_pushfstring(L, "CPU limit: the gizmo runtime was stopped %f s into a turn, running "
                           "code of the script that did not stop (the limit for one turn is %f s)",
                        (lua_Number)h->cpu_seconds + GZ_RUNTIME_GRACE_NS / 1e9,
                        (lua_Number)h->cpu_seconds);
    else
        lua_pushfstring(L, "CPU limit: stopped after %f s of running without a pause "
                           "(the limit for one turn)", (lua_Number)h->cpu_seconds);
}

/* Marks the stop, re-arms the hook on every instruction of L (so that a
 * pcall catching the error is stopped again at its next instruction, as
 * Redis does) and leaves the message on the stack. */
static void prepare_stop(lua_State *L, gz_host *h) {
    h->cpu_exceeded = 1;
    if (L == h->main) h->runtime_stopped = 1;
    lua_sethook(L, gz_hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0);
    push_cpu_message(L, h);
    lua_concat(L, 2);
}

/* Whether the code running in L may be paused for its turn to move: a turn
 * on an event loop (pause_ns set), in the coroutine the runtime resumed, at
 * a point where it can yield. */
static int can_pause(gz_host *h, lua_State *L) {
    return h->pause_ns && L == h->resumed && h->resume_depth == 1 && lua_isyieldable(L);
}

static void gz_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    gz_host *h = host_of(L);
    if (h->deadline_ns == 0) return;
    uint64_t now = monotonic_ns();
    if (now >= deadline_of(h, L)) {
        prepare_stop(L, h);
        lua_error(L);
    }
    /* A turn on an event loop that has run its slice: the handler the
     * scheduler resumed yields (with no values, as a hook must), and the
     * host runs the rest of the turn on the session's queue. Only the
     * coroutine resumed by the runtime itself: a script's own coroutine
     * would see the yield as its own, and a nested resume would let its
     * caller run on before it. Code that cannot yield here (the runtime, a
     * C function's callback) runs on and is asked again at the next hook. */
    if (h->pause_ns && now >= h->pause_ns && can_pause(h, L)) {
        h->paused = 1;
        h->moved = 1;
        lua_yield(L, 0);
    }
}

void gz_check_deadline(lua_State *L) {
    gz_host *h = host_of(L);
    if (h->deadline_ns == 0 || monotonic_ns() < deadline_of(h, L)) return;
    prepare_stop(L, h);
    lua_error(L);
}

/* ---- states ---------------------------------------------------------- */

static int open_libs(lua_State *L) {
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_OSLIBNAME, luaopen_os},     {LUA_DBLIBNAME, luaopen_debug},
        {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    gz_open_bounded(L);
    return 0;
}

lua_State *gz_newstate(size_t memory_limit, void *context) {
    gz_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->limit = memory_limit;
    h->context = context;
    h->arena = gz_lua_arena();
    lua_State *L = lua_newstate(gz_alloc, h);
    if (!L) {
        free(h);
        return NULL;
    }
    h->main = L;
    lua_pushcfunction(L, open_libs);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        gz_close(L);
        return NULL;
    }
    lua_sethook(L, gz_hook, LUA_MASKCOUNT, GZ_HOOK_COUNT);
    return L;
}

void gz_close(lua_State *L) {
    gz_host *h = host_of(L);
    lua_close(L);
    free(h);
}

void *gz_context(lua_State *L) { return host_of(L)->context; }

/* ---- the trampoline -------------------------------------------------- */

static int dispatch(lua_State *L, gz_host *h, int fn) {
    int n = 0;
    int enforce = h->enforce;
    h->enforce = 0; /* Swift's pushes must never fail with a longjmp */
    int outcome = gz_dispatch ? gz_dispatch(L, fn, &n) : GZ_RAISE;
    if (!gz_dispatch) lua_pushliteral(L, "gizmo: no host installed");
    h->enforce = enforce;
    switch (outcome) {
    case GZ_RETURN: return n;
    case GZ_YIELD: return lua_yield(L, n);
    default:
        if (lua_type(L, -1) == LUA_TSTRING) { /* say where the script called it */
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
}

/* A moved call, resumed on the session's queue: its arguments are still on the stack. */
static int moved_call(lua_State *L, int status, lua_KContext fn) {
    (void)status;
    return dispatch(L, host_of(L), (int)fn);
}

static int gz_trampoline(lua_State *L) {
    gz_host *h = host_of(L);
    /* The function's number; negative (-1 - fn) for one that may block. */
    lua_Integer number = lua_tointeger(L, lua_upvalueindex(1));
    int fn = (int)(number < 0 ? -1 - number : number);
    /* A function that may block (files, the store, starting a program) is
     * never called on an event loop when the turn can move instead: the
     * handler pauses here, and the call is made on the session's queue. */
    if (number < 0 && can_pause(h, L)) {
        h->paused = 1;
        h->moved = 1;
        return lua_yieldk(L, 0, (lua_KContext)fn, moved_call);
    }
    return dispatch(L, h, fn);
}

void gz_push_function(lua_State *L, int fn, int off_loop) {
    /* One upvalue, not two: every session holds some fifty of these. */
    lua_pushinteger(L, off_loop ? -1 - (lua_Integer)fn : fn);
    lua_pushcclosure(L, gz_trampoline, 1);
}

static int gz_traceback(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int gz_pcall(lua_State *L, int nargs, int nresults, double cpu_seconds) {
    return gz_pcall_turn(L, nargs, nresults, cpu_seconds, monotonic_ns(), 0);
}

int gz_pcall_turn(lua_State *L, int nargs, int nresults, double cpu_seconds, uint64_t started_ns,
                  uint64_t pause_ns) {
    gz_host *h = host_of(L);
    int base = lua_gettop(L) - nargs; /* the function's slot */
    lua_pushcfunction(L, gz_traceback);
    lua_insert(L, base);
    h->cpu_exceeded = 0;
    h->memory_exceeded = 0;
    h->runtime_stopped = 0;
    h->cpu_seconds = cpu_seconds;
    h->deadline_ns = cpu_seconds > 0 ? started_ns + (uint64_t)(cpu_seconds * 1e9) : 0;
    h->runtime_deadline_ns = h->deadline_ns + GZ_RUNTIME_GRACE_NS;
    h->pause_ns = h->deadline_ns ? pause_ns : 0; /* the hook pauses only inside a deadline */
    h->paused = 0;
    h->moved = 0;
    /* A stop in the last turn left the main thread's hook on every instruction. */
    if (L == h->main) lua_sethook(L, gz_hook, LUA_MASKCOUNT, GZ_HOOK_COUNT);
    int enforce = h->enforce;
    h->enforce = 1;
    int status = lua_pcall(L, nargs, nresults, base);
    h->enforce = enforce;
    h->deadline_ns = 0;
    h->pause_ns = 0;
    lua_remove(L, base);
    return status;
}

int gz_turn_moved(lua_State *L) { return host_of(L)->moved; }

/* ---- the scheduler's resume ------------------------------------------ */

/* coroutine.resume for the runtime's scheduler: the same answers (true and
 * the yielded values, or false and the error, the coroutine's stack left
 * for a traceback), and it marks the coroutine as the one the hook may
 * pause. A paused coroutine answers true and this function (a script's
 * own coroutine.yield() answers true and what it yielded). */
static int native_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int status = lua_status(co);
    int fresh = status == LUA_OK && lua_gettop(co) > 0; /* created, not yet started */
    lua_Debug ar;
    if (co == L || !(status == LUA_YIELD || (fresh && lua_getstack(co, 0, &ar) == 0))) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "cannot resume a coroutine that is not suspended");
        return 2;
    }
    int nargs = lua_gettop(L) - 1;
    if (!lua_checkstack(co, nargs)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, nargs);
    gz_host *h = host_of(L);
    lua_State *outer = h->resumed;
    h->resumed = co;
    h->resume_depth++;
    int nresults = 0;
    status = lua_resume(co, L, nargs, &nresults);
    h->resume_depth--;
    h->resumed = outer;
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nresults + 1)) {
            lua_pop(co, nresults);
            lua_pushboolean(L, 0);
            lua_pushliteral(L, "too many results to resume");
            return 2;
        }
        lua_pushboolean(L, 1);
        if (h->paused) { /* yielded by the hook or the trampoline, with no values */
            h->paused = 0;
            /* The marker is this function itself: a script can yield any
             * string, but it never holds the runtime's resume_handler. */
            lua_pushcfunction(L, native_resume);
            return 2;
        }
        lua_xmove(co, L, nresults);
        return nresults + 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1); /* the error */
    return 2;
}

void gz_open_scheduling(lua_State *L) {
    lua_pushcfunction(L, native_resume);
    lua_setfield(L, -2, "resume_handler");
}

/* ---- loading --------------------------------------------------------- */

int gz_load_text(lua_State *L, const char *source, size_t length, const char *chunkname) {
    return luaL_loadbufferx(L, source, length, chunkname, "t");
}

int gz_load_binary(lua_State *L, const char *bytes, size_t length, const char *chunkname) {
    return luaL_loadbufferx(L, bytes, length, chunkname, "b");
}

typedef struct {
    char *data;
    size_t length, capacity;
} dump_buffer;

static int dump_writer(lua_State *L, const void *p, size_t size, void *ud) {
    (void)L;
    dump_buffer *b = ud;
    if (b->length + size > b->capacity) {
        size_t capacity = (b->capacity ? b->capacity * 2 : 4096);
        while (capacity < b->length + size) capacity *= 2;
        char *data = realloc(b->data, capacity);
        if (!data) return 1;
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, p, size);
    b->length += size;
    return 0;
}

int gz_dump(lua_State *L, char **out, size_t *length, int strip) {
    dump_buffer b = {NULL, 0, 0};
    int status = lua_dump(L, dump_writer, &b, strip);
    if (status != 0) {
        free(b.data);
        return status;
    }
    *out = b.data;
    *length = b.length;
    return 0;
}

/* ---- accounting ------------------------------------------------------ */

size_t gz_memory_used(lua_State *L) { return host_of(L)->used; }
size_t gz_memory_limit(lua_State *L) { return host_of(L)->limit; }
void gz_set_memory_limit(lua_State *L, size_t limit) { host_of(L)->limit = limit; }
int gz_cpu_exceeded(lua_State *L) { return host_of(L)->cpu_exceeded; }
int gz_runtime_stopped(lua_State *L) { return host_of(L)->runtime_stopped; }

int gz_charge(lua_State *L, long long bytes) {
    gz_host *h = host_of(L);
    if (bytes > 0 && h->limit && h->used + h->external + (size_t)bytes > h->limit) return 0;
    if (bytes < 0 && (size_t)(-bytes) > h->external) h->external = 0;
    else h->external = (size_t)((long long)h->external + bytes);
    return 1;
}

size_t gz_memory_external(lua_State *L) { return host_of(L)->external; }
int gz_memory_exceeded(lua_State *L) { return host_of(L)->memory_exceeded; }

int gz_ref(lua_State *L) {
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (ref != LUA_REFNIL && ref != LUA_NOREF) host_of(L)->refs++;
    return ref;
}

void gz_unref(lua_State *L, int ref) {
    if (ref == LUA_REFNIL || ref == LUA_NOREF) return;
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    host_of(L)->refs--;
}

int gz_ref_count(lua_State *L) { return host_of(L)->refs; }
