/*
 * The session the frame fuzzer drives, made as GizmoVM.boot makes it. This
 * file is the one place that knows what a session is made of: when the
 * runtime changes (new files, host functions, options, a new boot
 * sequence), adapt what follows (the runtime's files, the limits, the
 * script, the host functions) and session_open; frame_fuzzer.c only sends
 * turns.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what a session is made of ----------------------------------------- */

/* The runtime's files in Sources/GizmoLua/Resources: its entry chunk (no
 * part name) and the chunks `host.library(name)` loads, as GizmoLibrary.swift
 * lists them. Compiled with their debug information (the server strips it),
 * so the fuzzer's coverage sees the runtime's lines. */
static const struct {
    const char *part;
    const char *file;
} runtime_files[] = {
    {NULL, "runtime.lua"},
    {"sandbox", "sandbox.lua"}, {"scheduler", "scheduler.lua"}, {"page", "page.lua"},
    {"components", "components.lua"}, {"gizmo", "gizmo.lua"},
    {"plot", "plot.lua"}, {"inputs", "inputs.lua"}, {"bridge", "bridge.lua"},
    {"proxies", "proxies.lua"}, {"extras", "extras.lua"},
    {"store", "store.lua"}, {"live", "live.lua"}, {"files", "files.lua"},
    {"fetch", "fetch.lua"}, {"process", "process.lua"}, {"mistakes", "mistakes.lua"},
};
#define RUNTIME_FILE_COUNT (sizeof runtime_files / sizeof runtime_files[0])

/* SessionLimits' defaults, but no CPU deadline: a turn that never ends is a
 * finding of libFuzzer's -timeout, never a race with the clock. */
#define MEMORY_BUDGET ((size_t)64 << 20)
#define GET_TIMEOUT 10
#define MAX_MESSAGE (1 << 20)
#define CPU_SECONDS 0.0
/* The render generation (the host's count of hot reloads): calls carrying
 * another are from a page of an earlier run. */
#define GENERATION 1
/* GizmoVM's caps: live timers, and durations (a year). */
#define MAX_TIMERS 1000
#define MAX_SECONDS 31536000.0
/* How far back the host's FrameHistory lets a page resume, in frames. */
#define HISTORY_FRAMES 256

/* The script every session boots: something to click (a Button whose
 * handler asks the page with gz.get), something typed (an Input), a sleep,
 * a repeating timer, a Lua function and a kept result handed to the page,
 * and main code that waits for the page. What a page sends reaches
 * handlers as arguments. */
static const char script[] =
    "local gz = require('gizmo')\n"
    "local clicks, ticks = 0, 0\n"
    "local count, seen, asked = gz.Text('0 clicks'), gz.Text(''), gz.Text('')\n"
    "local name\n"
    "name = gz.Input('', { on_change = function(value) seen:text(name.value) end })\n"
    "local add = gz.Button('Add', { on_click = function(event)\n"
    "    clicks = clicks + 1\n"
    "    count:text(clicks .. ' clicks')\n"
    "    seen:text(gz.json.encode(event))\n"
    "    asked:text(tostring(gz.get(gz.document.title, { timeout = 5 })))\n"
    "end })\n"
    "local later = gz.Button('Later', { on_click = function(event)\n"
    "    gz.sleep(1)\n"
    "    count:text('slept'):css({ color = type(event) == 'table' and event.color or 'red' })\n"
    "end })\n"
    "gz.Stack({ add, later, count, seen, asked, name }):show()\n"
    "gz.send(gz.window.console:log('booted', function(...) seen:text(select('#', ...)) end))\n"
    "local timer\n"
    "timer = gz.every(2, function()\n"
    "    ticks = ticks + 1\n"
    "    if ticks > 3 then timer:cancel() end\n"
    "end)\n"
    "asked:text(tostring(gz.get(gz.window.innerWidth)))\n";

typedef struct {
    char *bytes;
    size_t length;
} bytecode;

static bytecode compiled[RUNTIME_FILE_COUNT];

struct session {
    lua_State *L;
    session_sent_fn sent;
    int turn;          /* registry reference of the runtime's `turn` */
    int refs_at_start; /* the references counted before the script ran */
    int next_timer;
    int pending[MAX_TIMERS]; /* timer ids, oldest first */
    int npending;
    int cancelled;       /* the timer cancelled last (0: none) */
    lua_Integer frames;  /* frames sent to the pages, as the host numbers them */
};

/* ---- the host functions (GizmoVM.pushHost), stubbed -------------------- */

static session *session_of(lua_State *L) { return gz_context(L); }

/* GizmoVM.duration: 0 to a year, else an error at the script's line. */
static void seconds_argument(lua_State *L, const char *name) {
    int isnum = 0;
    lua_Number seconds = lua_tonumberx(L, 1, &isnum);
    if (!isnum || !(seconds >= 0 && seconds <= MAX_SECONDS)) /* NaN fails too */
        luaL_error(L, "%s: argument #1 must be a number of seconds from 0 to %d (a year)", name, (int)MAX_SECONDS);
}

/* A new pending timer's id, or 0 at the cap. Timers never fire by
 * themselves: the input fires them (session_fire_timer). */
static int schedule(lua_State *L) {
    session *s = session_of(L);
    if (s->npending == MAX_TIMERS) return 0;
    s->pending[s->npending++] = ++s->next_timer;
    return s->next_timer;
}

static int too_many_timers(lua_State *L) {
    lua_pushnil(L);
    lua_pushfstring(L, "too many timers: this session already has %d live timers", MAX_TIMERS);
    return 2;
}

static int host_timer(lua_State *L) {
    seconds_argument(L, "timer");
    int id = schedule(L);
    if (!id) return too_many_timers(L);
    lua_pushinteger(L, id);
    return 1;
}

static int remove_pending(session *s, int id) {
    for (int i = 0; i < s->npending; i++) {
        if (s->pending[i] != id) continue;
        memmove(&s->pending[i], &s->pending[i + 1], (size_t)(s->npending - i - 1) * sizeof(int));
        s->npending--;
        return 1;
    }
    return 0;
}

static int host_cancel(lua_State *L) {
    session *s = session_of(L);
    int isnum = 0;
    lua_Integer id = lua_tointegerx(L, 1, &isnum);
    if (isnum && id > 0 && id <= s->next_timer && remove_pending(s, (int)id)) s->cancelled = (int)id;
    return 0;
}

static int host_sleep(lua_State *L) {
    seconds_argument(L, "gz.sleep");
    if (!lua_isyieldable(L))
        return luaL_error(L, "gz.sleep can only wait in a handler, a timer or the script's main code");
    int id = schedule(L);
    if (!id) return too_many_timers(L);
    lua_pushlstring(L, "gizmo.wait\0", 11); /* the runtime's WAIT marker */
    lua_pushliteral(L, "sleep");
    lua_pushinteger(L, id);
    return lua_yield(L, 3);
}

/* A page joins with a full render: the host sends `frame` to it alone. */
static int host_join(lua_State *L) {
    session *s = session_of(L);
    luaL_checkinteger(L, 1);
    luaL_checkinteger(L, 2);
    size_t n;
    const char *frame = luaL_checklstring(L, 3, &n);
    if (s->sent) s->sent(frame, n);
    return 0;
}

/* A page resumes after frame n: the host can replay what followed when its
 * history (FrameHistory) still holds it. */
static int host_resume(lua_State *L) {
    session *s = session_of(L);
    luaL_checkinteger(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_checkinteger(L, 3);
    lua_pushboolean(L, n <= s->frames && n + HISTORY_FRAMES >= s->frames);
    return 1;
}

static int host_log(lua_State *L) {
    (void)L;
    return 0;
}

static int host_library(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    for (size_t i = 0; i < RUNTIME_FILE_COUNT; i++) {
        if (!runtime_files[i].part || strcmp(runtime_files[i].part, name) != 0) continue;
        lua_pushfstring(L, "=gizmo/%s", name);
        if (gz_load_binary(L, compiled[i].bytes, compiled[i].length, lua_tostring(L, -1)) != LUA_OK)
            return lua_error(L);
        return 1;
    }
    return luaL_error(L, "bad argument #1 to 'library' (part name expected, got %s)", name);
}

/* Files: the fuzzer serves and writes none; the host answers nil and why. */
static int no_file(lua_State *L) {
    lua_pushnil(L);
    lua_pushliteral(L, "the fuzzer's session has no files");
    return 2;
}

static int host_add_bytes(lua_State *L) {
    luaL_checkstring(L, 1);
    luaL_checkstring(L, 2);
    lua_pushvalue(L, 3);
    return 1;
}

static int host_load_module(lua_State *L) {
    return luaL_error(L, "module '%s' not found (the fuzzer's session has no modules)", luaL_checkstring(L, 1));
}

static const luaL_Reg host_functions[] = {
    {"timer", host_timer},         {"cancel", host_cancel},       {"sleep", host_sleep},
    {"log", host_log},             {"join", host_join},           {"resume", host_resume},
    {"library", host_library},     {"add_file", no_file},         {"add_bytes", host_add_bytes},
    {"data_path", no_file},        {"write_file", no_file},       {"read_file", no_file},
    {"load_module", host_load_module}, {NULL, NULL}};

/* ---- loading the runtime ----------------------------------------------- */

static char *read_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t capacity = 0, n = 0, got;
    do {
        if (n == capacity) {
            capacity = capacity ? capacity * 2 : 65536;
            char *grown = realloc(text, capacity);
            if (!grown) break;
            text = grown;
        }
        got = fread(text + n, 1, capacity - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *length = n;
    return text;
}

int session_load_runtime(const char *directory) {
    lua_State *L = gz_newstate(0, NULL);
    if (!L) return -1;
    int status = 0;
    for (size_t i = 0; i < RUNTIME_FILE_COUNT && status == 0; i++) {
        char path[4096], chunkname[256];
        snprintf(path, sizeof path, "%s/%s", directory, runtime_files[i].file);
        snprintf(chunkname, sizeof chunkname, runtime_files[i].part ? "@gizmo/%s" : "@%s", runtime_files[i].file);
        size_t length = 0;
        char *source = read_file(path, &length);
        if (!source) {
            fprintf(stderr, "session: cannot read %s (set GIZMO_RUNTIME_DIR to the runtime's folder)\n", path);
            status = -1;
            break;
        }
        if (gz_load_text(L, source, length, chunkname) != LUA_OK ||
            gz_dump(L, &compiled[i].bytes, &compiled[i].length, 0) != 0) {
            fprintf(stderr, "session: %s does not compile: %s\n", path, lua_tostring(L, -1));
            status = -1;
        }
        lua_settop(L, 0);
        free(source);
    }
    gz_close(L);
    return status;
}

/* ---- a session's life ------------------------------------------------- */

lua_State *session_state(session *s) { return s->L; }

static int call_turn(session *s, const char *kind, int nargs) {
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->turn);
    lua_pushstring(s->L, kind);
    lua_rotate(s->L, -2 - nargs, 2); /* the function and kind below the arguments */
    int status = gz_pcall(s->L, 1 + nargs, 3, CPU_SECONDS);
    if (status == LUA_OK && lua_type(s->L, -3) == LUA_TSTRING) s->frames++;
    return status;
}

/* GizmoVM.boot: the runtime's chunk is called with the host table and the
 * options, and returns the module and `turn`; then the script's chunk goes
 * to `turn("boot", chunk)`. */
session *session_open(void (*prepare)(lua_State *L), session_sent_fn sent) {
    session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->sent = sent;
    lua_State *L = s->L = gz_newstate(0, s);
    if (!L) {
        free(s);
        return NULL;
    }
    if (prepare) prepare(L);
    if (gz_load_binary(L, compiled[0].bytes, compiled[0].length, "@gizmo/runtime.lua") != LUA_OK) goto failed;
    lua_createtable(L, 0, 32);
    gz_open_native(L);
    gz_open_scheduling(L); /* host.resume_handler, as LuaState.swift does */
    luaL_setfuncs(L, host_functions, 0);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, GET_TIMEOUT);
    lua_setfield(L, -2, "get_timeout");
    lua_pushinteger(L, MAX_MESSAGE);
    lua_setfield(L, -2, "max_message");
    lua_pushinteger(L, GENERATION);
    lua_setfield(L, -2, "generation");
    if (gz_pcall(L, 2, 2, 0) != LUA_OK) goto failed;
    s->turn = gz_ref(L);
    lua_pop(L, 1); /* the module */
    gz_set_memory_limit(L, MEMORY_BUDGET);
    s->refs_at_start = gz_ref_count(L);

    if (gz_load_text(L, script, sizeof script - 1, "@fuzz/session.lua") != LUA_OK) goto failed;
    int chunk = gz_ref(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, chunk);
    int status = call_turn(s, "boot", 1);
    gz_unref(L, chunk);
    if (status != LUA_OK) goto failed;
    if (!lua_isnil(L, -2)) { /* the main chunk's error */
        lua_pushvalue(L, -2);
        goto failed;
    }
    lua_settop(L, 0);
    return s;
failed:
    fprintf(stderr, "session: the session did not start: %s\n", lua_tostring(L, -1));
    gz_close(L);
    free(s);
    return NULL;
}

int session_frame(session *s, const char *text, size_t length, int connection) {
    lua_pushlstring(s->L, text, length);
    lua_pushinteger(s->L, connection);
    return call_turn(s, "frame", 2);
}

int session_leave(session *s, int connection) {
    lua_pushinteger(s->L, connection);
    return call_turn(s, "leave", 1);
}

int session_rerender(session *s) { return call_turn(s, "rerender", 0); }

static int fire(session *s, int id) {
    lua_pushinteger(s->L, id);
    return call_turn(s, "timer", 1);
}

int session_fire_timer(session *s, unsigned pick) {
    if (s->npending == 0) return -1;
    int id = s->pending[pick % (unsigned)s->npending];
    remove_pending(s, id);
    return fire(s, id);
}

int session_fire_cancelled_timer(session *s) {
    if (s->cancelled == 0) return -1;
    int id = s->cancelled;
    s->cancelled = 0;
    return fire(s, id);
}

int session_close(session *s, int *refs_left) {
    lua_State *L = s->L;
    lua_settop(L, 0);
    int status = call_turn(s, "shutdown", 0);
    if (status != LUA_OK) fprintf(stderr, "session: the shutdown turn failed: %s\n", lua_tostring(L, -1));
    *refs_left = gz_ref_count(L) - s->refs_at_start;
    gz_unref(L, s->turn);
    gz_close(L);
    free(s);
    return status;
}
