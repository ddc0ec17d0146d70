/*
 * ML-KEM (FIPS 203) known-answer tests: every record of the six files in
 * <vectors>/ml-kem/, for ML-KEM-512, -768 and -1024. Prints, per file and
 * parameter set, how many cases ran and passed; exits non-zero on any failure,
 * a missing file, or a parameter set without cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mlkem.h"
#include "pqnet/error.h"
#include "vectors.h"

#define NSETS 3
static const pqnet_mlkem_params *const sets[NSETS] = {&pqnet_mlkem512, &pqnet_mlkem768,
                                                      &pqnet_mlkem1024};

typedef struct counts {
  int ran[NSETS], passed[NSETS];
  int rej_ran[NSETS], rej_passed[NSETS]; /* "modified ciphertext" records */
} counts;

/* One record: returns 1 when it passed. */
typedef int (*case_fn)(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rejection);

/* Compare and report a byte-string output. */
static int same(const char *file, json_t *rec, const char *field, const uint8_t *got,
                size_t got_len) {
  uint8_t *want = NULL;
  size_t want_len = 0;
  if (vec_hex(rec, field, &want, &want_len) != 0) return 0;
  int ok = want_len == got_len && memcmp(got, want, got_len) == 0;
  if (!ok) {
    if (want_len == got_len)
      vec_print_mismatch(file, vec_int(rec, "tcId"), field, got, want, got_len);
    else
      fprintf(stderr, "FAIL %s tcId %lld: %s length %zu, want %zu\n", file, vec_int(rec, "tcId"),
              field, got_len, want_len);
  }
  free(want);
  return ok;
}

/* Decode the fields named in keys into bufs; 0 on success. */
static int load(json_t *rec, const char *const *keys, uint8_t **bufs, size_t *lens, int n) {
  for (int i = 0; i < n; i++) bufs[i] = NULL;
  for (int i = 0; i < n; i++)
    if (vec_hex(rec, keys[i], &bufs[i], &lens[i]) != 0) return -1;
  return 0;
}

static void unload(uint8_t **bufs, int n) {
  for (int i = 0; i < n; i++) free(bufs[i]);
}

static int case_keygen(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"d", "z"};
  uint8_t *b[2], ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES], dk[PQNET_MLKEM_MAX_SECRETKEYBYTES];
  size_t l[2];
  int ok = 0;
  (void)rej;
  if (load(rec, keys, b, l, 2) == 0 && l[0] == 32 && l[1] == 32 &&
      pqnet_mlkem_keygen_internal(p, ek, dk, b[0], b[1]) == 0)
    ok = same(file, rec, "ek", ek, p->ek_bytes) & same(file, rec, "dk", dk, p->dk_bytes);
  unload(b, 2);
  return ok;
}

static int case_encaps(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"ek", "m"};
  uint8_t *b[2], K[32], c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
  size_t l[2];
  int ok = 0;
  (void)rej;
  if (load(rec, keys, b, l, 2) == 0 && l[1] == 32 &&
      pqnet_mlkem_encaps_internal(p, K, c, b[0], l[0], b[1]) == 0)
    ok = same(file, rec, "c", c, p->ct_bytes) & same(file, rec, "k", K, sizeof K);
  unload(b, 2);
  return ok;
}

static int is_rejection(json_t *rec) {
  const char *reason = vec_str(rec, "reason");
  return reason && strcmp(reason, "modified ciphertext") == 0;
}

static int case_decaps(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"dk", "c"};
  uint8_t *b[2], K[32];
  size_t l[2];
  int ok = 0;
  *rej = is_rejection(rec);
  if (load(rec, keys, b, l, 2) == 0 && pqnet_mlkem_decaps(p, K, b[0], l[0], b[1], l[1]) == 0)
    ok = same(file, rec, "k", K, sizeof K);
  unload(b, 2);
  return ok;
}

static int case_decaps_seed(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"d", "z", "c"};
  uint8_t *b[3], K[32], ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES], dk[PQNET_MLKEM_MAX_SECRETKEYBYTES];
  size_t l[3];
  int ok = 0;
  *rej = is_rejection(rec);
  if (load(rec, keys, b, l, 3) == 0 && l[0] == 32 && l[1] == 32 &&
      pqnet_mlkem_keygen_internal(p, ek, dk, b[0], b[1]) == 0 &&
      pqnet_mlkem_decaps(p, K, dk, p->dk_bytes, b[2], l[2]) == 0)
    ok = same(file, rec, "k", K, sizeof K);
  unload(b, 3);
  return ok;
}

/* testPassed must match the check; a failing key must also make the
 * operation that uses it fail with the same code. */
static int case_ek_check(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"ek"};
  static const uint8_t m[32] = {1};
  uint8_t *b[1], K[32], c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
  size_t l[1];
  int ok = 0, want = vec_bool(rec, "testPassed");
  (void)rej;
  if (want >= 0 && load(rec, keys, b, l, 1) == 0) {
    int rc = pqnet_mlkem_check_ek(p, b[0], l[0]);
    int rc2 = pqnet_mlkem_encaps_internal(p, K, c, b[0], l[0], m);
    ok = want ? rc == 0 && rc2 == 0 : rc < 0 && rc2 == rc;
    if (!ok)
      fprintf(stderr, "FAIL %s tcId %lld: check_ek %d, encaps %d, testPassed %d\n", file,
              vec_int(rec, "tcId"), rc, rc2, want);
  }
  unload(b, 1);
  return ok;
}

static int case_dk_check(const char *file, json_t *rec, const pqnet_mlkem_params *p, int *rej) {
  static const char *const keys[] = {"dk"};
  uint8_t *b[1], K[32], c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES] = {0};
  size_t l[1];
  int ok = 0, want = vec_bool(rec, "testPassed");
  (void)rej;
  if (want >= 0 && load(rec, keys, b, l, 1) == 0) {
    int rc = pqnet_mlkem_check_dk(p, b[0], l[0]);
    int rc2 = pqnet_mlkem_decaps(p, K, b[0], l[0], c, p->ct_bytes);
    ok = want ? rc == 0 && rc2 == 0 : rc < 0 && rc2 == rc;
    if (!ok)
      fprintf(stderr, "FAIL %s tcId %lld: check_dk %d, decaps %d, testPassed %d\n", file,
              vec_int(rec, "tcId"), rc, rc2, want);
  }
  unload(b, 1);
  return ok;
}

static int run_file(const char *file, case_fn fn, int has_rejection) {
  counts n;
  int failures = 0;
  memset(&n, 0, sizeof n);
  json_t *root = vec_load(file);
  json_t *tests = root ? vec_tests(root, file) : NULL;
  size_t i;
  json_t *rec;
  if (tests) {
    json_array_foreach(tests, i, rec) {
      const pqnet_mlkem_params *p = pqnet_mlkem_params_by_name(vec_str(rec, "parameterSet"));
      int s = p == &pqnet_mlkem512 ? 0 : p == &pqnet_mlkem768 ? 1 : p == &pqnet_mlkem1024 ? 2 : -1;
      if (s < 0) {
        fprintf(stderr, "FAIL %s tcId %lld: unknown parameterSet\n", file, vec_int(rec, "tcId"));
        failures++;
        continue;
      }
      int rej = 0;
      int ok = fn(file, rec, p, &rej);
      n.ran[s]++;
      n.passed[s] += ok;
      n.rej_ran[s] += rej;
      n.rej_passed[s] += rej && ok;
    }
  }
  for (int s = 0; s < NSETS; s++) {
    failures += vec_report(file, sets[s]->name, n.ran[s], n.passed[s]);
    if (has_rejection) {
      char what[64];
      snprintf(what, sizeof what, "%s, of which modified ciphertext", sets[s]->name);
      failures += vec_report(file, what, n.rej_ran[s], n.rej_passed[s]);
    }
  }
  json_decref(root);
  return failures;
}

int main(void) {
  int failures = 0;
  failures += run_file("ml-kem/keygen.json", case_keygen, 0);
  failures += run_file("ml-kem/encapsulation.json", case_encaps, 0);
  failures += run_file("ml-kem/decapsulation.json", case_decaps, 1);
  failures += run_file("ml-kem/decapsulation_seed.json", case_decaps_seed, 1);
  failures += run_file("ml-kem/encapsulation_key_check.json", case_ek_check, 0);
  failures += run_file("ml-kem/decapsulation_key_check.json", case_dk_check, 0);
  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
