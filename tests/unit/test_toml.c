/*
 * TOML subset parser tests: every supported construct read into the
 * document, every error with its code, line, column and message, the caps,
 * and the canonical printer (exact output, escapes, print -> parse -> print
 * is stable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apps/toml.h"
#include "pqnet/error.h"

static toml_doc *parse_ok(const char *text) {
  toml_doc *doc = NULL;
  toml_error e;
  int rc = toml_parse(text, strlen(text), &doc, &e);
  if (rc) fail_msg("parse failed: %u:%u: %s\n--- input ---\n%s", e.line, e.col, e.msg, text);
  assert_non_null(doc);
  return doc;
}

static const toml_node *get(const toml_node *t, const char *key, toml_type type) {
  const toml_node *n = toml_table_get(t, key);
  if (!n) fail_msg("no key '%s'", key);
  assert_int_equal(n->type, type);
  return n;
}

static void assert_str(const toml_node *t, const char *key, const char *want) {
  const toml_node *n = get(t, key, TOML_STRING);
  assert_int_equal(n->len, strlen(want));
  assert_memory_equal(n->str, want, n->len);
  assert_int_equal(n->str[n->len], '\0');
}

static void assert_int(const toml_node *t, const char *key, int64_t want) {
  assert_true(get(t, key, TOML_INTEGER)->integer == want);
}

/* The canonical print of a document, as a malloc'd string. */
static char *print_doc(const toml_doc *doc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(toml_write(toml_doc_root(doc), f), 0);
  fclose(f);
  return buf;
}

/* ---- constructs ---- */

static void test_empty_and_comments(void **state) {
  (void)state;
  const char *inputs[] = {"",
                          "\n\n",
                          "# only a comment",
                          "# c\n\t  \n# d\r\n",
                          "\xef\xbb\xbf",
                          "\xef\xbb\xbf# bom then comment\n"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    toml_doc *d = parse_ok(inputs[i]);
    assert_int_equal(toml_doc_root(d)->type, TOML_TABLE);
    assert_int_equal(toml_doc_root(d)->count, 0);
    toml_doc_free(d);
  }
  toml_doc *d = NULL;
  assert_int_equal(toml_parse(NULL, 0, &d, NULL), 0);
  assert_non_null(d);
  toml_doc_free(d);
  toml_doc_free(NULL);
}

static void test_keys(void **state) {
  (void)state;
  toml_doc *d = parse_ok("bare_key-1 = 1\n"
                         "1234 = 2\n"
                         "\"quoted key\" = 3\n"
                         "'literal \\ key' = 4\n"
                         "\"\" = 5\n"
                         "\"caf\\u00e9\" = 6\n"
                         "true = 7\n");
  const toml_node *r = toml_doc_root(d);
  assert_int(r, "bare_key-1", 1);
  assert_int(r, "1234", 2);
  assert_int(r, "quoted key", 3);
  assert_int(r, "literal \\ key", 4);
  assert_int(r, "", 5);
  assert_int(r, "caf\xc3\xa9", 6);
  assert_int(r, "true", 7);
  assert_int_equal(r->count, 7);
  /* Order and positions are kept. */
  assert_string_equal(r->first->key, "bare_key-1");
  assert_int_equal(r->first->line, 1);
  assert_int_equal(r->first->next->line, 2);
  assert_null(toml_table_get(r, "missing"));
  assert_null(toml_table_get(r->first, "x")); /* not a table */
  toml_doc_free(d);
}

static void test_dotted_keys(void **state) {
  (void)state;
  toml_doc *d = parse_ok("a.b.c = 1\n"
                         "a . b . d = 2\n"
                         "a.\"x.y\" = 3\n"
                         "'q'.r = 4\n");
  const toml_node *r = toml_doc_root(d);
  const toml_node *a = get(r, "a", TOML_TABLE);
  const toml_node *b = get(a, "b", TOML_TABLE);
  assert_int(b, "c", 1);
  assert_int(b, "d", 2);
  assert_int(a, "x.y", 3);
  assert_int(get(r, "q", TOML_TABLE), "r", 4);
  toml_doc_free(d);
}

static void test_tables(void **state) {
  (void)state;
  toml_doc *d = parse_ok("top = 1\n"
                         "[p2p]\n"
                         "listen = \"x\"\n"
                         "[ log ] # comment\n"
                         "level = \"info\"\n"
                         "[a.b.c]\n"
                         "z = 1\n"
                         "[a]\n" /* implicit before, defined now: allowed once */
                         "y = 2\n"
                         "[a.\"b\".e]\n"
                         "[fruit]\n"
                         "apple.color = \"red\"\n"
                         "[fruit.apple.texture]\n" /* sub-table of a dotted-key table */
                         "smooth = true\n");
  const toml_node *r = toml_doc_root(d);
  assert_int(r, "top", 1);
  const toml_node *p2p = get(r, "p2p", TOML_TABLE);
  assert_str(p2p, "listen", "x");
  assert_int_equal(p2p->line, 2);
  assert_str(get(r, "log", TOML_TABLE), "level", "info");
  const toml_node *a = get(r, "a", TOML_TABLE);
  assert_int(a, "y", 2);
  assert_int_equal(a->line, 8); /* where its header is */
  const toml_node *b = get(a, "b", TOML_TABLE);
  assert_int(get(b, "c", TOML_TABLE), "z", 1);
  assert_int_equal(get(b, "e", TOML_TABLE)->count, 0);
  const toml_node *apple = get(get(r, "fruit", TOML_TABLE), "apple", TOML_TABLE);
  assert_str(apple, "color", "red");
  assert_int_equal(get(get(apple, "texture", TOML_TABLE), "smooth", TOML_BOOLEAN)->boolean, 1);
  toml_doc_free(d);
}

static void test_strings(void **state) {
  (void)state;
  toml_doc *d = parse_ok("esc = \"q\\\" b\\\\ n\\n t\\t r\\r f\\f b\\b\"\n"
                         "uni = \"\\u00e9\\u20AC\\U0001F600\"\n"
                         "raw = \"caf\xc3\xa9 \xe2\x82\xac\"\n"
                         "tab = \"a\tb\"\n"
                         "lit = 'C:\\path\\\"x\" # not a comment'\n"
                         "empty = \"\"\n"
                         "elit = ''\n"
                         "hash = \"# not a comment\" # a comment\n");
  const toml_node *r = toml_doc_root(d);
  assert_str(r, "esc", "q\" b\\ n\n t\t r\r f\f b\b");
  assert_str(r, "uni", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  assert_str(r, "raw", "caf\xc3\xa9 \xe2\x82\xac");
  assert_str(r, "tab", "a\tb");
  assert_str(r, "lit", "C:\\path\\\"x\" # not a comment");
  assert_str(r, "empty", "");
  assert_str(r, "elit", "");
  assert_str(r, "hash", "# not a comment");
  toml_doc_free(d);
}

static void test_integers(void **state) {
  (void)state;
  toml_doc *d = parse_ok("a = 0\nb = +0\nc = -0\nd = 42\ne = +42\nf = -17\ng = 1_000_000\n"
                         "h = 9223372036854775807\ni = -9223372036854775808\nj = 5_3\n"
                         "k = 7 # comment\nl=8\n");
  const toml_node *r = toml_doc_root(d);
  assert_int(r, "a", 0);
  assert_int(r, "b", 0);
  assert_int(r, "c", 0);
  assert_int(r, "d", 42);
  assert_int(r, "e", 42);
  assert_int(r, "f", -17);
  assert_int(r, "g", 1000000);
  assert_int(r, "h", INT64_MAX);
  assert_int(r, "i", INT64_MIN);
  assert_int(r, "j", 53);
  assert_int(r, "k", 7);
  assert_int(r, "l", 8);
  toml_doc_free(d);
}

static void test_booleans(void **state) {
  (void)state;
  toml_doc *d = parse_ok("t = true\nf = false # no\n");
  assert_int_equal(get(toml_doc_root(d), "t", TOML_BOOLEAN)->boolean, 1);
  assert_int_equal(get(toml_doc_root(d), "f", TOML_BOOLEAN)->boolean, 0);
  toml_doc_free(d);
}

static void test_arrays(void **state) {
  (void)state;
  toml_doc *d = parse_ok("empty = []\n"
                         "empty2 = [ # comment\n"
                         "]\n"
                         "one = [\"a\"]\n"
                         "mixed = [\"a\", 'b' , \"c\\n\"]\n"
                         "multi = [\r\n"
                         "  \"x\", # first\r\n"
                         "\r\n"
                         "  'y',   # trailing comma next\r\n"
                         "]\r\n"
                         "after = 1\n");
  const toml_node *r = toml_doc_root(d);
  assert_int_equal(get(r, "empty", TOML_ARRAY)->count, 0);
  assert_int_equal(get(r, "empty2", TOML_ARRAY)->count, 0);
  assert_int_equal(get(r, "one", TOML_ARRAY)->count, 1);
  const toml_node *m = get(r, "mixed", TOML_ARRAY);
  assert_int_equal(m->count, 3);
  assert_string_equal(m->first->str, "a");
  assert_string_equal(m->first->next->str, "b");
  assert_string_equal(m->first->next->next->str, "c\n");
  const toml_node *ml = get(r, "multi", TOML_ARRAY);
  assert_int_equal(ml->count, 2);
  assert_string_equal(ml->first->str, "x");
  assert_int_equal(ml->first->line, 7); /* elements keep their own line */
  assert_int_equal(ml->first->col, 3);
  assert_int_equal(ml->first->next->line, 9);
  assert_int_equal(ml->line, 6);
  assert_int_equal(get(r, "after", TOML_INTEGER)->line, 11);
  toml_doc_free(d);
}

/* ---- errors ---- */

typedef struct bad_case {
  const char *text;
  size_t len; /* 0: strlen */
  int rc;
  unsigned line, col;
  const char *msg; /* a substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    /* strings */
    {"a = \"abc", 0, PQNET_ERR_MALFORMED, 1, 5, "unterminated string"},
    {"a = \"abc\nb = 1", 0, PQNET_ERR_MALFORMED, 1, 5, "unterminated string"},
    {"x = 1\na = 'abc", 0, PQNET_ERR_MALFORMED, 2, 5, "unterminated string"},
    {"a = \"ab\\", 0, PQNET_ERR_MALFORMED, 1, 8, "unterminated string"},
    {"a = \"a\\qb\"", 0, PQNET_ERR_MALFORMED, 1, 7, "bad escape: backslash followed by 'q'"},
    {"a = \"a\\ b\"", 0, PQNET_ERR_MALFORMED, 1, 7, "bad escape"},
    {"a = \"\\u12\"", 0, PQNET_ERR_MALFORMED, 1, 6, "\\u needs 4 hex digits"},
    {"a = \"\\U0001F60\"", 0, PQNET_ERR_MALFORMED, 1, 6, "\\U needs 8 hex digits"},
    {"a = \"\\uD800\"", 0, PQNET_ERR_MALFORMED, 1, 6, "not a Unicode scalar value"},
    {"a = \"\\U00110000\"", 0, PQNET_ERR_MALFORMED, 1, 6, "not a Unicode scalar value"},
    {"a = \"\\u0000\"", 0, PQNET_ERR_MALFORMED, 1, 6, "(NUL) is not allowed"},
    {"a = \"x\x01\"", 0, PQNET_ERR_MALFORMED, 1, 7, "control character 0x01 in a string"},
    {"a = \"x\x7f\"", 0, PQNET_ERR_MALFORMED, 1, 7, "control character 0x7f"},
    {"a = 'x\x1b'", 0, PQNET_ERR_MALFORMED, 1, 7, "control character 0x1b"},
    {"a = \"x\0\"", 8, PQNET_ERR_MALFORMED, 1, 7, "control character 0x00"},
    {"a = \"\"\"x\"\"\"", 0, PQNET_ERR_MALFORMED, 1, 5, "multi-line strings"},
    {"a = '''x'''", 0, PQNET_ERR_MALFORMED, 1, 5, "multi-line strings"},
    /* integers and other values */
    {"a = 9223372036854775808", 0, PQNET_ERR_MALFORMED, 1, 5, "integer out of range"},
    {"a = -9223372036854775809", 0, PQNET_ERR_MALFORMED, 1, 5, "integer out of range"},
    {"a = 99999999999999999999999", 0, PQNET_ERR_MALFORMED, 1, 5, "integer out of range"},
    {"a = 012", 0, PQNET_ERR_MALFORMED, 1, 5, "leading zeros"},
    {"a = -01", 0, PQNET_ERR_MALFORMED, 1, 5, "leading zeros"},
    {"a = 0_1", 0, PQNET_ERR_MALFORMED, 1, 5, "leading zeros"},
    {"a = 0x1F", 0, PQNET_ERR_MALFORMED, 1, 5, "only decimal integers"},
    {"a = 0o17", 0, PQNET_ERR_MALFORMED, 1, 5, "only decimal integers"},
    {"a = 0b1", 0, PQNET_ERR_MALFORMED, 1, 5, "only decimal integers"},
    {"a = 1__2", 0, PQNET_ERR_MALFORMED, 1, 6, "'_' in an integer"},
    {"a = 1_", 0, PQNET_ERR_MALFORMED, 1, 6, "'_' in an integer"},
    {"a = _1", 0, PQNET_ERR_MALFORMED, 1, 5, "expected a value"},
    {"a = +", 0, PQNET_ERR_MALFORMED, 1, 5, "expected digits after the sign"},
    {"a = 1.5", 0, PQNET_ERR_MALFORMED, 1, 5, "floats are not supported"},
    {"a = 1e3", 0, PQNET_ERR_MALFORMED, 1, 5, "floats are not supported"},
    {"a = inf", 0, PQNET_ERR_MALFORMED, 1, 5, "floats are not supported"},
    {"a = -nan", 0, PQNET_ERR_MALFORMED, 1, 5, "floats are not supported"},
    {"a = 1979-05-27", 0, PQNET_ERR_MALFORMED, 1, 5, "dates and times"},
    {"a = 7:32:00", 0, PQNET_ERR_MALFORMED, 1, 5, "dates and times"},
    {"a = tru", 0, PQNET_ERR_MALFORMED, 1, 5, "expected a value"},
    {"a = TRUE", 0, PQNET_ERR_MALFORMED, 1, 5, "found 'T'"},
    {"a = truex", 0, PQNET_ERR_MALFORMED, 1, 9, "unexpected 'x' after the value"},
    {"a = {x = 1}", 0, PQNET_ERR_MALFORMED, 1, 5, "inline tables"},
    {"a =", 0, PQNET_ERR_MALFORMED, 1, 4, "expected a value after '='"},
    {"a = # nothing", 0, PQNET_ERR_MALFORMED, 1, 5, "expected a value after '='"},
    {"a = \n1", 0, PQNET_ERR_MALFORMED, 1, 5, "expected a value after '='"},
    /* trailing garbage */
    {"a = 1 2", 0, PQNET_ERR_MALFORMED, 1, 7, "unexpected '2' after the value"},
    {"a = \"x\" y", 0, PQNET_ERR_MALFORMED, 1, 9, "unexpected 'y' after the value"},
    {"a = 1 b = 2", 0, PQNET_ERR_MALFORMED, 1, 7, "unexpected 'b'"},
    {"[t] x = 1", 0, PQNET_ERR_MALFORMED, 1, 5, "after the table header"},
    /* arrays */
    {"a = [1, 2]", 0, PQNET_ERR_MALFORMED, 1, 6, "arrays may only hold strings"},
    {"a = [\"x\", true]", 0, PQNET_ERR_MALFORMED, 1, 11, "arrays may only hold strings"},
    {"a = [[\"x\"]]", 0, PQNET_ERR_MALFORMED, 1, 6, "nested arrays"},
    {"a = [{}]", 0, PQNET_ERR_MALFORMED, 1, 6, "inline tables"},
    {"a = [\"x\" \"y\"]", 0, PQNET_ERR_MALFORMED, 1, 10, "expected ',' or ']'"},
    {"a = [,]", 0, PQNET_ERR_MALFORMED, 1, 6, "expected a string or ']'"},
    {"a = [\"x\",,]", 0, PQNET_ERR_MALFORMED, 1, 10, "found ','"},
    {"a = [\"x\",\n\"y\"\n", 0, PQNET_ERR_MALFORMED, 1, 5, "unterminated array"},
    {"a = [", 0, PQNET_ERR_MALFORMED, 1, 5, "unterminated array"},
    {"a = [\n\"x\" # c \x02\n]", 0, PQNET_ERR_MALFORMED, 2, 9,
     "control character 0x02 in a comment"},
    /* keys */
    {"a", 0, PQNET_ERR_MALFORMED, 1, 2, "expected '=' after the key 'a', found end of line"},
    {"a b = 1", 0, PQNET_ERR_MALFORMED, 1, 3, "expected '=' after the key 'a', found 'b'"},
    {"= 1", 0, PQNET_ERR_MALFORMED, 1, 1, "expected a key, found '='"},
    {"a. = 1", 0, PQNET_ERR_MALFORMED, 1, 4, "expected a key"},
    {".a = 1", 0, PQNET_ERR_MALFORMED, 1, 1, "expected a key, found '.'"},
    {"a$ = 1", 0, PQNET_ERR_MALFORMED, 1, 2, "expected '=' after the key 'a', found '$'"},
    {"\"a\nb\" = 1", 0, PQNET_ERR_MALFORMED, 1, 1, "unterminated key"},
    {"x\0 = 1", 6, PQNET_ERR_MALFORMED, 1, 2, "byte 0x00"},
    {"\x01", 1, PQNET_ERR_MALFORMED, 1, 1, "expected a key, found byte 0x01"},
    /* duplicates and table rules */
    {"a = 1\nb = 2\na = 3", 0, PQNET_ERR_MALFORMED, 3, 1,
     "duplicate key 'a' (first defined at line 1)"},
    {"a = 1\n\"a\" = 2", 0, PQNET_ERR_MALFORMED, 2, 1, "duplicate key 'a'"},
    {"[t]\nx = 1\n  x = 2", 0, PQNET_ERR_MALFORMED, 3, 3, "duplicate key 'x'"},
    {"a.b = 1\na.b = 2", 0, PQNET_ERR_MALFORMED, 2, 1, "duplicate key 'a.b'"},
    {"[t]\n[t]", 0, PQNET_ERR_MALFORMED, 2, 1, "table [t] is already defined (line 1)"},
    {"[a.b]\n[a]\n[a]", 0, PQNET_ERR_MALFORMED, 3, 1, "table [a] is already defined (line 2)"},
    {"a = 1\n[a]", 0, PQNET_ERR_MALFORMED, 2, 2, "[a]: key 'a' is already an integer (line 1)"},
    {"[a]\nb = \"s\"\n[a.b]", 0, PQNET_ERR_MALFORMED, 3, 4, "key 'a.b' is already a string"},
    {"a.b = 1\n[a]", 0, PQNET_ERR_MALFORMED, 2, 1, "table [a] is already defined"},
    {"[x]\na.b = 1\n[x.a]", 0, PQNET_ERR_MALFORMED, 3, 1, "table [x.a] is already defined"},
    {"a = 1\na.b = 2", 0, PQNET_ERR_MALFORMED, 2, 1, "key 'a' is already an integer (line 1)"},
    {"a = []\na.b = 2", 0, PQNET_ERR_MALFORMED, 2, 1, "key 'a' is already an array"},
    {"[a.b]\nx = 1\n[a]\nb.y = 2", 0, PQNET_ERR_MALFORMED, 4, 1,
     "cannot extend table 'b' with a dotted key"},
    {"[a.b.c]\n[a]\nb.d = 1", 0, PQNET_ERR_MALFORMED, 3, 1, "cannot extend table 'b'"},
    {"[[a]]", 0, PQNET_ERR_MALFORMED, 1, 1, "arrays of tables"},
    {"[a", 0, PQNET_ERR_MALFORMED, 1, 3, "expected ']' to close the table header"},
    {"[a.]", 0, PQNET_ERR_MALFORMED, 1, 4, "expected a key, found ']'"},
    {"[]", 0, PQNET_ERR_MALFORMED, 1, 2, "expected a key, found ']'"},
    /* line ends, comments, encoding */
    {"a = 1\rb = 2", 0, PQNET_ERR_MALFORMED, 1, 6, "bare carriage return"},
    {"# ok\r", 0, PQNET_ERR_MALFORMED, 1, 5, "bare carriage return"},
    {"\n\n# comment \x01", 0, PQNET_ERR_MALFORMED, 3, 11, "control character 0x01 in a comment"},
    {"# \x7f", 0, PQNET_ERR_MALFORMED, 1, 3, "control character 0x7f in a comment"},
    {"a = \"\xff\"", 0, PQNET_ERR_MALFORMED, 1, 6, "invalid UTF-8 (byte 0xff)"},
    {"x = 1\na = \"\xc0\x80\"", 0, PQNET_ERR_MALFORMED, 2, 6, "invalid UTF-8"},   /* overlong */
    {"a = \"\xed\xa0\x80\"", 0, PQNET_ERR_MALFORMED, 1, 6, "invalid UTF-8"},      /* surrogate */
    {"a = \"\xf4\x90\x80\x80\"", 0, PQNET_ERR_MALFORMED, 1, 6, "invalid UTF-8"},  /* > U+10FFFF */
    {"a = \"\xe2\x82\"", 0, PQNET_ERR_MALFORMED, 1, 6, "invalid UTF-8"},          /* truncated */
    {"# \xe2\x82", 0, PQNET_ERR_MALFORMED, 1, 3, "invalid UTF-8"},                /* at the end */
    {"\xef\xbb\xbf\xef\xbb\xbf", 0, PQNET_ERR_MALFORMED, 1, 1, "expected a key"}, /* 2nd BOM */
    /* caps */
    {"a.b.c.d.e.f.g.h.i = 1", 0, PQNET_ERR_TOO_LARGE, 1, 17, "more than 8 dotted parts"},
    {"[a.b.c.d.e.f.g.h]\ni.j = 1", 0, PQNET_ERR_TOO_LARGE, 2, 1, "nested more than 8 deep"},
};

static void check_bad(const bad_case *c) {
  size_t len = c->len ? c->len : strlen(c->text);
  toml_doc *d = (toml_doc *)1;
  toml_error e;
  int rc = toml_parse(c->text, len, &d, &e);
  if (rc != c->rc || e.line != c->line || e.col != c->col || !strstr(e.msg, c->msg))
    fail_msg("input %s\n got rc %d at %u:%u: %s\nwant rc %d at %u:%u: ...%s...", c->text, rc,
             e.line, e.col, e.msg, c->rc, c->line, c->col, c->msg);
  assert_null(d);
}

static void test_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) check_bad(&bad_cases[i]);
}

static void test_bad_arguments(void **state) {
  (void)state;
  toml_doc *d = NULL;
  toml_error e;
  assert_int_equal(toml_parse(NULL, 3, &d, &e), PQNET_ERR_INVALID_ARG);
  assert_int_equal(toml_parse("a = 1", 5, NULL, &e), PQNET_ERR_INVALID_ARG);
  assert_int_equal(toml_parse("a = 1 2", 7, &d, NULL), PQNET_ERR_MALFORMED); /* err optional */
  assert_null(d);
  assert_int_equal(toml_write(NULL, stdout), PQNET_ERR_INVALID_ARG);
}

/* A text of n copies of line, with %d replaced by the copy's index. */
static char *repeat(const char *head, const char *line, size_t n, size_t *len) {
  size_t cap = strlen(head) + n * (strlen(line) + 24) + 1;
  char *buf = malloc(cap);
  assert_non_null(buf);
  size_t off = (size_t)snprintf(buf, cap, "%s", head);
  for (size_t i = 0; i < n; i++) off += (size_t)snprintf(buf + off, cap - off, line, (int)i);
  *len = off;
  return buf;
}

static void test_caps(void **state) {
  (void)state;
  toml_doc *d = NULL;
  toml_error e;
  size_t len;

  /* Key length: 256 bytes fine, 257 not (bare and quoted). */
  char key[300];
  memset(key, 'k', 256);
  snprintf(key + 256, sizeof key - 256, " = 1");
  assert_int_equal(toml_parse(key, strlen(key), &d, &e), 0);
  toml_doc_free(d);
  memset(key, 'k', 257);
  snprintf(key + 257, sizeof key - 257, " = 1");
  assert_int_equal(toml_parse(key, strlen(key), &d, &e), PQNET_ERR_TOO_LARGE);
  assert_non_null(strstr(e.msg, "key longer than 256 bytes"));
  key[0] = '"';
  memset(key + 1, 'k', 257);
  snprintf(key + 258, sizeof key - 258, "\" = 1");
  assert_int_equal(toml_parse(key, strlen(key), &d, &e), PQNET_ERR_TOO_LARGE);
  assert_int_equal(e.col, 1);

  /* String length: 4096 bytes after unescaping fine, 4097 not. */
  char *s = malloc(16384);
  assert_non_null(s);
  memcpy(s, "a = \"", 5);
  memset(s + 5, 'x', TOML_MAX_STRING);
  memcpy(s + 5 + TOML_MAX_STRING, "\"", 2);
  assert_int_equal(toml_parse(s, strlen(s), &d, &e), 0);
  assert_int_equal(toml_table_get(toml_doc_root(d), "a")->len, TOML_MAX_STRING);
  toml_doc_free(d);
  memset(s + 5, 'x', TOML_MAX_STRING + 1);
  memcpy(s + 6 + TOML_MAX_STRING, "\"", 2);
  assert_int_equal(toml_parse(s, strlen(s), &d, &e), PQNET_ERR_TOO_LARGE);
  assert_int_equal(e.line, 1);
  assert_int_equal(e.col, 5);
  assert_non_null(strstr(e.msg, "string longer than 4096 bytes"));
  /* 2048 escapes of 3 bytes each exceed it too. */
  size_t off = 5;
  for (int i = 0; i < 1366; i++) {
    memcpy(s + off, "\\u20AC", 6);
    off += 6;
  }
  memcpy(s + off, "\"", 2);
  assert_int_equal(toml_parse(s, strlen(s), &d, &e), PQNET_ERR_TOO_LARGE);
  assert_non_null(strstr(e.msg, "string longer than 4096 bytes"));
  free(s);

  /* Array elements: 1024 fine, 1025 not. */
  char *t = repeat("a = [", "\"x\",", TOML_MAX_ARRAY, &len);
  t = realloc(t, len + 8);
  memcpy(t + len, "]", 2);
  assert_int_equal(toml_parse(t, len + 1, &d, &e), 0);
  assert_int_equal(toml_table_get(toml_doc_root(d), "a")->count, TOML_MAX_ARRAY);
  toml_doc_free(d);
  free(t);
  t = repeat("a = [", "\"x\",", TOML_MAX_ARRAY + 1, &len);
  t = realloc(t, len + 8);
  memcpy(t + len, "]", 2);
  assert_int_equal(toml_parse(t, len + 1, &d, &e), PQNET_ERR_TOO_LARGE);
  assert_non_null(strstr(e.msg, "more than 1024 elements in one array"));
  assert_int_equal(e.col, 5 + 4 * TOML_MAX_ARRAY + 1);
  free(t);

  /* Keys per table: 1024 fine, 1025 not; the error is at the extra key. */
  t = repeat("", "k%d = 1\n", TOML_MAX_ENTRIES, &len);
  assert_int_equal(toml_parse(t, len, &d, &e), 0);
  toml_doc_free(d);
  free(t);
  t = repeat("", "k%d = 1\n", TOML_MAX_ENTRIES + 1, &len);
  assert_int_equal(toml_parse(t, len, &d, &e), PQNET_ERR_TOO_LARGE);
  assert_int_equal(e.line, TOML_MAX_ENTRIES + 1);
  assert_non_null(strstr(e.msg, "more than 1024 keys in one table"));
  free(t);

  /* Nodes in a document: 17 tables of 1000 keys exceed 16384. */
  char *big = malloc(1 << 20);
  assert_non_null(big);
  off = 0;
  for (int tb = 0; tb < 17; tb++) {
    off += (size_t)sprintf(big + off, "[t%d]\n", tb);
    for (int k = 0; k < 1000; k++) off += (size_t)sprintf(big + off, "k%d = 1\n", k);
  }
  assert_int_equal(toml_parse(big, off, &d, &e), PQNET_ERR_TOO_LARGE);
  assert_non_null(strstr(e.msg, "more than 16384"));
  assert_int_equal(e.line, 16 * 1001 + 1 + 368); /* the 16385th node: t16's 369th key */

  /* Input size: 1 MiB of comment is fine, one byte more is not. */
  free(big);
  big = malloc(TOML_MAX_INPUT + 1);
  assert_non_null(big);
  memset(big, ' ', TOML_MAX_INPUT + 1);
  big[0] = '#';
  assert_int_equal(toml_parse(big, TOML_MAX_INPUT, &d, &e), 0);
  toml_doc_free(d);
  assert_int_equal(toml_parse(big, TOML_MAX_INPUT + 1, &d, &e), PQNET_ERR_TOO_LARGE);
  assert_non_null(strstr(e.msg, "larger than 1048576 bytes"));
  free(big);
}

/* ---- printer ---- */

static void test_print_canonical(void **state) {
  (void)state;
  toml_doc *d = parse_ok("# header comment\n"
                         "[b.c]\n"
                         "z = 'lit'\n"
                         "[b]\n"
                         "y = false\n"
                         "top = 1 # added after tables? no: top-level keys come first\n");
  char *out = print_doc(d);
  assert_string_equal(out, "[b]\n"
                           "y = false\n"
                           "top = 1\n"
                           "\n"
                           "[b.c]\n"
                           "z = \"lit\"\n");
  free(out);
  toml_doc_free(d);

  d = parse_ok("x = -5\n"
               "\"a b\" = [\"q\\\"\", 'back\\slash', \"\\t\\u0001\\u007f\xc3\xa9\"]\n"
               "\"\" = true\n"
               "e = []\n"
               "s.\"d.t\".k = \"v\"\n"
               "[empty]\n");
  out = print_doc(d);
  assert_string_equal(out,
                      "x = -5\n"
                      "\"a b\" = [\"q\\\"\", \"back\\\\slash\", \"\\t\\u0001\\u007F\xc3\xa9\"]\n"
                      "\"\" = true\n"
                      "e = []\n"
                      "\n"
                      "[s]\n"
                      "\n"
                      "[s.\"d.t\"]\n"
                      "k = \"v\"\n"
                      "\n"
                      "[empty]\n");
  /* Printing the parse of the print gives the same bytes. */
  toml_doc *d2 = parse_ok(out);
  char *out2 = print_doc(d2);
  assert_string_equal(out, out2);
  free(out2);
  free(out);
  toml_doc_free(d2);
  toml_doc_free(d);
}

static void test_print_string_escapes(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  toml_write_string(f, "\"\\\b\t\n\f\r\x01\x1f\x7f ok \xe2\x82\xac", 17);
  fputc(' ', f);
  toml_write_key(f, "bare-Key_09");
  fputc(' ', f);
  toml_write_key(f, "");
  fputc(' ', f);
  toml_write_key(f, "a.b");
  fclose(f);
  assert_string_equal(buf, "\"\\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001F\\u007F ok \xe2\x82\xac\" "
                           "bare-Key_09 \"\" \"a.b\"");
  free(buf);
  assert_string_equal(toml_type_name(TOML_ARRAY), "array");
  assert_string_equal(toml_type_name((toml_type)99), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_and_comments),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_dotted_keys),
      cmocka_unit_test(test_tables),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_booleans),
      cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_print_canonical),
      cmocka_unit_test(test_print_string_escapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
