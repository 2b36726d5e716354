/*
 * Lua values from fuzz bytes, for the encoder: the values a script can hand
 * gz.json.encode and JSON text cannot describe. Each value starts with one
 * byte whose low four bits say what it is:
 *
 *   0 nil          1 true          2 false          3 integer (8 bytes)
 *   4 float (8 raw bytes: NaN, infinities, -0.0, subnormals)
 *   5 string (a length byte, then the bytes)        6 array (a count byte, values)
 *   7 table (a count byte, then key and value pairs: any key, nil and NaN skipped)
 *   8 gz.json.null 9 a function    10 an empty table marked as an array
 *  11 a table made earlier (shared)                12 the table being filled (a cycle)
 *  13 a small integer (a byte)    14 a small float (a byte, in quarters)
 *  15 a full userdata
 *
 * The bytes run out as nil. Nesting stops at MAX_DEPTH, past the encoder's
 * own limit (500), so that limit is reached too.
 */
#include "value_recipe.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 520
#define JSON_ARRAY_MARK "__jsonarray"

typedef struct {
    const uint8_t *p, *end;
    int made; /* stack slot of the list of tables made so far */
} recipe;

static int next_byte(recipe *r) { return r->p < r->end ? *r->p++ : -1; }

static uint64_t next_word(recipe *r) {
    uint64_t word = 0;
    for (int i = 0; i < 8; i++) {
        int b = next_byte(r);
        word = (word << 8) | (uint64_t)(b < 0 ? 0 : b);
    }
    return word;
}

static int no_op(lua_State *L) {
    (void)L;
    return 0;
}

static void push_value(lua_State *L, recipe *r, int parent, int depth);

/* Pushes a new table, kept for later shared references (11); returns how
 * many entries the recipe gives it. */
static int new_table(lua_State *L, recipe *r) {
    int count = next_byte(r);
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, -1);
    lua_rawseti(L, r->made, (lua_Integer)lua_rawlen(L, r->made) + 1);
    return count < 0 ? 0 : count % 16;
}

static void push_array(lua_State *L, recipe *r, int depth) {
    int count = new_table(L, r), table = lua_gettop(L);
    for (int i = 1; i <= count; i++) {
        push_value(L, r, table, depth + 1);
        lua_rawseti(L, table, i); /* nil leaves a hole */
    }
}

static void push_table(lua_State *L, recipe *r, int depth) {
    int count = new_table(L, r), table = lua_gettop(L);
    for (int i = 1; i <= count; i++) {
        push_value(L, r, table, depth + 1);
        push_value(L, r, table, depth + 1);
        int key_is_nan = lua_type(L, -2) == LUA_TNUMBER && !lua_isinteger(L, -2) &&
                         lua_tonumber(L, -2) != lua_tonumber(L, -2);
        if (lua_isnil(L, -2) || key_is_nan) lua_pop(L, 2);
        else lua_rawset(L, table);
    }
}

static void push_value(lua_State *L, recipe *r, int parent, int depth) {
    luaL_checkstack(L, 8, "value recipe nested too deep");
    int op = next_byte(r);
    if (op < 0 || depth > MAX_DEPTH) {
        lua_pushnil(L);
        return;
    }
    switch (op & 15) {
    case 0: lua_pushnil(L); break;
    case 1: lua_pushboolean(L, 1); break;
    case 2: lua_pushboolean(L, 0); break;
    case 3: lua_pushinteger(L, (lua_Integer)next_word(r)); break;
    case 4: {
        uint64_t word = next_word(r);
        double d;
        memcpy(&d, &word, sizeof d);
        lua_pushnumber(L, d);
        break;
    }
    case 5: {
        int length = next_byte(r);
        size_t n = length < 0 ? 0 : (size_t)length;
        if (n > (size_t)(r->end - r->p)) n = (size_t)(r->end - r->p);
        lua_pushlstring(L, (const char *)r->p, n);
        r->p += n;
        break;
    }
    case 6: push_array(L, r, depth); break;
    case 7: push_table(L, r, depth); break;
    case 8: lua_pushlightuserdata(L, NULL); break;
    case 9: lua_pushcfunction(L, no_op); break;
    case 10:
        lua_createtable(L, 0, 0);
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, JSON_ARRAY_MARK);
        lua_setmetatable(L, -2);
        break;
    case 11: {
        lua_Integer made = (lua_Integer)lua_rawlen(L, r->made);
        int pick = next_byte(r);
        if (made == 0 || pick < 0) lua_pushnil(L);
        else lua_rawgeti(L, r->made, 1 + pick % made);
        break;
    }
    case 12:
        if (parent) lua_pushvalue(L, parent);
        else lua_pushnil(L);
        break;
    case 13: lua_pushinteger(L, (lua_Integer)next_byte(r) - 128); break;
    case 14: lua_pushnumber(L, ((lua_Number)next_byte(r) - 128) / 4); break;
    default: lua_newuserdatauv(L, 1, 0); break;
    }
}

int value_recipe_build(lua_State *L) {
    recipe r;
    r.p = lua_touserdata(L, 1);
    r.end = r.p + (size_t)luaL_checkinteger(L, 2);
    lua_createtable(L, 0, 0);
    r.made = lua_gettop(L);
    push_value(L, &r, 0, 0);
    return 1;
}
