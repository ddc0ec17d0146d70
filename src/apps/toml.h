/*
 * A strict parser for the subset of TOML 1.0 the pqnetd config file uses, and
 * a canonical printer for what it parses.
 *
 * Supported:
 *   - comments (# to the end of the line), LF and CRLF line ends, a leading
 *     UTF-8 byte order mark;
 *   - bare keys (A-Z a-z 0-9 _ -), quoted keys ("..." or '...'), dotted keys
 *     (a.b.c = 1, whitespace around the dots allowed);
 *   - [table] and [dotted.table] headers;
 *   - basic strings with the escapes \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX,
 *     and literal strings ('...', no escapes);
 *   - decimal integers with an optional sign and '_' between digits, within
 *     the int64 range;
 *   - true and false;
 *   - arrays of strings, over several lines if wanted, with comments between
 *     the elements and an optional trailing comma.
 *
 * Refused with an error naming what is not supported: floats, dates and
 * times, hexadecimal/octal/binary integers, multi-line strings, inline
 * tables, arrays of tables ([[x]]), arrays of anything but strings.
 *
 * Refused as malformed (TOML 1.0 says so): invalid UTF-8, control characters
 * other than tab in strings and comments, a bare carriage return, bad escapes,
 * unterminated strings and arrays, leading zeros, misplaced '_', integers
 * outside int64, duplicate keys, a table defined twice, extending with a
 * dotted key a table a header defined (or the reverse), anything after a
 * value on its line. In addition, stricter than TOML: "\u0000" is refused,
 * so every string and key is a C string with no NUL inside.
 *
 * Caps (TOML_MAX_*) bound the input size, the key depth, string and key
 * lengths, array and table sizes and the node count, so memory and time are
 * linear in the input.
 *
 * Errors carry a 1-based line and a 1-based column counted in bytes.
 */
#ifndef PQNET_APPS_TOML_H
#define PQNET_APPS_TOML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOML_MAX_INPUT   (1u << 20) /* bytes of a document */
#define TOML_MAX_DEPTH   8          /* nested tables: header path plus dotted key */
#define TOML_MAX_KEY     256        /* bytes of one key part */
#define TOML_MAX_STRING  4096       /* bytes of one string value, after unescaping */
#define TOML_MAX_ARRAY   1024       /* elements of one array */
#define TOML_MAX_ENTRIES 1024       /* keys directly in one table */
#define TOML_MAX_NODES   16384      /* tables, values and array elements in a document */

typedef enum toml_type {
  TOML_TABLE = 1,
  TOML_STRING = 2,
  TOML_INTEGER = 3,
  TOML_BOOLEAN = 4,
  TOML_ARRAY = 5,
} toml_type;

/*
 * One node of the parsed document. Read-only for callers; owned by the
 * toml_doc and valid until toml_doc_free. Entries and elements are kept in
 * the order they were written.
 */
typedef struct toml_node toml_node;
struct toml_node {
  toml_type type;
  const char *key;    /* table entries: the key (unescaped); NULL for the root and elements */
  unsigned line, col; /* where the key (tables: their header or first dotted use) or, for an
                         array element, the element was written */
  const char *str;    /* TOML_STRING: NUL-terminated, no NUL inside */
  size_t len;         /* TOML_STRING: bytes in str */
  int64_t integer;    /* TOML_INTEGER */
  int boolean;        /* TOML_BOOLEAN: 0 or 1 */
  toml_node *first;   /* TOML_TABLE: entries; TOML_ARRAY: elements */
  toml_node *next;    /* next entry of the parent table or array */
  size_t count;       /* TOML_TABLE, TOML_ARRAY: entries / elements */
  /* private */
  toml_node *last_;
  unsigned flags_;
  unsigned depth_;
};

typedef struct toml_doc toml_doc;

typedef struct toml_error {
  unsigned line, col; /* 1-based; col counts bytes */
  char msg[160];      /* e.g. "unterminated string" */
} toml_error;

/*
 * Parse len bytes of text (no NUL terminator needed; a NUL byte in it is an
 * error). On success *out is a document to free with toml_doc_free. Returns
 * 0, PQNET_ERR_INVALID_ARG (text NULL with len > 0, out NULL),
 * PQNET_ERR_MALFORMED (syntax, encoding, duplicate, unsupported construct),
 * PQNET_ERR_TOO_LARGE (a TOML_MAX_* cap) or PQNET_ERR_NOMEM. On failure *out
 * is NULL and, when err is not NULL, *err says where and why.
 */
int toml_parse(const char *text, size_t len, toml_doc **out, toml_error *err);

/* Free a document (NULL is fine). Every node pointer into it dies. */
void toml_doc_free(toml_doc *doc);

/* The root table. Never NULL for a parsed document. */
const toml_node *toml_doc_root(const toml_doc *doc);

/* The entry named key in table, or NULL (also when table is not a table). */
const toml_node *toml_table_get(const toml_node *table, const char *key);

/* "table", "string", "integer", "boolean", "array" or "unknown". */
const char *toml_type_name(toml_type t);

/*
 * Print the document rooted at root canonically: a table's plain entries
 * first (in order, "key = value"), then its sub-tables, each under a full
 * [a.b] header, depth first. Strings are basic strings with only the
 * necessary escapes; keys are bare when they can be. Parsing the output gives
 * the same document, and printing that gives the same bytes. Returns 0 or
 * PQNET_ERR_IO (the stream reported an error).
 */
int toml_write(const toml_node *root, FILE *f);

/* Offset of the first byte of an invalid UTF-8 sequence in s, or len when
 * all of it is valid (overlong forms, surrogates and code points above
 * U+10FFFF are invalid). */
size_t toml_utf8_invalid_at(const char *s, size_t len);

/* Print s (len bytes, valid UTF-8) as a TOML basic string with quotes. */
void toml_write_string(FILE *f, const char *s, size_t len);

/* Print a key: bare when it is non-empty and all A-Za-z0-9_-, else quoted. */
void toml_write_key(FILE *f, const char *key);

#endif
