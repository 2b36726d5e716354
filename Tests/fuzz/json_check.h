#ifndef GIZMO_FUZZ_JSON_CHECK_H
#define GIZMO_FUZZ_JSON_CHECK_H

/*
 * A strict JSON checker (RFC 8259, UTF-8 only), written apart from the codec
 * under test so that the fuzzers never judge json.c's output with json.c.
 */

#include <stddef.h>

typedef enum {
    JSON_CHECK_INVALID = 0,
    JSON_CHECK_OBJECT,
    JSON_CHECK_ARRAY,
    JSON_CHECK_STRING,
    JSON_CHECK_NUMBER,
    JSON_CHECK_LITERAL /* true, false, null */
} json_check_kind;

/* The kind of the one value `text` holds, or JSON_CHECK_INVALID; then
 * `*error_at` (when given) is the byte offset of the first fault. */
json_check_kind json_check(const char *text, size_t length, size_t *error_at);

/* How deep arrays and objects nest in valid JSON `text` (0: a scalar). */
size_t json_depth(const char *text, size_t length);

/* Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF). */
int utf8_valid(const unsigned char *s, size_t length);

#endif
