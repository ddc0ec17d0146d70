/*
 * The TOML subset parser and canonical printer (see toml.h for what is
 * accepted). One pass over the input after a UTF-8 check; nodes and strings
 * live in an arena owned by the document, so an error anywhere frees
 * everything at once.
 */
#include "apps/toml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/error.h"

/* ---- arena ---- */

#define ARENA_BLOCK 65536

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  max_align_t data[];
} arena_block;

struct toml_doc {
  arena_block *blocks;
  toml_node *root;
};

static void *arena_alloc(toml_doc *d, size_t n) {
  const size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  arena_block *b = d->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = d->blocks;
    b->used = 0;
    b->cap = cap;
    d->blocks = b;
  }
  void *p = (unsigned char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

void toml_doc_free(toml_doc *doc) {
  if (!doc) return;
  arena_block *b = doc->blocks;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  free(doc);
}

const toml_node *toml_doc_root(const toml_doc *doc) {
  return doc ? doc->root : NULL;
}

const char *toml_type_name(toml_type t) {
  switch (t) {
  case TOML_TABLE: return "table";
  case TOML_STRING: return "string";
  case TOML_INTEGER: return "integer";
  case TOML_BOOLEAN: return "boolean";
  case TOML_ARRAY: return "array";
  }
  return "unknown";
}

/* The type with its article, for messages: "an integer". */
static const char *a_type(toml_type t) {
  switch (t) {
  case TOML_TABLE: return "a table";
  case TOML_STRING: return "a string";
  case TOML_INTEGER: return "an integer";
  case TOML_BOOLEAN: return "a boolean";
  case TOML_ARRAY: return "an array";
  }
  return "a value";
}

const toml_node *toml_table_get(const toml_node *table, const char *key) {
  if (!table || table->type != TOML_TABLE || !key) return NULL;
  for (const toml_node *e = table->first; e; e = e->next)
    if (strcmp(e->key, key) == 0) return e;
  return NULL;
}

/* ---- parser state and errors ---- */

enum { F_IMPLICIT = 1, F_HEADER = 2, F_DOTTED = 4 }; /* how a table came to be */

typedef struct keypart {
  const char *s;
  unsigned line, col;
} keypart;

typedef struct parser {
  const unsigned char *p, *end;
  const unsigned char *line_start;
  unsigned line;
  toml_doc *doc;
  toml_node *section; /* the table the last header opened (the root at first) */
  toml_error *err;
  size_t nodes;
  char buf[TOML_MAX_STRING + 8]; /* string being unescaped */
} parser;

static unsigned col_of(const parser *ps, const unsigned char *at) {
  return (unsigned)(at - ps->line_start) + 1;
}

static int fail_at(parser *ps, unsigned line, unsigned col, int rc, const char *fmt, ...) {
  va_list ap;
  ps->err->line = line;
  ps->err->col = col;
  va_start(ap, fmt);
  vsnprintf(ps->err->msg, sizeof ps->err->msg, fmt, ap);
  va_end(ap);
  return rc;
}

#define FAIL(ps, at, rc, ...) fail_at((ps), (ps)->line, col_of((ps), (at)), (rc), __VA_ARGS__)

/* A byte for a message: 'x' when printable, else 0xNN, or "end of line". */
static const char *show(const parser *ps, const unsigned char *at, char buf[16]) {
  if (at >= ps->end || *at == '\n' || *at == '\r') return "end of line";
  if (*at > 0x20 && *at < 0x7f)
    snprintf(buf, 16, "'%c'", *at);
  else
    snprintf(buf, 16, "byte 0x%02x", *at);
  return buf;
}

/* A key for a message, control characters as '?', cut at 60 bytes. */
static const char *show_key(const char *k, char buf[64]) {
  size_t n = 0;
  for (; k[n] && n < 60; n++) buf[n] = (unsigned char)k[n] < 0x20 || k[n] == 0x7f ? '?' : k[n];
  buf[n] = '\0';
  return buf;
}

static int is_control(unsigned char c) {
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int is_bare(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

/* ---- nodes ---- */

static int new_node(parser *ps, toml_type type, unsigned line, unsigned col, toml_node **out) {
  if (ps->nodes >= TOML_MAX_NODES)
    return fail_at(ps, line, col, PQNET_ERR_TOO_LARGE, "more than %u keys, tables and values",
                   TOML_MAX_NODES);
  toml_node *n = arena_alloc(ps->doc, sizeof *n);
  if (!n) return fail_at(ps, line, col, PQNET_ERR_NOMEM, "out of memory");
  ps->nodes++;
  n->type = type;
  n->line = line;
  n->col = col;
  *out = n;
  return 0;
}

static int append(parser *ps, toml_node *parent, toml_node *child) {
  unsigned cap = parent->type == TOML_TABLE ? TOML_MAX_ENTRIES : TOML_MAX_ARRAY;
  if (parent->count >= cap)
    return fail_at(ps, child->line, child->col, PQNET_ERR_TOO_LARGE, "more than %u %s in one %s",
                   cap, parent->type == TOML_TABLE ? "keys" : "elements",
                   parent->type == TOML_TABLE ? "table" : "array");
  if (parent->last_)
    parent->last_->next = child;
  else
    parent->first = child;
  parent->last_ = child;
  parent->count++;
  return 0;
}

static toml_node *find(toml_node *table, const char *key) {
  for (toml_node *e = table->first; e; e = e->next)
    if (strcmp(e->key, key) == 0) return e;
  return NULL;
}

static const char *dup_bytes(parser *ps, const char *s, size_t n) {
  char *d = arena_alloc(ps->doc, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* ---- whitespace, newlines, comments ---- */

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) ps->p++;
}

/* At '\n' or '\r': consume one line end. */
static int newline(parser *ps) {
  if (*ps->p == '\r') {
    if (ps->p + 1 >= ps->end || ps->p[1] != '\n')
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED,
                  "bare carriage return (lines end with LF or CRLF)");
    ps->p++;
  }
  ps->p++;
  ps->line++;
  ps->line_start = ps->p;
  return 0;
}

/* At '#': skip to the end of the line (not consuming it). */
static int skip_comment(parser *ps) {
  for (ps->p++; ps->p < ps->end && *ps->p != '\n' && *ps->p != '\r'; ps->p++)
    if (is_control(*ps->p))
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "control character 0x%02x in a comment", *ps->p);
  return 0;
}

/* Whitespace, line ends and comments, as allowed inside an array. */
static int skip_ws_nl_comments(parser *ps) {
  for (;;) {
    skip_ws(ps);
    if (ps->p >= ps->end) return 0;
    int rc = 0;
    if (*ps->p == '\n' || *ps->p == '\r')
      rc = newline(ps);
    else if (*ps->p == '#')
      rc = skip_comment(ps);
    else
      return 0;
    if (rc) return rc;
  }
}

/* After a key/value or a header: only a comment may follow on the line. */
static int end_of_line(parser *ps, const char *after) {
  char b[16];
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '#') {
    int rc = skip_comment(ps);
    if (rc) return rc;
  }
  if (ps->p < ps->end && *ps->p != '\n' && *ps->p != '\r')
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "unexpected %s after %s (one per line)",
                show(ps, ps->p, b), after);
  return 0;
}

/* ---- strings ---- */

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* At an opening quote (' or "): read a one-line string into the arena.
 * what is "string" or "key" for messages; cap the byte limit. */
static int parse_string(parser *ps, const char *what, size_t cap, const char **out,
                        size_t *outlen) {
  const unsigned char *open = ps->p;
  const int basic = *open == '"';
  size_t n = 0;
  char b[16];
  if (ps->end - ps->p >= 3 && ps->p[1] == *open && ps->p[2] == *open)
    return FAIL(ps, open, PQNET_ERR_MALFORMED, "multi-line strings (%c%c%c) are not supported",
                *open, *open, *open);
  ps->p++;
  for (;;) {
    if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r')
      return FAIL(ps, open, PQNET_ERR_MALFORMED, "unterminated %s (it must end on its line)", what);
    unsigned char c = *ps->p;
    char enc[4];
    size_t k = 1;
    enc[0] = (char)c;
    if (c == *open) {
      ps->p++;
      break;
    }
    if (basic && c == '\\') {
      const unsigned char *esc = ps->p++;
      if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r')
        return FAIL(ps, esc, PQNET_ERR_MALFORMED, "unterminated %s (it must end on its line)",
                    what);
      unsigned char e = *ps->p++;
      switch (e) {
      case 'b': enc[0] = '\b'; break;
      case 't': enc[0] = '\t'; break;
      case 'n': enc[0] = '\n'; break;
      case 'f': enc[0] = '\f'; break;
      case 'r': enc[0] = '\r'; break;
      case '"': enc[0] = '"'; break;
      case '\\': enc[0] = '\\'; break;
      case 'u':
      case 'U': {
        int nd = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < nd; i++) {
          int h = ps->p < ps->end ? hexval(*ps->p) : -1;
          if (h < 0)
            return FAIL(ps, esc, PQNET_ERR_MALFORMED, "bad escape: \\%c needs %d hex digits", e,
                        nd);
          cp = cp << 4 | (uint32_t)h;
          ps->p++;
        }
        if (cp == 0)
          return FAIL(ps, esc, PQNET_ERR_MALFORMED, "bad escape: \\%c0000 (NUL) is not allowed", e);
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
          return FAIL(ps, esc, PQNET_ERR_MALFORMED,
                      "bad escape: U+%" PRIX32 " is not a Unicode scalar value", cp);
        k = utf8_encode(cp, enc);
        break;
      }
      default:
        return FAIL(ps, esc, PQNET_ERR_MALFORMED, "bad escape: backslash followed by %s",
                    show(ps, ps->p - 1, b));
      }
    } else {
      if (is_control(c))
        return FAIL(ps, ps->p, PQNET_ERR_MALFORMED,
                    "control character 0x%02x in a %s (write it as an escape)", c, what);
      ps->p++;
    }
    if (n + k > cap)
      return FAIL(ps, open, PQNET_ERR_TOO_LARGE, "%s longer than %zu bytes", what, cap);
    memcpy(ps->buf + n, enc, k);
    n += k;
  }
  const char *s = dup_bytes(ps, ps->buf, n);
  if (!s) return FAIL(ps, open, PQNET_ERR_NOMEM, "out of memory");
  *out = s;
  if (outlen) *outlen = n;
  return 0;
}

/* ---- keys ---- */

/* A key: one or more parts separated by dots. Leaves ps->p after the
 * whitespace that follows the last part. */
static int parse_key(parser *ps, keypart parts[TOML_MAX_DEPTH], size_t *nparts) {
  size_t n = 0;
  char b[16];
  for (;;) {
    skip_ws(ps);
    if (n == TOML_MAX_DEPTH)
      return FAIL(ps, ps->p, PQNET_ERR_TOO_LARGE, "key has more than %u dotted parts",
                  TOML_MAX_DEPTH);
    keypart *k = &parts[n];
    k->line = ps->line;
    k->col = col_of(ps, ps->p);
    if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
      int rc = parse_string(ps, "key", TOML_MAX_KEY, &k->s, NULL);
      if (rc) return rc;
    } else if (ps->p < ps->end && is_bare(*ps->p)) {
      const unsigned char *start = ps->p;
      while (ps->p < ps->end && is_bare(*ps->p)) ps->p++;
      size_t len = (size_t)(ps->p - start);
      if (len > TOML_MAX_KEY)
        return FAIL(ps, start, PQNET_ERR_TOO_LARGE, "key longer than %u bytes", TOML_MAX_KEY);
      k->s = dup_bytes(ps, (const char *)start, len);
      if (!k->s) return FAIL(ps, start, PQNET_ERR_NOMEM, "out of memory");
    } else {
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "expected a key, found %s", show(ps, ps->p, b));
    }
    n++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '.') {
      ps->p++;
      continue;
    }
    break;
  }
  *nparts = n;
  return 0;
}

/* "a.b.c" for messages. */
static const char *path_str(const keypart *parts, size_t n, char *buf, size_t cap) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && off + 1 < cap; i++) {
    char k[64];
    int w = snprintf(buf + off, cap - off, "%s%s", i ? "." : "", show_key(parts[i].s, k));
    if (w < 0) break;
    off += (size_t)w;
  }
  return buf;
}

/* ---- values ---- */

static int parse_integer(parser *ps, toml_node *v) {
  const unsigned char *start = ps->p;
  int neg = 0;
  if (*ps->p == '+' || *ps->p == '-') neg = *ps->p++ == '-';
  if (ps->p < ps->end && (*ps->p == 'i' || *ps->p == 'n'))
    return FAIL(ps, start, PQNET_ERR_MALFORMED, "floats are not supported");
  if (ps->p >= ps->end || !is_digit(*ps->p))
    return FAIL(ps, start, PQNET_ERR_MALFORMED, "expected digits after the sign");
  if (*ps->p == '0' && ps->p + 1 < ps->end) {
    unsigned char nx = ps->p[1];
    if (nx == 'x' || nx == 'o' || nx == 'b')
      return FAIL(ps, start, PQNET_ERR_MALFORMED,
                  "only decimal integers are supported (no 0x, 0o or 0b)");
    if (is_digit(nx) || nx == '_')
      return FAIL(ps, start, PQNET_ERR_MALFORMED, "leading zeros are not allowed");
  }
  const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t mag = 0;
  int prev_digit = 0;
  while (ps->p < ps->end) {
    unsigned char c = *ps->p;
    if (is_digit(c)) {
      unsigned d = c - '0';
      if (mag > (limit - d) / 10)
        return FAIL(ps, start, PQNET_ERR_MALFORMED,
                    "integer out of range (-9223372036854775808..9223372036854775807)");
      mag = mag * 10 + d;
      prev_digit = 1;
    } else if (c == '_') {
      if (!prev_digit || ps->p + 1 >= ps->end || !is_digit(ps->p[1]))
        return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "'_' in an integer must sit between digits");
      prev_digit = 0;
    } else {
      break;
    }
    ps->p++;
  }
  if (ps->p < ps->end) {
    unsigned char c = *ps->p;
    if (c == '.' || c == 'e' || c == 'E')
      return FAIL(ps, start, PQNET_ERR_MALFORMED, "floats are not supported");
    if (c == '-' || c == ':')
      return FAIL(ps, start, PQNET_ERR_MALFORMED, "dates and times are not supported");
  }
  v->type = TOML_INTEGER;
  v->integer = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
  return 0;
}

static int parse_array(parser *ps, toml_node *arr) {
  const unsigned char *open = ps->p;
  unsigned oline = ps->line, ocol = col_of(ps, open);
  char b[16];
  arr->type = TOML_ARRAY;
  ps->p++;
  for (;;) {
    int rc = skip_ws_nl_comments(ps);
    if (rc) return rc;
    if (ps->p >= ps->end)
      return fail_at(ps, oline, ocol, PQNET_ERR_MALFORMED, "unterminated array");
    unsigned char c = *ps->p;
    if (c == ']') {
      ps->p++;
      return 0;
    }
    if (c == '"' || c == '\'') {
      toml_node *e;
      rc = new_node(ps, TOML_STRING, ps->line, col_of(ps, ps->p), &e);
      if (!rc) rc = parse_string(ps, "string", TOML_MAX_STRING, &e->str, &e->len);
      if (!rc) rc = append(ps, arr, e);
      if (rc) return rc;
    } else if (c == '[') {
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "nested arrays are not supported");
    } else if (c == '{') {
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "inline tables ({...}) are not supported");
    } else if (is_digit(c) || c == '+' || c == '-' || c == 't' || c == 'f' || c == 'i' ||
               c == 'n') {
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "arrays may only hold strings");
    } else {
      return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "expected a string or ']' in the array, found %s",
                  show(ps, ps->p, b));
    }
    rc = skip_ws_nl_comments(ps);
    if (rc) return rc;
    if (ps->p >= ps->end)
      return fail_at(ps, oline, ocol, PQNET_ERR_MALFORMED, "unterminated array");
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == ']') {
      ps->p++;
      return 0;
    }
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED,
                "expected ',' or ']' after an array element, found %s", show(ps, ps->p, b));
  }
}

static int starts_with(const parser *ps, const char *word) {
  size_t n = strlen(word);
  return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0;
}

static int parse_value(parser *ps, toml_node *v) {
  char b[16];
  if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '#')
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "expected a value after '='");
  unsigned char c = *ps->p;
  if (c == '"' || c == '\'') {
    v->type = TOML_STRING;
    return parse_string(ps, "string", TOML_MAX_STRING, &v->str, &v->len);
  }
  if (c == '[') return parse_array(ps, v);
  if (c == '{')
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "inline tables ({...}) are not supported");
  if (starts_with(ps, "true") || starts_with(ps, "false")) {
    v->type = TOML_BOOLEAN;
    v->boolean = c == 't';
    ps->p += v->boolean ? 4 : 5;
    return 0;
  }
  if (starts_with(ps, "inf") || starts_with(ps, "nan"))
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "floats are not supported");
  if (is_digit(c) || c == '+' || c == '-') return parse_integer(ps, v);
  return FAIL(ps, ps->p, PQNET_ERR_MALFORMED,
              "expected a value (a string, an integer, true, false or an array of strings), "
              "found %s",
              show(ps, ps->p, b));
}

/* ---- lines ---- */

static int parse_header(parser *ps) {
  const unsigned char *open = ps->p;
  keypart parts[TOML_MAX_DEPTH];
  size_t n;
  char b[16], name[TOML_MAX_DEPTH * 64 + 8], name2[TOML_MAX_DEPTH * 64 + 8];
  ps->p++;
  if (ps->p < ps->end && *ps->p == '[')
    return FAIL(ps, open, PQNET_ERR_MALFORMED, "arrays of tables ([[...]]) are not supported");
  int rc = parse_key(ps, parts, &n);
  if (rc) return rc;
  if (ps->p >= ps->end || *ps->p != ']')
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "expected ']' to close the table header, found %s",
                show(ps, ps->p, b));
  ps->p++;
  toml_node *t = ps->doc->root;
  for (size_t i = 0; i < n; i++) {
    toml_node *e = find(t, parts[i].s);
    if (!e) {
      rc = new_node(ps, TOML_TABLE, parts[i].line, parts[i].col, &e);
      if (rc) return rc;
      e->key = parts[i].s;
      e->flags_ = i + 1 < n ? F_IMPLICIT : F_HEADER;
      e->depth_ = t->depth_ + 1;
      rc = append(ps, t, e);
      if (rc) return rc;
    } else if (e->type != TOML_TABLE) {
      return fail_at(ps, parts[i].line, parts[i].col, PQNET_ERR_MALFORMED,
                     "[%s]: key '%s' is already %s (line %u)",
                     path_str(parts, n, name, sizeof name),
                     path_str(parts, i + 1, name2, sizeof name2), a_type(e->type), e->line);
    } else if (i + 1 == n) {
      if (e->flags_ & (F_HEADER | F_DOTTED))
        return fail_at(ps, parts[0].line, col_of(ps, open), PQNET_ERR_MALFORMED,
                       "table [%s] is already defined (line %u)",
                       path_str(parts, n, name, sizeof name), e->line);
      e->flags_ = F_HEADER;
      e->line = ps->line;
      e->col = col_of(ps, open);
    }
    t = e;
  }
  ps->section = t;
  return 0;
}

static int parse_keyval(parser *ps) {
  keypart parts[TOML_MAX_DEPTH];
  size_t n;
  char b[16], name[TOML_MAX_DEPTH * 64 + 8];
  int rc = parse_key(ps, parts, &n);
  if (rc) return rc;
  if (ps->p >= ps->end || *ps->p != '=')
    return FAIL(ps, ps->p, PQNET_ERR_MALFORMED, "expected '=' after the key '%s', found %s",
                path_str(parts, n, name, sizeof name), show(ps, ps->p, b));
  ps->p++;
  skip_ws(ps);
  toml_node *t = ps->section;
  for (size_t i = 0; i + 1 < n; i++) {
    toml_node *e = find(t, parts[i].s);
    if (!e) {
      if (t->depth_ >= TOML_MAX_DEPTH)
        return fail_at(ps, parts[i].line, parts[i].col, PQNET_ERR_TOO_LARGE,
                       "tables nested more than %u deep", TOML_MAX_DEPTH);
      rc = new_node(ps, TOML_TABLE, parts[i].line, parts[i].col, &e);
      if (rc) return rc;
      e->key = parts[i].s;
      e->flags_ = F_DOTTED;
      e->depth_ = t->depth_ + 1;
      rc = append(ps, t, e);
      if (rc) return rc;
    } else if (e->type != TOML_TABLE) {
      return fail_at(ps, parts[i].line, parts[i].col, PQNET_ERR_MALFORMED,
                     "key '%s' is already %s (line %u)", path_str(parts, i + 1, name, sizeof name),
                     a_type(e->type), e->line);
    } else if (!(e->flags_ & F_DOTTED)) {
      return fail_at(ps, parts[i].line, parts[i].col, PQNET_ERR_MALFORMED,
                     "cannot extend table '%s' with a dotted key: a table header defines it "
                     "(line %u)",
                     path_str(parts, i + 1, name, sizeof name), e->line);
    }
    t = e;
  }
  const keypart *last = &parts[n - 1];
  const toml_node *dup = find(t, last->s);
  if (dup)
    return fail_at(ps, parts[0].line, parts[0].col, PQNET_ERR_MALFORMED,
                   "duplicate key '%s' (first defined at line %u)",
                   path_str(parts, n, name, sizeof name), dup->line);
  toml_node *v;
  rc = new_node(ps, TOML_STRING, parts[0].line, parts[0].col, &v);
  if (rc) return rc;
  v->key = last->s;
  rc = parse_value(ps, v);
  if (rc) return rc;
  return append(ps, t, v);
}

/* ---- UTF-8 ---- */

size_t toml_utf8_invalid_at(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return i;
    }
    if (len - i <= need) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k <= need; k++)
      if ((s[i + k] & 0xc0) != 0x80) return i;
    i += need + 1;
  }
  return len;
}

/* ---- entry point ---- */

int toml_parse(const char *text, size_t len, toml_doc **out, toml_error *err) {
  toml_error scratch;
  if (!err) err = &scratch;
  memset(err, 0, sizeof *err);
  if (out) *out = NULL;
  if (!out || (!text && len)) {
    snprintf(err->msg, sizeof err->msg, "invalid argument");
    return PQNET_ERR_INVALID_ARG;
  }
  if (!text) text = "";
  err->line = 1;
  err->col = 1;
  if (len > TOML_MAX_INPUT) {
    snprintf(err->msg, sizeof err->msg, "document larger than %u bytes", TOML_MAX_INPUT);
    return PQNET_ERR_TOO_LARGE;
  }
  const unsigned char *s = (const unsigned char *)text;
  size_t bad = toml_utf8_invalid_at(text, len);
  if (bad < len) {
    for (size_t i = 0; i < bad; i++) {
      if (s[i] == '\n') {
        err->line++;
        err->col = 1;
      } else {
        err->col++;
      }
    }
    snprintf(err->msg, sizeof err->msg, "invalid UTF-8 (byte 0x%02x)", s[bad]);
    return PQNET_ERR_MALFORMED;
  }

  toml_doc *doc = calloc(1, sizeof *doc);
  parser *ps = malloc(sizeof *ps);
  int rc = PQNET_ERR_NOMEM;
  if (!doc || !ps) {
    snprintf(err->msg, sizeof err->msg, "out of memory");
    goto out;
  }
  memset(ps, 0, offsetof(parser, buf));
  ps->p = s;
  ps->end = s + len;
  ps->line = 1;
  ps->doc = doc;
  ps->err = err;
  if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) ps->p += 3; /* BOM */
  ps->line_start = ps->p;
  rc = new_node(ps, TOML_TABLE, 1, 1, &doc->root);
  if (rc) goto out;
  ps->nodes = 0; /* the root does not count */
  ps->section = doc->root;

  while (ps->p < ps->end) {
    unsigned char c = *ps->p;
    if (c == ' ' || c == '\t') {
      ps->p++;
      continue;
    }
    if (c == '\n' || c == '\r') {
      rc = newline(ps);
    } else if (c == '#') {
      rc = skip_comment(ps);
    } else if (c == '[') {
      rc = parse_header(ps);
      if (!rc) rc = end_of_line(ps, "the table header");
    } else {
      rc = parse_keyval(ps);
      if (!rc) rc = end_of_line(ps, "the value");
    }
    if (rc) goto out;
  }
  rc = 0;

out:
  free(ps);
  if (rc) {
    toml_doc_free(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

/* ---- canonical printer ---- */

void toml_write_string(FILE *f, const char *s, size_t len) {
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\b': fputs("\\b", f); break;
    case '\t': fputs("\\t", f); break;
    case '\n': fputs("\\n", f); break;
    case '\f': fputs("\\f", f); break;
    case '\r': fputs("\\r", f); break;
    default:
      if (c < 0x20 || c == 0x7f)
        fprintf(f, "\\u%04X", c);
      else
        fputc(c, f);
    }
  }
  fputc('"', f);
}

void toml_write_key(FILE *f, const char *key) {
  size_t n = strlen(key), i = 0;
  while (i < n && is_bare((unsigned char)key[i])) i++;
  if (n > 0 && i == n)
    fputs(key, f);
  else
    toml_write_string(f, key, n);
}

static void write_value(FILE *f, const toml_node *v) {
  switch (v->type) {
  case TOML_STRING: toml_write_string(f, v->str, v->len); break;
  case TOML_INTEGER: fprintf(f, "%" PRId64, v->integer); break;
  case TOML_BOOLEAN: fputs(v->boolean ? "true" : "false", f); break;
  case TOML_ARRAY:
    fputc('[', f);
    for (const toml_node *e = v->first; e; e = e->next) {
      if (e != v->first) fputs(", ", f);
      write_value(f, e);
    }
    fputc(']', f);
    break;
  case TOML_TABLE: break; /* printed under a header */
  }
}

typedef struct writer {
  FILE *f;
  int any; /* something was printed: a blank line goes before the next header */
  const char *path[TOML_MAX_DEPTH + 1];
} writer;

static void write_table(writer *w, const toml_node *t, size_t depth) {
  for (const toml_node *e = t->first; e; e = e->next) {
    if (e->type == TOML_TABLE) continue;
    toml_write_key(w->f, e->key);
    fputs(" = ", w->f);
    write_value(w->f, e);
    fputc('\n', w->f);
    w->any = 1;
  }
  for (const toml_node *e = t->first; e; e = e->next) {
    if (e->type != TOML_TABLE || depth >= TOML_MAX_DEPTH) continue;
    w->path[depth] = e->key;
    if (w->any) fputc('\n', w->f);
    fputc('[', w->f);
    for (size_t i = 0; i <= depth; i++) {
      if (i) fputc('.', w->f);
      toml_write_key(w->f, w->path[i]);
    }
    fputs("]\n", w->f);
    w->any = 1;
    write_table(w, e, depth + 1);
  }
}

int toml_write(const toml_node *root, FILE *f) {
  if (!root || !f || root->type != TOML_TABLE) return PQNET_ERR_INVALID_ARG;
  writer w;
  memset(&w, 0, sizeof w);
  w.f = f;
  write_table(&w, root, 0);
  return ferror(f) ? PQNET_ERR_IO : 0;
}
