/* The standard library functions that loop in C over what a script gives
 * them, replaced by versions that stop at the turn's deadline: the count
 * hook only sees Lua instructions, so a C loop of 2^62 steps would hold a
 * core for ever (string.rep, table.move, concat, insert, remove; unpack is
 * bounded by the stack, sort's comparisons are Lua, sandbox.lua). Each keeps
 * the stock function's arguments, results and messages. The pattern
 * functions are in match.c. */
#include "gizmolua.h"

#include <lualib.h>
#include <string.h>

#define TICK_MASK 1023u

/* string.rep(s, n [, sep]). The stock loop runs n times even when the result
 * is empty (`string.rep("", 2^53)`); a non-empty result is bounded by the
 * memory budget, which refuses its buffer before the loop starts. */
static int gz_rep(lua_State *L) {
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    size_t limit = (size_t)LUA_MAXINTEGER;
    if (l + lsep < l || l + lsep > limit / (size_t)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    for (lua_Integer i = 1; i < n; i++) {
        memcpy(p, s, l);
        p += l;
        if (lsep > 0) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
        if ((i & 0xffff) == 0) gz_check_deadline(L);
    }
    memcpy(p, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

/* table.move(a1, f, e, t [, a2]): the stock loop walks the whole range even
 * when every slot is nil (`table.move({}, 1, 2^62, 2)`). */
static int gz_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* the destination table */
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t > f || (tt != 1 && !lua_rawequal(L, 1, tt))) {
            for (lua_Integer i = 0; i < n; i++) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
                if ((i & TICK_MASK) == 0) gz_check_deadline(L);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
                if ((i & TICK_MASK) == 0) gz_check_deadline(L);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

/* The length of the table at index 1 (its __len, if any, runs). */
static lua_Integer table_length(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    return luaL_len(L, 1);
}

static void add_field(lua_State *L, luaL_Buffer *b, lua_Integer i) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
    luaL_addvalue(b);
}

/* table.concat(list [, sep [, i [, j]]]): a C function as __index (say
 * table.concat itself) fills every slot with "", so the stock loop runs 2^53
 * times without growing the buffer or meeting the hook. */
static int gz_concat(lua_State *L) {
    lua_Integer last = table_length(L);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        add_field(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
        if ((i & TICK_MASK) == 0) gz_check_deadline(L);
    }
    if (i == last) add_field(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

/* table.insert(list, [pos,] value): the shift runs over #list slots, and a
 * C function as __len (os.time) makes that any number. */
static int gz_insert(lua_State *L) {
    lua_Integer e = luaL_intop(+, table_length(L), 1); /* the first empty slot */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
            if ((i & TICK_MASK) == 0) gz_check_deadline(L);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

/* table.remove(list [, pos]): the same shift, the other way. */
static int gz_remove(lua_State *L) {
    lua_Integer size = table_length(L);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
        if ((pos & TICK_MASK) == 0) gz_check_deadline(L);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

void gz_open_patterns(lua_State *L); /* match.c */

/* Puts the bounded functions into the state's string and table libraries
 * (so into the string metatable's __index as well). */
void gz_open_bounded(lua_State *L) {
    lua_getglobal(L, LUA_STRLIBNAME);
    gz_open_patterns(L);
    lua_pushcfunction(L, gz_rep);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);
    lua_getglobal(L, LUA_TABLIBNAME);
    static const luaL_Reg table_fns[] = {
        {"move", gz_move}, {"concat", gz_concat}, {"insert", gz_insert}, {"remove", gz_remove}, {NULL, NULL}};
    luaL_setfuncs(L, table_fns, 0);
    lua_pop(L, 1);
}
