/*
 * Helpers for the NIST known-answer tests: find the vectors folder, load a
 * JSON file, decode hex, and report per-file counts.
 *
 * The folder is $PQNET_VECTORS_DIR when set, otherwise the build's default
 * (../shared/vectors beside the repository). A missing folder or file is a
 * failure, never a skip.
 */
#ifndef PQNET_TEST_VECTORS_H
#define PQNET_TEST_VECTORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Load <vectors>/<relpath>; prints the reason and returns NULL on failure.
 * The caller frees with json_decref. */
json_t *vec_load(const char *relpath);

/* The "tests" array of a loaded file (NULL and a message when absent). */
json_t *vec_tests(json_t *root, const char *relpath);

/* String field of a record, or NULL. */
const char *vec_str(json_t *rec, const char *key);

/* Integer field of a record, or -1. */
long long vec_int(json_t *rec, const char *key);

/* Boolean field: 1, 0, or -1 when absent. */
int vec_bool(json_t *rec, const char *key);

/* Decode the hex string field key of rec into a malloc'd buffer (*out, *len).
 * Returns 0, or -1 with a message when the field is absent or not hex.
 * An empty string gives *len 0 and a non-NULL *out. */
int vec_hex(json_t *rec, const char *key, uint8_t **out, size_t *len);

/* Decode a hex string; same contract as vec_hex. */
int vec_hex_str(const char *hex, uint8_t **out, size_t *len);

/* Decode a hex string into out (at most cap bytes): its length, or SIZE_MAX
 * when it is not hex or does not fit. */
size_t vec_unhex(uint8_t *out, size_t cap, const char *hex);

/* Print "<relpath> [<what>]: N cases ran, N passed, N failed" and return the
 * number failed (a file with zero cases run counts as one failure). */
int vec_report(const char *relpath, const char *what, int ran, int passed);

/* Print a short hex mismatch report. */
void vec_print_mismatch(const char *relpath, long long tcid, const char *field, const uint8_t *got,
                        const uint8_t *want, size_t len);

#endif
