#ifndef GIZMO_FUZZ_VALUE_RECIPE_H
#define GIZMO_FUZZ_VALUE_RECIPE_H

#include <lua.h>

/* A lua_CFunction (run it protected): builds the Lua value the bytes
 * (light userdata 1, length 2) describe and returns it. See value_recipe.c. */
int value_recipe_build(lua_State *L);

#endif
