/* Lua patterns (the reference manual, section 6.4.1) for string.find, match,
 * gmatch and gsub, matched by gizmolua's own backtracking matcher.
 *
 * Why not the string library's own: its matcher runs in C, where the count
 * hook never fires, and a pattern with many quantified items backtracks
 * polynomially in the subject's length (`("a"):rep(3e4):find(("a*"):rep(30)
 * .. "b")` runs for hours). This one checks the turn's deadline as it goes
 * (gz_check_deadline), so the CPU limit holds; plain finds use memmem, which
 * is linear. The behaviour, results and error messages follow Lua 5.4's. */
#define _GNU_SOURCE
#include "gizmolua.h"

#include <ctype.h>
#include <string.h>

#define MAX_CAPTURES 32
#define MAX_DEPTH 200          /* nesting of the matcher, as Lua's MAXCCALLS */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define SPECIALS "^$*+?.([%-"
#define TICK_MASK 1023u        /* look at the clock every 1024 steps */

typedef struct {
    lua_State *L;
    const char *src, *src_end; /* the subject */
    const char *pat_end;
    int depth;                 /* how much deeper the matcher may go */
    unsigned steps;
    int level;                 /* captures opened so far */
    struct {
        const char *start;
        ptrdiff_t len;         /* or CAP_UNFINISHED, CAP_POSITION */
    } capture[MAX_CAPTURES];
} matcher;

static void tick(matcher *m) {
    if ((++m->steps & TICK_MASK) == 0) gz_check_deadline(m->L);
}

/* Past the single character class at p: `x`, `.`, `%x` or `[set]`. */
static const char *class_end(matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (p < m->pat_end && *p == '^') p++;
        do { /* a set's first character is never its end: "[]]" holds ']' */
            if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == '%' && p < m->pat_end) p++;
        } while (p >= m->pat_end || *p != ']');
        return p + 1;
    }
    return p;
}

/* Whether c is in the class named by letter cl (`%a`, `%D`, ...); any
 * other character after `%` stands for itself. */
static int in_class(int c, int cl) {
    int yes;
    switch (tolower(cl)) {
    case 'a': yes = isalpha(c); break;
    case 'c': yes = iscntrl(c); break;
    case 'd': yes = isdigit(c); break;
    case 'g': yes = isgraph(c); break;
    case 'l': yes = islower(c); break;
    case 'p': yes = ispunct(c); break;
    case 's': yes = isspace(c); break;
    case 'u': yes = isupper(c); break;
    case 'w': yes = isalnum(c); break;
    case 'x': yes = isxdigit(c); break;
    case 'z': yes = c == 0; break; /* deprecated in 5.2, still in 5.4 */
    default: return cl == c;
    }
    if (isupper(cl)) yes = !yes;
    return yes != 0;
}

/* Whether c is in the set [..] from p (at '[') to close (at its ']'). */
static int in_set(int c, const char *p, const char *close) {
    int yes = 1;
    p++;
    if (*p == '^') {
        yes = 0;
        p++;
    }
    while (p < close) {
        if (*p == '%') {
            p++;
            if (in_class(c, (unsigned char)*p)) return yes;
            p++;
        } else if (p + 2 < close && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return yes;
            p += 3;
        } else {
            if ((unsigned char)*p == c) return yes;
            p++;
        }
    }
    return !yes;
}

/* Whether the character at s matches the class from p to ep. */
static int single(matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(matcher *m, const char *s, const char *p);

/* The longest run of the class first, then shorter ones (`*`, `+`). */
static const char *max_expand(matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t i = 0;
    while (single(m, s + i, p, ep)) {
        i++;
        tick(m);
    }
    for (; i >= 0; i--) {
        const char *r = match(m, s + i, ep + 1);
        if (r) return r;
    }
    return NULL;
}

/* The shortest run first (`-`). */
static const char *min_expand(matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *r = match(m, s, ep + 1);
        if (r) return r;
        if (!single(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].len = what;
    m->level++;
    const char *r = match(m, s, p);
    if (!r) m->level--;
    return r;
}

static const char *end_capture(matcher *m, const char *s, const char *p) {
    int open = m->level - 1;
    while (open >= 0 && m->capture[open].len != CAP_UNFINISHED) open--;
    if (open < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[open].len = s - m->capture[open].start;
    const char *r = match(m, s, p);
    if (!r) m->capture[open].len = CAP_UNFINISHED;
    return r;
}

/* `%bxy` at p (pointing at x). */
static const char *balance(matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    for (const char *t = s + 1; t < m->src_end; t++) {
        tick(m);
        if (*t == close) {
            if (--depth == 0) return t + 1;
        } else if (*t == open) {
            depth++;
        }
    }
    return NULL;
}

/* `%1`..`%9`: the text of an earlier capture again. */
static const char *back_reference(matcher *m, const char *s, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->level || m->capture[i].len == CAP_UNFINISHED)
        luaL_error(m->L, "invalid capture index %%%d", i + 1);
    ptrdiff_t len = m->capture[i].len;
    if (len < 0) return NULL; /* a position capture is no text */
    if (m->src_end - s >= len && memcmp(m->capture[i].start, s, (size_t)len) == 0) return s + len;
    return NULL;
}

/* Matches the pattern from p at s; the end of the match, or NULL. */
static const char *match(matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        tick(m);
        if (p == m->pat_end) break;
        switch (*p) {
        case '(':
            if (p + 1 < m->pat_end && p[1] == ')') s = start_capture(m, s, p + 2, CAP_POSITION);
            else s = start_capture(m, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 == m->pat_end) {
                if (s != m->src_end) s = NULL;
                goto done;
            }
            break; /* a '$' elsewhere stands for itself */
        case '%':
            if (p + 1 >= m->pat_end) break; /* class_end reports it */
            if (p[1] == 'b') {
                s = balance(m, s, p + 2);
                if (!s) goto done;
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (p >= m->pat_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(m, p);
                int before = s == m->src ? '\0' : (unsigned char)s[-1];
                int here = s < m->src_end ? (unsigned char)*s : '\0';
                if (!in_set(before, p, ep - 1) && in_set(here, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            if (isdigit((unsigned char)p[1])) {
                s = back_reference(m, s, (unsigned char)p[1]);
                if (!s) goto done;
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        /* A single class, perhaps quantified. */
        const char *ep = class_end(m, p);
        int ok = single(m, s, p, ep);
        char q = ep < m->pat_end ? *ep : '\0';
        if (q == '?') {
            const char *r;
            if (ok && (r = match(m, s + 1, ep + 1)) != NULL) {
                s = r;
                goto done;
            }
            p = ep + 1;
            continue;
        }
        if (q == '+') {
            s = ok ? max_expand(m, s + 1, p, ep) : NULL;
            goto done;
        }
        if (q == '*') {
            s = max_expand(m, s, p, ep);
            goto done;
        }
        if (q == '-') {
            s = min_expand(m, s, p, ep);
            goto done;
        }
        if (!ok) {
            s = NULL;
            goto done;
        }
        s++;
        p = ep;
    }
done:
    m->depth++;
    return s;
}

/* ---- captures -------------------------------------------------------- */

/* Pushes capture i; without captures, capture 0 is the whole match. */
static void push_capture(matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->capture[i].len;
    if (len == CAP_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION) lua_pushinteger(m->L, (lua_Integer)(m->capture[i].start - m->src) + 1);
    else lua_pushlstring(m->L, m->capture[i].start, (size_t)len);
}

static int push_captures(matcher *m, const char *s, const char *e) {
    int n = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

static void start(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->steps = 0;
}

static void reset(matcher *m) {
    m->level = 0;
    m->depth = MAX_DEPTH;
}

/* ---- find and match -------------------------------------------------- */

/* A 1-based start position as Lua's string functions read it. */
static size_t start_position(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(SPECIALS, p[i])) return 1;
    return 0;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
        if (at) {
            lua_pushinteger(L, (lua_Integer)(at - s) + 1);
            lua_pushinteger(L, (lua_Integer)(at - s + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    int anchor = lp > 0 && *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    start(&m, L, s, ls, p, lp);
    const char *from = s + init;
    do {
        reset(&m);
        const char *e = match(&m, from, p);
        if (e) {
            if (!find) return push_captures(&m, from, e);
            lua_pushinteger(L, (lua_Integer)(from - s) + 1);
            lua_pushinteger(L, (lua_Integer)(e - s));
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (from++ < m.src_end && !anchor);
    luaL_pushfail(L);
    return 1;
}

static int gz_find(lua_State *L) { return find_or_match(L, 1); }
static int gz_match(lua_State *L) { return find_or_match(L, 0); }

/* ---- gmatch ---------------------------------------------------------- */

typedef struct {
    size_t next;       /* where the next search starts */
    size_t last_end;   /* end of the last match, to skip an empty match there */
    int matched;       /* whether last_end is set */
} gmatch_state;

static int gmatch_step(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
    if (g->next > ls) return 0;
    matcher m;
    start(&m, L, s, ls, p, lp);
    for (const char *from = s + g->next; from <= m.src_end; from++) {
        reset(&m);
        const char *e = match(&m, from, p);
        if (e && !(g->matched && (size_t)(e - s) == g->last_end)) {
            g->next = g->last_end = (size_t)(e - s);
            g->matched = 1;
            return push_captures(&m, from, e);
        }
    }
    g->next = ls + 1;
    return 0;
}

static int gz_gmatch(lua_State *L) {
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->next = init > ls ? ls + 1 : init;
    g->last_end = 0;
    g->matched = 0;
    lua_pushcclosure(L, gmatch_step, 3);
    return 1;
}

/* ---- gsub ------------------------------------------------------------ */

/* A replacement string: `%0`..`%9` are captures, `%%` is '%'. */
static void add_replacement_string(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = memchr(news, '%', l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++; /* Lua strings end in '\0', so *p is readable */
        if (*p == '%') {
            luaL_addchar(b, '%');
        } else if (isdigit((unsigned char)*p)) {
            if (*p == '0') {
                luaL_addlstring(b, s, (size_t)(e - s));
            } else {
                push_capture(m, *p - '1', s, e);
                lua_tolstring(L, -1, NULL); /* a position becomes its digits */
                luaL_addvalue(b);
            }
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
        tick(m);
    }
    luaL_addlstring(b, news, l);
}

/* Adds the replacement of the match s..e; whether it changed anything. */
static int add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (type == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_replacement_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int gz_gsub(lua_State *L) {
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION ||
                            type == LUA_TTABLE, 3, "string/function/table");
    int anchor = lp > 0 && *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    matcher m;
    start(&m, L, src, ls, p, lp);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *last = NULL;
    lua_Integer n = 0;
    int changed = 0;
    while (n < max) {
        reset(&m);
        const char *e = match(&m, src, p);
        if (e && e != last) {
            n++;
            changed = add_replacement(&m, &b, src, e, type) | changed;
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
        tick(&m);
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void gz_open_patterns(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"find", gz_find}, {"match", gz_match}, {"gmatch", gz_gmatch}, {"gsub", gz_gsub}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
}
