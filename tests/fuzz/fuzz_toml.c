/*
 * TOML subset parser (src/apps/toml.c) on arbitrary bytes. A refused input
 * must come with a sane error (known code, line and column from 1, the line
 * within the input, a message). An accepted one must print canonically,
 * parse again, and print to the same bytes (unless the printed form outgrows
 * the input cap: escapes and full table paths can make it longer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/toml.h"
#include "pqnet/error.h"

static char *print(const toml_doc *doc, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f) abort();
  if (toml_write(toml_doc_root(doc), f) != 0) abort();
  fclose(f);
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  toml_doc *doc = NULL;
  toml_error e;
  int rc = toml_parse((const char *)data, size, &doc, &e);
  if (rc) {
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    if (doc) abort();
    if (rc != PQNET_ERR_MALFORMED && rc != PQNET_ERR_TOO_LARGE && rc != PQNET_ERR_NOMEM) abort();
    if (e.line < 1 || e.line > lines || e.col < 1 || e.col > size + 1 || !e.msg[0]) abort();
    return 0;
  }
  size_t l1, l2;
  char *p1 = print(doc, &l1);
  if (l1 <= TOML_MAX_INPUT) {
    toml_doc *doc2 = NULL;
    if (toml_parse(p1, l1, &doc2, &e) != 0) {
      fprintf(stderr, "canonical print does not parse: %u:%u: %s\n%s", e.line, e.col, e.msg, p1);
      abort();
    }
    char *p2 = print(doc2, &l2);
    if (l1 != l2 || memcmp(p1, p2, l1) != 0) {
      fprintf(stderr, "print is not stable:\n%s---\n%s", p1, p2);
      abort();
    }
    free(p2);
    toml_doc_free(doc2);
  }
  free(p1);
  toml_doc_free(doc);
  return 0;
}
