#include "json_check.h"

#include <string.h>

/* Deeper than anything the codec writes (500 levels): only a guard for this
 * checker's own recursion. */
#define CHECK_MAX_DEPTH 600

typedef struct {
    const unsigned char *p, *end, *start;
    int failed;
} cursor;

static int fail(cursor *c) {
    c->failed = 1;
    return 0;
}

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

/* Length of the UTF-8 sequence at s (1-4), or 0 when it is not well formed. */
static size_t utf8_sequence(const unsigned char *s, const unsigned char *end) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp, min;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - s) < len) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

int utf8_valid(const unsigned char *s, size_t length) {
    const unsigned char *end = s + length;
    while (s < end) {
        size_t n = utf8_sequence(s, end);
        if (n == 0) return 0;
        s += n;
    }
    return 1;
}

static int is_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int check_string(cursor *c) {
    c->p++; /* the opening quote */
    while (c->p < c->end) {
        unsigned char ch = *c->p;
        if (ch == '"') {
            c->p++;
            return 1;
        }
        if (ch < 0x20) return fail(c);
        if (ch == '\\') {
            if (c->end - c->p < 2) return fail(c);
            unsigned char e = c->p[1];
            if (e == 'u') {
                if (c->end - c->p < 6) return fail(c);
                for (int i = 2; i < 6; i++)
                    if (!is_hex(c->p[i])) return fail(c);
                c->p += 6;
            } else if (strchr("\"\\/bfnrt", e) && e != 0) {
                c->p += 2;
            } else {
                return fail(c);
            }
            continue;
        }
        size_t n = utf8_sequence(c->p, c->end);
        if (n == 0) return fail(c);
        c->p += n;
    }
    return fail(c);
}

static int digits(cursor *c) {
    const unsigned char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    return c->p > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int check_number(cursor *c) {
    if (c->p < c->end && *c->p == '-') c->p++;
    if (c->p >= c->end) return fail(c);
    if (*c->p == '0') c->p++;
    else if (*c->p >= '1' && *c->p <= '9') digits(c);
    else return fail(c);
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!digits(c)) return fail(c);
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (!digits(c)) return fail(c);
    }
    return 1;
}

static int check_word(cursor *c, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return fail(c);
    c->p += n;
    return 1;
}

static json_check_kind check_value(cursor *c, int depth);

static int check_members(cursor *c, int depth, unsigned char close, int keyed) {
    c->p++; /* the opening bracket */
    skip_space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 1;
    }
    for (;;) {
        skip_space(c);
        if (keyed) {
            if (c->p >= c->end || *c->p != '"' || !check_string(c)) return fail(c);
            skip_space(c);
            if (c->p >= c->end || *c->p != ':') return fail(c);
            c->p++;
        }
        if (check_value(c, depth + 1) == JSON_CHECK_INVALID) return fail(c);
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 1;
        }
        return fail(c);
    }
}

static json_check_kind check_value(cursor *c, int depth) {
    if (depth > CHECK_MAX_DEPTH) return (json_check_kind)fail(c);
    skip_space(c);
    if (c->p >= c->end) return (json_check_kind)fail(c);
    switch (*c->p) {
    case '{': return check_members(c, depth, '}', 1) ? JSON_CHECK_OBJECT : JSON_CHECK_INVALID;
    case '[': return check_members(c, depth, ']', 0) ? JSON_CHECK_ARRAY : JSON_CHECK_INVALID;
    case '"': return check_string(c) ? JSON_CHECK_STRING : JSON_CHECK_INVALID;
    case 't': return check_word(c, "true") ? JSON_CHECK_LITERAL : JSON_CHECK_INVALID;
    case 'f': return check_word(c, "false") ? JSON_CHECK_LITERAL : JSON_CHECK_INVALID;
    case 'n': return check_word(c, "null") ? JSON_CHECK_LITERAL : JSON_CHECK_INVALID;
    default: return check_number(c) ? JSON_CHECK_NUMBER : JSON_CHECK_INVALID;
    }
}

json_check_kind json_check(const char *text, size_t length, size_t *error_at) {
    cursor c = {(const unsigned char *)text, (const unsigned char *)text + length,
                (const unsigned char *)text, 0};
    json_check_kind kind = check_value(&c, 0);
    if (kind != JSON_CHECK_INVALID) {
        skip_space(&c);
        if (c.p != c.end) kind = JSON_CHECK_INVALID;
    }
    if (kind == JSON_CHECK_INVALID && error_at) *error_at = (size_t)(c.p - c.start);
    return kind;
}

size_t json_depth(const char *text, size_t length) {
    size_t depth = 0, deepest = 0;
    int in_string = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}
