/*
 * frame_fuzzer: libFuzzer over the frame decoder, the runtime's handling of
 * what pages send (page.lua's on_frame and the parts it dispatches to), in
 * a session made as GizmoVM makes one (session.c).
 *
 * An input is lines, each one frame from a page sent through
 * `turn("frame", line, connection)`, except lines that start with a
 * directive:
 *   @page N     later frames come from the page on connection N (1 at first):
 *               several pages of one session, as two tabs are
 *   @leave      that page's socket goes: `turn("leave", connection)`
 *   @rerender   every page gets the tree again: `turn("rerender")`
 *   @timer [N]  fire a pending timer (the Nth pending, modulo their count;
 *               the oldest without N): timers fire only when an input says so
 *   @stale      fire the timer cancelled last, as the host may when a cancel
 *               races the timer
 *   @gc         a full collection between turns (finalizers of kept results
 *               run), as the host's stats() and large messages do
 *
 * What must hold, or the target aborts (a crash libFuzzer keeps): every
 * turn returns without a Lua error escaping the runtime and without
 * running out of the session's memory budget (either would cost the
 * session); every frame for the pages (a turn's, and the welcome a joining
 * page gets) is valid UTF-8 JSON holding an array (json_check.c, apart from
 * the codec); after `turn("shutdown")` the session holds no more registry
 * references than before its script ran. -timeout catches a turn that never
 * ends; AddressSanitizer what C gets wrong. Coverage: clang's over the C
 * (the codec, the pattern matcher, the harness), and Lua's lines
 * (lua_coverage.c) over the runtime.
 */
#include "json_check.h"
#include "lua_coverage.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GIZMO_RUNTIME_DIR
#define GIZMO_RUNTIME_DIR "Sources/GizmoLua/Resources"
#endif

static unsigned long long frames, timers, sessions;
/* FRAME_FUZZER_DEBUG=1 in the environment prints each turn and its frame
 * (to write seeds, or to see what a kept crash does). */
static int debug_turns;

/* At exit (a crash never gets here): the counts make the "at least
 * 1,000,000 frames, 0 sessions lost" visible in make fuzz's output. */
static void report_totals(void) {
    fprintf(stderr, "frame_fuzzer: %llu frames and %llu timers in %llu sessions, none lost; %llu Lua lines run\n",
            frames, timers, sessions, lua_coverage_lines());
    if (sessions > 0 && lua_coverage_lines() == 0)
        fprintf(stderr, "frame_fuzzer: warning: the Lua line hook never ran, so the runtime's coverage was blind "
                        "(how does the host set hooks now? see lua_coverage.c)\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *directory = getenv("GIZMO_RUNTIME_DIR");
    if (session_load_runtime(directory ? directory : GIZMO_RUNTIME_DIR) != 0) exit(2);
    debug_turns = getenv("FRAME_FUZZER_DEBUG") != NULL;
    atexit(report_totals);
    return 0;
}

static void lost(const char *why, const char *detail, const char *line, size_t length) {
    fprintf(stderr, "frame_fuzzer: a session was lost: %s\n", why);
    if (detail) fprintf(stderr, "  %s\n", detail);
    if (line) fprintf(stderr, "  in the turn for: %.*s\n", (int)(length > 500 ? 500 : length), line);
    abort();
}

/* A frame for the pages: valid JSON holding an array, or the session is
 * as good as lost (its pages cannot read it). */
static void check_frame(const char *frame, size_t n, const char *line, size_t length) {
    size_t at = 0;
    if (debug_turns) fprintf(stderr, "> %.*s\n< %.*s\n", (int)length, line, (int)n, frame);
    if (json_check(frame, n, &at) != JSON_CHECK_ARRAY) {
        fprintf(stderr, "frame_fuzzer: the frame (%zu bytes) is not a JSON array (at byte %zu): %.*s\n", n, at,
                (int)(n > 2000 ? 2000 : n), frame);
        lost("a frame the pages cannot read", NULL, line, length);
    }
}

/* The line being run, for the welcome frames host.join is given during it. */
static const char *current_line;
static size_t current_length;

static void check_sent(const char *frame, size_t n) { check_frame(frame, n, current_line, current_length); }

/* The turn's outcome: its status, then (frame, failure, shown_by). */
static void check_turn(session *s, int status, const char *line, size_t length) {
    lua_State *L = session_state(s);
    if (status == -1) return; /* nothing to fire */
    if (status != LUA_OK) lost("a Lua error escaped the runtime", lua_tostring(L, -1), line, length);
    if (gz_memory_exceeded(L)) lost("the turn ran out of the session's memory budget", NULL, line, length);
    if (lua_isnil(L, -3)) {
        if (debug_turns) fprintf(stderr, "> %.*s\n< (no frame)\n", (int)length, line);
    } else {
        size_t n = 0;
        const char *frame = lua_tolstring(L, -3, &n);
        if (!frame) lost("the turn returned a frame that is not a string", NULL, line, length);
        check_frame(frame, n, line, length);
    }
    lua_settop(L, 0);
}

static int starts_with(const char *line, size_t length, const char *word) {
    size_t n = strlen(word);
    return length >= n && memcmp(line, word, n) == 0;
}

/* The number after a directive's word (at most 6 digits), or `otherwise`. */
static unsigned directive_number(const char *line, size_t length, size_t from, unsigned otherwise) {
    unsigned n = 0;
    int seen = 0;
    for (size_t i = from; i < length && i < from + 8; i++) {
        if (line[i] < '0' || line[i] > '9') continue;
        n = n * 10 + (unsigned)(line[i] - '0');
        seen = 1;
    }
    return seen ? n : otherwise;
}

static void run_line(session *s, int *connection, const char *line, size_t length) {
    current_line = line;
    current_length = length;
    if (starts_with(line, length, "@page")) {
        *connection = (int)directive_number(line, length, 5, 1);
    } else if (starts_with(line, length, "@leave")) {
        check_turn(s, session_leave(s, *connection), line, length);
    } else if (starts_with(line, length, "@rerender")) {
        check_turn(s, session_rerender(s), line, length);
    } else if (starts_with(line, length, "@timer")) {
        timers++;
        check_turn(s, session_fire_timer(s, directive_number(line, length, 6, 0)), line, length);
    } else if (starts_with(line, length, "@stale")) {
        timers++;
        check_turn(s, session_fire_cancelled_timer(s), line, length);
    } else if (starts_with(line, length, "@gc")) {
        gz_collect(session_state(s));
    } else {
        frames++;
        check_turn(s, session_frame(s, line, length, *connection), line, length);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lua_coverage_reset();
    current_line = "(the boot)";
    current_length = 10;
    session *s = session_open(NULL, check_sent);
    if (!s) lost("it did not start", NULL, NULL, 0);
    sessions++;
    int connection = 1;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = newline ? newline : end;
        run_line(s, &connection, p, (size_t)(line_end - p));
        p = newline ? newline + 1 : end;
    }
    int refs_left = 0;
    if (session_close(s, &refs_left) != LUA_OK) lost("the shutdown turn failed", NULL, NULL, 0);
    if (refs_left != 0) {
        fprintf(stderr, "frame_fuzzer: %d registry references left after shutdown\n", refs_left);
        lost("it leaked references", NULL, NULL, 0);
    }
    return 0;
}
