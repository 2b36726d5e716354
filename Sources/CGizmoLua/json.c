/* JSON for the protocol and for gz.json: C because it is on every frame's
 * path and because it raises Lua errors on bad input. */
#include "gizmolua.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting: what a page sends is read to 100 levels; what the runtime sends
 * (a render nests two levels per component) may go to 500. */
#define JSON_MAX_DEPTH 100
#define JSON_MAX_ENCODE_DEPTH 500
#define JSON_ARRAY_MARK "__jsonarray"

/* ---- encoding -------------------------------------------------------- */

/* The output grows in a userdata at a fixed stack slot (not a luaL_Buffer,
 * which must stay on top of the stack while values are pushed above it).
 * Growth goes through Lua's allocator, so it counts against the budget and
 * a failure is an ordinary Lua memory error. */
typedef struct {
    lua_State *L;
    int slot;
    char *data;
    size_t length, capacity;
    unsigned values;  /* encoded so far, to look at the clock now and then */
    int max_depth;
} out_buffer;

static void out_reserve(out_buffer *b, size_t extra) {
    if (b->length + extra <= b->capacity) return;
    size_t capacity = b->capacity * 2;
    while (capacity < b->length + extra) capacity *= 2;
    char *data = lua_newuserdatauv(b->L, capacity, 0);
    memcpy(data, b->data, b->length);
    lua_replace(b->L, b->slot);
    b->data = data;
    b->capacity = capacity;
}

static void out_add(out_buffer *b, const char *s, size_t n) {
    out_reserve(b, n);
    memcpy(b->data + b->length, s, n);
    b->length += n;
}

static void out_char(out_buffer *b, char c) { out_add(b, &c, 1); }
static void out_str(out_buffer *b, const char *s) { out_add(b, s, strlen(s)); }

static void encode_value(lua_State *L, out_buffer *b, int index, int depth);

/* Copies a string as JSON, replacing invalid UTF-8 with U+FFFD, so that a
 * frame is always valid text for the browser. */
static void encode_string(out_buffer *b, const unsigned char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    out_char(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': out_str(b, "\\\""); break;
            case '\\': out_str(b, "\\\\"); break;
            case '\n': out_str(b, "\\n"); break;
            case '\r': out_str(b, "\\r"); break;
            case '\t': out_str(b, "\\t"); break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                    out_str(b, esc);
                } else {
                    out_char(b, (char)c);
                }
            }
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        int valid = len > 0 && c <= 0xf4 && i + len <= n;
        for (size_t k = 1; valid && k < len; k++) valid = (s[i + k] & 0xc0) == 0x80;
        if (valid && len == 3) {
            unsigned cp = ((c & 0x0f) << 12) | ((s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
            valid = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
        } else if (valid && len == 4) {
            unsigned cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3f) << 12) |
                          ((s[i + 2] & 0x3f) << 6) | (s[i + 3] & 0x3f);
            valid = cp >= 0x10000 && cp <= 0x10ffff;
        }
        if (valid) {
            out_add(b, (const char *)s + i, len);
            i += len;
        } else {
            out_str(b, "\xef\xbf\xbd");
            i++;
        }
    }
    out_char(b, '"');
}

static void encode_number(lua_State *L, out_buffer *b, int index) {
    char text[64];
    if (lua_isinteger(L, index)) {
        snprintf(text, sizeof text, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, index));
    } else {
        double d = (double)lua_tonumber(L, index);
        if (!isfinite(d)) {
            out_str(b, "null");
            return;
        }
        snprintf(text, sizeof text, "%.14g", d);
        if (strtod(text, NULL) != d) snprintf(text, sizeof text, "%.17g", d);
        for (char *p = text; *p; p++)
            if (*p == ',') *p = '.'; /* whatever the C locale says */
    }
    out_str(b, text);
}

/* A table is an array when its keys are exactly 1..#t, or when it is empty
 * and marked with gz.json.array. #t is any border, so a table with holes
 * ({1, nil, 3, 4, nil, 6} can have #t == 4) must fail on a key past it, not
 * only on the count: else the keys past the border are silently lost. */
static int is_array(lua_State *L, int index, lua_Integer *length) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, index), count = 0;
    lua_pushnil(L);
    while (lua_next(L, index)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
            lua_pop(L, 1);
            return 0;
        }
        count++;
    }
    *length = n;
    if (count != n) return 0;
    if (n > 0) return 1;
    int marked = 0;
    if (lua_getmetatable(L, index)) { /* raw: no metamethod of a script's runs here */
        lua_pushliteral(L, JSON_ARRAY_MARK);
        lua_rawget(L, -2);
        marked = lua_toboolean(L, -1);
        lua_pop(L, 2);
    }
    return marked;
}

static void encode_key(lua_State *L, out_buffer *b, int index) {
    switch (lua_type(L, index)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, index, &n);
        encode_string(b, (const unsigned char *)s, n);
        break;
    }
    case LUA_TNUMBER:
        out_char(b, '"');
        encode_number(L, b, index);
        out_char(b, '"');
        break;
    default:
        luaL_error(L, "json: cannot encode a table key of type %s", luaL_typename(L, index));
    }
}

static void encode_table(lua_State *L, out_buffer *b, int index, int depth) {
    lua_Integer n;
    if (is_array(L, index, &n)) {
        out_char(b, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) out_char(b, ',');
            lua_rawgeti(L, index, i);
            encode_value(L, b, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        out_char(b, ']');
        return;
    }
    out_char(b, '{');
    int first = 1;
    lua_pushnil(L);
    while (lua_next(L, index)) {
        int top = lua_gettop(L);
        int type = lua_type(L, top);
        if (type == LUA_TFUNCTION || type == LUA_TTHREAD ||
            (type == LUA_TUSERDATA)) { /* left out, as JSON.stringify does */
            lua_pop(L, 1);
            continue;
        }
        if (!first) out_char(b, ',');
        first = 0;
        encode_key(L, b, top - 1);
        out_char(b, ':');
        encode_value(L, b, top, depth + 1);
        lua_pop(L, 1);
    }
    out_char(b, '}');
}

static void encode_value(lua_State *L, out_buffer *b, int index, int depth) {
    /* A table that holds the same table twice is encoded twice: a graph of
     * shared tables can take exponential time, so the deadline holds here. */
    if ((++b->values & 1023u) == 0) gz_check_deadline(L);
    if (depth > b->max_depth)
        luaL_error(L, "json: nested deeper than %d levels (a table that contains itself?)", b->max_depth);
    luaL_checkstack(L, 6, "json: nested too deep");
    switch (lua_type(L, index)) {
    case LUA_TNIL: out_str(b, "null"); break;
    case LUA_TBOOLEAN: out_str(b, lua_toboolean(L, index) ? "true" : "false"); break;
    case LUA_TNUMBER: encode_number(L, b, index); break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, index, &n);
        encode_string(b, (const unsigned char *)s, n);
        break;
    }
    case LUA_TTABLE: encode_table(L, b, index, depth); break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, index) == NULL) {
            out_str(b, "null");
            break;
        }
        /* fall through */
    default:
        luaL_error(L, "json: cannot encode a value of type %s", luaL_typename(L, index));
    }
}

/* json_encode(value [, max_depth]): max_depth (at most 500) lets the
 * runtime refuse, up front, a value that must later fit inside a render. */
static int json_encode(lua_State *L) {
    luaL_checkany(L, 1);
    lua_Integer max_depth = luaL_optinteger(L, 2, JSON_MAX_ENCODE_DEPTH);
    if (max_depth < 0 || max_depth > JSON_MAX_ENCODE_DEPTH) max_depth = JSON_MAX_ENCODE_DEPTH;
    lua_settop(L, 1);
    out_buffer b = {L, 2, NULL, 0, 256, 0, (int)max_depth};
    b.data = lua_newuserdatauv(L, b.capacity, 0);
    encode_value(L, &b, 1, 0);
    lua_pushlstring(L, b.data, b.length);
    return 1;
}


/* ---- decoding -------------------------------------------------------- */

typedef struct {
    lua_State *L;
    const char *s, *p, *end;
    unsigned values;
} reader;

static int json_fail(reader *r, const char *what) {
    return luaL_error(r->L, "json: %s at byte %d", what, (int)(r->p - r->s) + 1);
}

static void skip_space(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static void decode_value(reader *r, int depth);

static unsigned read_hex4(reader *r) {
    if (r->end - r->p < 4) json_fail(r, "short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else json_fail(r, "bad \\u escape");
    }
    r->p += 4;
    return v;
}

static void add_utf8(luaL_Buffer *b, unsigned cp) {
    char out[4];
    int n;
    if (cp < 0x80) { out[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { out[0] = (char)(0xc0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    luaL_addlstring(b, out, (size_t)n);
}

static void decode_string(reader *r) {
    luaL_Buffer b;
    r->p++; /* opening quote */
    luaL_buffinit(r->L, &b);
    for (;;) {
        const char *run = r->p;
        while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char)*r->p >= 0x20) r->p++;
        luaL_addlstring(&b, run, (size_t)(r->p - run));
        if (r->p >= r->end) json_fail(r, "unterminated string");
        char c = *r->p++;
        if (c == '"') break;
        if (c != '\\') { r->p--; json_fail(r, "control character in string"); }
        if (r->p >= r->end) json_fail(r, "unterminated string");
        switch (*r->p++) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned cp = read_hex4(r);
            if (cp >= 0xd800 && cp <= 0xdbff && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                const char *save = r->p;
                r->p += 2;
                unsigned low = read_hex4(r);
                if (low >= 0xdc00 && low <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                else { r->p = save; cp = 0xfffd; }
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                cp = 0xfffd;
            }
            add_utf8(&b, cp);
            break;
        }
        default: r->p--; json_fail(r, "bad escape in string");
        }
    }
    luaL_pushresult(&b);
}

static void decode_number(reader *r) {
    const char *start = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') || *r->p == '.' || *r->p == 'e' ||
                             *r->p == 'E' || *r->p == '+' || *r->p == '-'))
        r->p++;
    char text[64];
    size_t n = (size_t)(r->p - start);
    if (n == 0 || n >= sizeof text) { r->p = start; json_fail(r, "bad number"); }
    memcpy(text, start, n);
    text[n] = 0;
    if (lua_stringtonumber(r->L, text) != n + 1) { r->p = start; json_fail(r, "bad number"); }
    /* 1e400 would be infinity, which no JSON can say (the encoder writes
     * null): refused, as any other number JSON cannot hold. */
    if (!lua_isinteger(r->L, -1) && !isfinite((double)lua_tonumber(r->L, -1))) {
        r->p = start;
        json_fail(r, "number out of range");
    }
}

static void expect_word(reader *r, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) json_fail(r, "unexpected character");
    r->p += n;
}

static void decode_array(reader *r, int depth) {
    lua_State *L = r->L;
    lua_newtable(L);
    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == ']') { r->p++; return; }
    for (lua_Integer i = 1;; i++) {
        decode_value(r, depth + 1);
        lua_rawseti(L, -2, i); /* null leaves a hole */
        skip_space(r);
        if (r->p < r->end && *r->p == ',') { r->p++; continue; }
        if (r->p < r->end && *r->p == ']') { r->p++; return; }
        json_fail(r, "expected ',' or ']'");
    }
}

static void decode_object(reader *r, int depth) {
    lua_State *L = r->L;
    lua_newtable(L);
    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == '}') { r->p++; return; }
    for (;;) {
        skip_space(r);
        if (r->p >= r->end || *r->p != '"') json_fail(r, "expected a string key");
        decode_string(r);
        skip_space(r);
        if (r->p >= r->end || *r->p != ':') json_fail(r, "expected ':'");
        r->p++;
        decode_value(r, depth + 1);
        lua_rawset(L, -3); /* a null value leaves the key out */
        skip_space(r);
        if (r->p < r->end && *r->p == ',') { r->p++; continue; }
        if (r->p < r->end && *r->p == '}') { r->p++; return; }
        json_fail(r, "expected ',' or '}'");
    }
}

static void decode_value(reader *r, int depth) {
    if ((++r->values & 1023u) == 0) gz_check_deadline(r->L);
    if (depth > JSON_MAX_DEPTH) json_fail(r, "nested too deep");
    luaL_checkstack(r->L, 4, "json: nested too deep");
    skip_space(r);
    if (r->p >= r->end) json_fail(r, "unexpected end");
    switch (*r->p) {
    case '{': decode_object(r, depth); break;
    case '[': decode_array(r, depth); break;
    case '"': decode_string(r); break;
    case 't': expect_word(r, "true"); lua_pushboolean(r->L, 1); break;
    case 'f': expect_word(r, "false"); lua_pushboolean(r->L, 0); break;
    case 'n': expect_word(r, "null"); lua_pushnil(r->L); break;
    default: decode_number(r);
    }
}

static int json_decode(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    reader r = {L, s, s, s + n, 0};
    decode_value(&r, 0);
    skip_space(&r);
    if (r.p != r.end) json_fail(&r, "trailing characters");
    return 1;
}

/* ---- the native host table ------------------------------------------- */

extern char **environ;

static int native_ref(lua_State *L) {
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    lua_pushinteger(L, gz_ref(L));
    return 1;
}

static int native_unref(lua_State *L) {
    gz_unref(L, (int)luaL_checkinteger(L, 1));
    return 0;
}

static int native_deref(lua_State *L) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, luaL_checkinteger(L, 1));
    return 1;
}

static int native_ref_count(lua_State *L) {
    lua_pushinteger(L, gz_ref_count(L));
    return 1;
}

static int native_getenv(lua_State *L) {
    const char *v = getenv(luaL_checkstring(L, 1));
    if (v) lua_pushstring(L, v);
    else lua_pushnil(L);
    return 1;
}

static int native_environ(lua_State *L) {
    lua_newtable(L);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e) continue;
        lua_pushlstring(L, *e, (size_t)(eq - *e));
        lua_pushstring(L, eq + 1);
        lua_rawset(L, -3);
    }
    return 1;
}

static int native_memory(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)gz_memory_used(L));
    lua_pushinteger(L, (lua_Integer)gz_memory_limit(L));
    return 2;
}

/* Whether code of this turn was stopped by the CPU limit. */
static int native_stopped(lua_State *L) {
    lua_pushboolean(L, gz_cpu_exceeded(L));
    return 1;
}

void gz_open_native(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"stopped", native_stopped},
        {"json_encode", json_encode}, {"json_decode", json_decode},
        {"ref", native_ref},          {"unref", native_unref},
        {"deref", native_deref},      {"ref_count", native_ref_count},
        {"getenv", native_getenv},    {"environ", native_environ},
        {"memory", native_memory},    {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "json_null");
    lua_pushliteral(L, JSON_ARRAY_MARK);
    lua_setfield(L, -2, "json_array_mark");
}
