#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vec_dir(void) {
  const char *d = getenv("PQNET_VECTORS_DIR");
  if (d && *d) return d;
  d = getenv("PQNET_DEFAULT_VECTORS_DIR");
  if (d && *d) return d;
  return "../shared/vectors";
}

json_t *vec_load(const char *relpath) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s", vec_dir(), relpath);
  if (n < 0 || (size_t)n >= sizeof path) {
    fprintf(stderr, "FAIL %s: vector path too long\n", relpath);
    return NULL;
  }
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root) {
    fprintf(stderr, "FAIL %s: cannot load (%s, line %d): %s\n", path, err.source, err.line,
            err.text);
    fprintf(stderr, "     set PQNET_VECTORS_DIR to the vectors folder\n");
  }
  return root;
}

json_t *vec_tests(json_t *root, const char *relpath) {
  json_t *t = json_object_get(root, "tests");
  if (!json_is_array(t)) {
    fprintf(stderr, "FAIL %s: no \"tests\" array\n", relpath);
    return NULL;
  }
  return t;
}

const char *vec_str(json_t *rec, const char *key) {
  return json_string_value(json_object_get(rec, key));
}

long long vec_int(json_t *rec, const char *key) {
  json_t *v = json_object_get(rec, key);
  return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

int vec_bool(json_t *rec, const char *key) {
  json_t *v = json_object_get(rec, key);
  if (!json_is_boolean(v)) return -1;
  return json_is_true(v) ? 1 : 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int vec_hex_str(const char *hex, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!hex) return -1;
  size_t n = strlen(hex);
  if (n % 2) return -1;
  uint8_t *buf = malloc(n / 2 + 1);
  if (!buf) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(buf);
      return -1;
    }
    buf[i] = (uint8_t)(hi << 4 | lo);
  }
  *out = buf;
  *len = n / 2;
  return 0;
}

size_t vec_unhex(uint8_t *out, size_t cap, const char *hex) {
  uint8_t *buf;
  size_t len;
  if (vec_hex_str(hex, &buf, &len) != 0) return SIZE_MAX;
  if (len > cap)
    len = SIZE_MAX;
  else
    memcpy(out, buf, len);
  free(buf);
  return len;
}

int vec_hex(json_t *rec, const char *key, uint8_t **out, size_t *len) {
  if (vec_hex_str(vec_str(rec, key), out, len) != 0) {
    fprintf(stderr, "FAIL tcId %lld: field \"%s\" missing or not hex\n", vec_int(rec, "tcId"), key);
    return -1;
  }
  return 0;
}

int vec_report(const char *relpath, const char *what, int ran, int passed) {
  int failed = ran - passed;
  printf("%s%s%s%s: %d cases ran, %d passed, %d failed\n", relpath, what ? " [" : "",
         what ? what : "", what ? "]" : "", ran, passed, failed);
  if (ran == 0) {
    printf("FAIL %s: no case ran\n", relpath);
    return 1;
  }
  return failed;
}

void vec_print_mismatch(const char *relpath, long long tcid, const char *field, const uint8_t *got,
                        const uint8_t *want, size_t len) {
  size_t i = 0;
  while (i < len && got[i] == want[i]) i++;
  fprintf(stderr, "FAIL %s tcId %lld: %s differs at byte %zu of %zu", relpath, tcid, field, i, len);
  if (i < len) fprintf(stderr, " (got %02x, want %02x)", got[i], want[i]);
  fprintf(stderr, "\n");
}
