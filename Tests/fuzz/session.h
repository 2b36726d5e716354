#ifndef GIZMO_FUZZ_SESSION_H
#define GIZMO_FUZZ_SESSION_H

/*
 * A session's Lua state made as GizmoVM makes it (gz_newstate, the runtime
 * called with the host table and options, the script booted), with the
 * host's Swift functions stubbed in C. session.c is the one place that knows
 * the runtime's files, the host functions and the boot sequence.
 */

#include "gizmolua.h"

typedef struct session session;

/* What the host would send a page besides a turn's frame: the welcome a
 * joining page gets (host.join). */
typedef void (*session_sent_fn)(const char *frame, size_t length);

/* Reads and compiles the runtime's files from `directory` (the package's
 * Sources/GizmoLua/Resources) once per process; 0 when that worked, else
 * writes why to stderr. */
int session_load_runtime(const char *directory);

/* A new session with the script booted (its first frame discarded); NULL
 * and a message on stderr when it could not start. `prepare` (if any) gets
 * the fresh state before any Lua runs in it; `sent` gets each frame the
 * host is asked to send to one page. */
session *session_open(void (*prepare)(lua_State *L), session_sent_fn sent);

/* Ends the session: the "shutdown" turn, then the state is closed. Returns
 * the turn's status; `*refs_left` gets the registry references still held
 * after it beyond those held before the script ran (0 unless a leak). */
int session_close(session *s, int *refs_left);

lua_State *session_state(session *s);

/* One turn: `turn("frame", text, connection)`, a message from the page on
 * that connection. Leaves (frame, failure, shown_by) on the stack and
 * returns LUA_OK, or returns the error status with the message on the
 * stack. */
int session_frame(session *s, const char *text, size_t length, int connection);

/* `turn("leave", connection)`: that page's socket has gone. As session_frame. */
int session_leave(session *s, int connection);

/* `turn("rerender")`: every page gets the tree again (a hot reload's second
 * half). As session_frame. */
int session_rerender(session *s);

/* Fires the pending timer the number picks (pending timers in the order
 * they were made, the number taken modulo their count): `turn("timer", id)`.
 * Returns -1 (nothing pushed) when no timer is pending, else as session_frame. */
int session_fire_timer(session *s, unsigned pick);

/* Fires the timer cancelled last, as the host may when a cancel races the
 * timer's task; -1 when none was cancelled. */
int session_fire_cancelled_timer(session *s);

#endif
