/*
 * json_fuzzer: libFuzzer over the C JSON codec (Sources/CGizmoLua/json.c),
 * in a state made as a session's is (gz_newstate with a memory budget,
 * gz_open_native), every call through gz_pcall as the runtime makes it.
 *
 * An input is JSON text to decode, or (when its first byte is 0) a recipe
 * for a Lua value to encode (value_recipe.c): decoding only ever meets what
 * JSON can say, and scripts hand gz.json.encode much more (NaN, infinity,
 * -0.0, float and boolean keys, gz.json.null, functions, marked empty
 * arrays, tables shared or nested in themselves).
 *
 * What must hold, or the target aborts (a crash libFuzzer keeps):
 * - decoding fails only with a "json:" error or for memory;
 * - what decodes encodes (memory aside), and every encoding is valid UTF-8
 *   JSON by an independent checker (json_check.c), which decodes again
 *   (unless it nests deeper than the decoder reads: 100 levels);
 * - a round trip (encode, then decode) of a decoded value whose strings are
 *   valid UTF-8 gives it back (numbers compare as Lua compares them, so
 *   1.0 == 1; an array with a hole, left by a null, comes back as an object
 *   with keys "1", "3", ..., and nothing may be missing); so does every
 *   value the second and third rounds start from, and the third changes
 *   nothing at all. (From a value a script built, the first round may
 *   change: invalid UTF-8 becomes U+FFFD, NaN and infinities null,
 *   functions are left out of objects.)
 * - the budget holds: the state never holds more than its limit, a refused
 *   allocation fails only that call, and after a full collection the state
 *   is back to what it held before the input. Each input is decoded a second
 *   time under a budget that runs out part way (its size picked by the
 *   input), so that every allocation of the decoder is seen to fail cleanly.
 * AddressSanitizer adds what C can get wrong: no overflow, no leak.
 */
#include "gizmolua.h"
#include "json_check.h"
#include "value_recipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ample for any input under -max_len (tens of KiB), small enough that an
 * encoding that keeps growing (a shared graph) meets it quickly. */
#define AMPLE_BUDGET ((size_t)1 << 20)
/* What a collection may leave above the state's size before the input:
 * Lua keeps its string table and stack at sizes they grew to (a few KiB
 * at most over the fuzzer's own corpus). */
#define SLACK_AFTER_COLLECT ((size_t)32 << 10)
#define DEPTH_GUARD 600 /* past the encoder's 500 levels */
/* json.c reads what a page sends to 100 levels but writes what the runtime
 * sends to 500 (a render nests two levels per component), so its own text of
 * a deeper value than 100 levels may be refused as "nested too deep". */
#define DECODE_MAX_DEPTH 100

/* JSON_FUZZER_DEBUG=1 in the environment prints each round's text (to see
 * what a kept crash does). */
static int debug_rounds = -1;

/* Stack slots of the codec's functions in every state. */
enum { ENCODE = 1, DECODE = 2 };

static void fail(const char *what, const char *data, size_t size) {
    fprintf(stderr, "json_fuzzer: %s\n", what);
    if (data) fprintf(stderr, "  text (%zu bytes): %.*s\n", size, (int)(size > 2000 ? 2000 : size), data);
    abort();
}

static lua_State *codec_state(size_t budget) {
    lua_State *L = gz_newstate(budget, NULL);
    if (!L) fail("gz_newstate failed", NULL, 0);
    lua_createtable(L, 0, 0);
    gz_open_native(L);
    lua_getfield(L, -1, "json_encode");
    lua_getfield(L, -2, "json_decode");
    lua_remove(L, 1); /* ENCODE and DECODE are now slots 1 and 2 */
    gz_collect(L);
    return L;
}

/* Calls `fn` (a slot) on the value at `arg`; leaves the result (or the
 * error message) on top. */
static int call(lua_State *L, int fn, int arg) {
    arg = lua_absindex(L, arg);
    lua_pushvalue(L, fn);
    lua_pushvalue(L, arg);
    int status = gz_pcall(L, 1, 1, 0);
    if (gz_memory_limit(L) && gz_memory_used(L) > gz_memory_limit(L))
        fail("the state holds more than its budget", NULL, 0);
    return status;
}

static int out_of_memory(lua_State *L, int status) {
    return (status == LUA_ERRMEM || status == LUA_ERRERR) && gz_memory_exceeded(L);
}

/* An error the codec may give for bad input: its own "json:" message. */
static int codec_error(lua_State *L, int status) {
    if (out_of_memory(L, status)) return 1;
    const char *message = lua_tostring(L, -1);
    return status == LUA_ERRRUN && message && strstr(message, "json:") != NULL;
}

/* ---- comparing values ------------------------------------------------ */

/* Whether the table at `index` has integer keys that are not 1..n: an
 * array with holes, which encodes as an object with keys "1", "3", ... */
static int has_holes(lua_State *L, int index) {
    lua_Integer count = 0, largest = 0;
    lua_pushnil(L);
    while (lua_next(L, index)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1)) {
            count++;
            if (lua_tointeger(L, -1) > largest) largest = lua_tointeger(L, -1);
        }
    }
    return largest != count;
}

/* Deep equality of the values at `a` and `b`, numbers as Lua compares them.
 * Where a table of `a` has holes, its integer key k may be the string k in
 * `b` (what one round trip makes of it), but nothing may be missing. */
static int equal(lua_State *L, int a, int b, int depth) {
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    if (lua_type(L, a) != lua_type(L, b)) return 0;
    if (lua_type(L, a) != LUA_TTABLE) return lua_rawequal(L, a, b);
    if (depth > DEPTH_GUARD) fail("values nested past the guard", NULL, 0);
    luaL_checkstack(L, 8, NULL);
    int holes = has_holes(L, a);
    size_t count_a = 0, count_b = 0;
    lua_pushnil(L);
    while (lua_next(L, b)) {
        count_b++;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, a)) {
        count_a++;
        lua_pushvalue(L, -2);
        lua_rawget(L, b);
        if (lua_isnil(L, -1) && holes && lua_isinteger(L, -3)) {
            lua_pop(L, 1);
            lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, -2));
            lua_rawget(L, b);
        }
        int same = !lua_isnil(L, -1) && equal(L, -2, -1, depth + 1);
        lua_pop(L, 2);
        if (!same) {
            lua_pop(L, 1);
            return 0;
        }
    }
    return count_a == count_b;
}

/* Whether every string of the decoded value at `index` (keys too) is valid
 * UTF-8, so that a round trip must keep it as it is. */
static int valid_utf8_throughout(lua_State *L, int index, int depth) {
    index = lua_absindex(L, index);
    switch (lua_type(L, index)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, index, &n);
        return utf8_valid((const unsigned char *)s, n);
    }
    case LUA_TTABLE: break;
    default: return 1;
    }
    if (depth > DEPTH_GUARD) fail("values nested past the guard", NULL, 0);
    luaL_checkstack(L, 6, NULL);
    lua_pushnil(L);
    while (lua_next(L, index)) {
        if (!valid_utf8_throughout(L, -2, depth + 1) || !valid_utf8_throughout(L, -1, depth + 1)) {
            lua_pop(L, 2);
            return 0;
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* ---- the checks ------------------------------------------------------- */

/* Encodes the value at `value`; on success checks the text and leaves it on
 * top, returns 1. Returns 0 (nothing left) when the value cannot be encoded
 * for a reason the codec may give; `decoded` says it came from JSON text,
 * so only memory may stop it. */
static int encode_checked(lua_State *L, int value, int decoded) {
    value = lua_absindex(L, value);
    int status = call(L, ENCODE, value);
    if (status != LUA_OK) {
        if (decoded ? !out_of_memory(L, status) : !codec_error(L, status))
            fail(lua_tostring(L, -1) ? lua_tostring(L, -1) : "encoding failed", NULL, 0);
        lua_pop(L, 1);
        return 0;
    }
    size_t n, at = 0;
    const char *text = lua_tolstring(L, -1, &n);
    if (json_check(text, n, &at) == JSON_CHECK_INVALID) {
        fprintf(stderr, "json_fuzzer: the encoding is not valid UTF-8 JSON at byte %zu\n", at);
        fail("invalid encoding", text, n);
    }
    return 1;
}

/* Decodes the text on top, which the codec itself wrote: only memory (or
 * nesting past what it reads) may stop it. Leaves the value on top and
 * returns 1, or returns 0. */
static int decode_own(lua_State *L) {
    size_t n;
    const char *text = lua_tolstring(L, -1, &n);
    int status = call(L, DECODE, lua_gettop(L));
    if (status != LUA_OK) {
        const char *message = lua_tostring(L, -1);
        int too_deep = status == LUA_ERRRUN && message && strstr(message, "json: nested too deep") &&
                       json_depth(text, n) > DECODE_MAX_DEPTH;
        if (!out_of_memory(L, status) && !too_deep) {
            fprintf(stderr, "json_fuzzer: %s\n", lua_tostring(L, -1));
            fail("the codec cannot decode its own encoding", text, n);
        }
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

/* Encodes and decodes the value at `value`, leaving the result on top;
 * 0 (nothing left) when memory ran out. */
static int trip(lua_State *L, int value, int decoded) {
    if (!encode_checked(L, value, decoded)) return 0;
    if (!decode_own(L)) {
        lua_pop(L, 1);
        return 0;
    }
    if (debug_rounds) fprintf(stderr, "json_fuzzer: round trip through %s\n", lua_tostring(L, -2));
    lua_remove(L, -2); /* the text */
    return 1;
}

static void changed_in_round_trip(lua_State *L, int before) {
    encode_checked(L, before, 1);
    size_t n;
    const char *text = lua_tolstring(L, -1, &n);
    fail("a round trip lost or changed a value (JSON_FUZZER_DEBUG=1 shows each round)", text, n);
}

/* Three round trips from the value at `value`. The first must keep it when
 * `exact`; the next two must keep what the first gave (it came from the
 * codec's own valid UTF-8), and the third must leave it as it is. */
static void round_trip(lua_State *L, int value, int decoded, int exact) {
    int top = lua_gettop(L);
    if (!trip(L, value, decoded)) goto done;
    if (exact && !equal(L, value, -1, 0)) changed_in_round_trip(L, value);
    for (int round = 2; round <= 3; round++) {
        if (!trip(L, -1, 1)) goto done;
        if (!equal(L, -2, -1, 0)) changed_in_round_trip(L, -2);
    }
done:
    lua_settop(L, top);
}

static void check_decode(const uint8_t *data, size_t size) {
    lua_State *L = codec_state(AMPLE_BUDGET);
    size_t before = gz_memory_used(L);
    lua_pushlstring(L, (const char *)data, size);
    int status = call(L, DECODE, lua_gettop(L));
    if (status == LUA_OK) {
        round_trip(L, lua_gettop(L), 1, valid_utf8_throughout(L, -1, 0));
    } else if (!codec_error(L, status)) {
        fail(lua_tostring(L, -1) ? lua_tostring(L, -1) : "decoding failed", (const char *)data, size);
    }
    lua_settop(L, 2);
    gz_collect(L);
    if (gz_memory_used(L) > before + SLACK_AFTER_COLLECT)
        fail("memory still held after the input and a full collection", NULL, 0);
    gz_close(L);
}

/* Decodes once more under a budget that runs out part way: every failure
 * must be clean and leave the state usable and back at its size. */
static void check_decode_short_of_memory(const uint8_t *data, size_t size) {
    lua_State *L = codec_state(0);
    size_t before = gz_memory_used(L);
    uint32_t pick = 2166136261u; /* FNV-1a of the input: a budget of its own */
    for (size_t i = 0; i < size; i++) pick = (pick ^ data[i]) * 16777619u;
    lua_pushlstring(L, (const char *)data, size);
    gz_set_memory_limit(L, gz_memory_used(L) + 256 + pick % (size * 8 + 1024));
    int status = call(L, DECODE, lua_gettop(L));
    if (status != LUA_OK && !codec_error(L, status))
        fail(lua_tostring(L, -1) ? lua_tostring(L, -1) : "decoding failed", (const char *)data, size);
    lua_settop(L, 2);
    gz_collect(L);
    if (gz_memory_used(L) > before + SLACK_AFTER_COLLECT)
        fail("memory still held after a failed decode and a full collection", NULL, 0);
    gz_set_memory_limit(L, AMPLE_BUDGET);
    lua_pushliteral(L, "[1,\"two\",{\"three\":3}]");
    if (call(L, DECODE, lua_gettop(L)) != LUA_OK) fail("the state is not usable after running out of memory", NULL, 0);
    gz_close(L);
}

static void check_encode(const uint8_t *data, size_t size) {
    lua_State *L = codec_state(AMPLE_BUDGET);
    size_t before = gz_memory_used(L);
    lua_pushcfunction(L, value_recipe_build);
    lua_pushlightuserdata(L, (void *)data);
    lua_pushinteger(L, (lua_Integer)size);
    int status = gz_pcall(L, 2, 1, 0);
    if (status == LUA_OK) {
        round_trip(L, lua_gettop(L), 0, 0);
    } else if (!out_of_memory(L, status)) {
        fail(lua_tostring(L, -1) ? lua_tostring(L, -1) : "building the value failed", NULL, 0);
    }
    lua_settop(L, 2);
    gz_collect(L);
    if (gz_memory_used(L) > before + SLACK_AFTER_COLLECT)
        fail("memory still held after the input and a full collection", NULL, 0);
    gz_close(L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (debug_rounds < 0) debug_rounds = getenv("JSON_FUZZER_DEBUG") != NULL;
    if (size > 0 && data[0] == 0) {
        check_encode(data + 1, size - 1);
    } else {
        check_decode(data, size);
        check_decode_short_of_memory(data, size);
    }
    return 0;
}
