/*
 * FIPS 202 known-answer tests: every SHA3-256, SHA3-512, SHAKE128 and SHAKE256
 * record in <vectors>/sha3, bit-oriented ones included (AFT, VOT, MCT). The
 * large-data tests (LDT, 1 to 8 GiB each, 25 GiB in all) run only with
 * PQNET_VECTORS_LDT=1 (make test-long); otherwise they are counted as skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/sha3.h"
#include "vectors.h"

enum alg { SHA3_256, SHA3_512, SHAKE128, SHAKE256 };

static void alg_init(enum alg a, pqnet_keccak *k) {
  switch (a) {
  case SHA3_256: pqnet_sha3_256_init(k); break;
  case SHA3_512: pqnet_sha3_512_init(k); break;
  case SHAKE128: pqnet_shake128_init(k); break;
  case SHAKE256: pqnet_shake256_init(k); break;
  }
}

static size_t digest_len(enum alg a) {
  return a == SHA3_256 ? 32 : a == SHA3_512 ? 64 : 0;
}

/* Hash a message of len_bits bits (FIPS 202 bit order inside the last byte is
 * given MSB-first by ACVP, see the vectors README) into out_bits bits. */
static void hash_bits(enum alg a, const uint8_t *msg, size_t len_bits, uint8_t *out,
                      size_t out_bits) {
  pqnet_keccak k;
  alg_init(a, &k);
  pqnet_keccak_absorb(&k, msg, len_bits / 8);
  unsigned r = (unsigned)(len_bits % 8);
  if (r) pqnet_keccak_absorb_last_bits(&k, (uint8_t)(msg[len_bits / 8] >> (8 - r)), r);
  size_t out_bytes = (out_bits + 7) / 8;
  pqnet_keccak_squeeze(&k, out, out_bytes);
  if (out_bits % 8) out[out_bytes - 1] &= (uint8_t)((1u << (out_bits % 8)) - 1);
}

static int check_aft(enum alg a, json_t *rec, const char *file) {
  uint8_t *msg = NULL, *md = NULL;
  size_t msg_len, md_len;
  int ok = 0;
  long long len_bits = vec_int(rec, "len");
  if (vec_hex(rec, "msg", &msg, &msg_len) || vec_hex(rec, "md", &md, &md_len)) goto out;
  long long out_bits = digest_len(a) ? (long long)digest_len(a) * 8 : vec_int(rec, "outLen");
  if (len_bits < 0 || (size_t)(len_bits + 7) / 8 != msg_len || out_bits <= 0 ||
      (size_t)(out_bits + 7) / 8 != md_len) {
    fprintf(stderr, "FAIL %s tcId %lld: inconsistent lengths\n", file, vec_int(rec, "tcId"));
    goto out;
  }
  uint8_t *got = malloc(md_len);
  if (!got) goto out;
  hash_bits(a, msg, (size_t)len_bits, got, (size_t)out_bits);
  ok = memcmp(got, md, md_len) == 0;
  if (!ok) vec_print_mismatch(file, vec_int(rec, "tcId"), "md", got, md, md_len);
  free(got);
out:
  free(msg);
  free(md);
  return ok;
}

static int check_mct_sha3(enum alg a, json_t *rec, const char *file) {
  uint8_t *seed = NULL;
  size_t seed_len, dl = digest_len(a);
  uint8_t md[64];
  json_t *results = json_object_get(rec, "mctResults");
  if (vec_hex(rec, "msg", &seed, &seed_len) || seed_len != dl || !json_is_array(results) ||
      json_array_size(results) != 100) {
    fprintf(stderr, "FAIL %s: malformed MCT record\n", file);
    free(seed);
    return 0;
  }
  memcpy(md, seed, dl);
  free(seed);
  for (size_t j = 0; j < 100; j++) {
    for (int i = 0; i < 1000; i++) {
      if (a == SHA3_256)
        pqnet_sha3_256(md, md, dl);
      else
        pqnet_sha3_512(md, md, dl);
    }
    uint8_t *want = NULL;
    size_t want_len;
    if (vec_hex_str(json_string_value(json_array_get(results, j)), &want, &want_len) ||
        want_len != dl || memcmp(want, md, dl) != 0) {
      fprintf(stderr, "FAIL %s MCT checkpoint %zu\n", file, j);
      free(want);
      return 0;
    }
    free(want);
  }
  return 1;
}

static int check_mct_shake(enum alg a, json_t *rec, const char *file) {
  uint8_t *seed = NULL;
  size_t seed_len;
  json_t *results = json_object_get(rec, "mctResults");
  long long min_b = vec_int(rec, "minOutLen") / 8, max_b = vec_int(rec, "maxOutLen") / 8;
  if (vec_hex(rec, "msg", &seed, &seed_len) || !json_is_array(results) ||
      json_array_size(results) != 100 || min_b <= 0 || max_b < min_b || max_b > 65536) {
    fprintf(stderr, "FAIL %s: malformed SHAKE MCT record\n", file);
    free(seed);
    return 0;
  }
  size_t range = (size_t)(max_b - min_b + 1), out_b = (size_t)max_b, out_len = seed_len;
  uint8_t *out = malloc((size_t)max_b > seed_len ? (size_t)max_b : seed_len);
  if (!out) {
    free(seed);
    return 0;
  }
  memcpy(out, seed, seed_len);
  free(seed);
  int ok = 1;
  for (size_t j = 0; j < 100 && ok; j++) {
    size_t used = 0;
    for (int i = 0; i < 1000; i++) {
      uint8_t in[16] = {0};
      memcpy(in, out, out_len < 16 ? out_len : 16);
      used = out_b;
      if (a == SHAKE128)
        pqnet_shake128(out, used, in, 16);
      else
        pqnet_shake256(out, used, in, 16);
      out_len = used;
      out_b = (size_t)min_b + (((size_t)out[used - 2] << 8 | out[used - 1]) % range);
    }
    json_t *cp = json_array_get(results, j);
    uint8_t *want = NULL;
    size_t want_len;
    if (vec_hex_str(json_string_value(json_object_get(cp, "md")), &want, &want_len) ||
        want_len != used || memcmp(want, out, used) != 0 ||
        json_integer_value(json_object_get(cp, "outLen")) != (json_int_t)(used * 8)) {
      fprintf(stderr, "FAIL %s MCT checkpoint %zu\n", file, j);
      ok = 0;
    }
    free(want);
  }
  free(out);
  return ok;
}

static int check_ldt(enum alg a, json_t *rec, const char *file) {
  json_t *lm = json_object_get(rec, "largeMsg");
  uint8_t *content = NULL, *md = NULL;
  size_t content_len, md_len;
  json_int_t full_bits = json_integer_value(json_object_get(lm, "fullLength"));
  if (vec_hex_str(json_string_value(json_object_get(lm, "content")), &content, &content_len) ||
      vec_hex(rec, "md", &md, &md_len) || content_len == 0 || full_bits % 8 ||
      md_len != digest_len(a)) {
    fprintf(stderr, "FAIL %s: malformed LDT record\n", file);
    free(content);
    free(md);
    return 0;
  }
  /* Stream the repeated content through a 1 MiB buffer, never the whole message. */
  size_t chunk = (1u << 20) / content_len * content_len;
  uint8_t *buf = malloc(chunk);
  int ok = 0;
  if (buf) {
    for (size_t i = 0; i < chunk; i += content_len) memcpy(buf + i, content, content_len);
    pqnet_keccak k;
    alg_init(a, &k);
    unsigned long long left = (unsigned long long)full_bits / 8;
    while (left > 0) {
      size_t n = left < chunk ? (size_t)left : chunk;
      pqnet_keccak_absorb(&k, buf, n);
      left -= n;
    }
    uint8_t got[64];
    pqnet_keccak_squeeze(&k, got, md_len);
    ok = memcmp(got, md, md_len) == 0;
    if (!ok) vec_print_mismatch(file, vec_int(rec, "tcId"), "md", got, md, md_len);
  }
  free(buf);
  free(content);
  free(md);
  return ok;
}

static int run_file(const char *file, enum alg a) {
  json_t *root = vec_load(file);
  if (!root) return 1;
  json_t *tests = vec_tests(root, file);
  if (!tests) {
    json_decref(root);
    return 1;
  }
  int ran = 0, passed = 0, skipped = 0;
  int ldt = getenv("PQNET_VECTORS_LDT") && strcmp(getenv("PQNET_VECTORS_LDT"), "1") == 0;
  size_t i;
  json_t *rec;
  json_array_foreach(tests, i, rec) {
    const char *type = vec_str(rec, "testType");
    int ok;
    if (!type) {
      fprintf(stderr, "FAIL %s: record without testType\n", file);
      ok = 0;
    } else if (!strcmp(type, "AFT") || !strcmp(type, "VOT")) {
      ok = check_aft(a, rec, file);
    } else if (!strcmp(type, "MCT")) {
      ok = digest_len(a) ? check_mct_sha3(a, rec, file) : check_mct_shake(a, rec, file);
    } else if (!strcmp(type, "LDT")) {
      if (!ldt) {
        skipped++;
        continue;
      }
      ok = check_ldt(a, rec, file);
    } else {
      fprintf(stderr, "FAIL %s: unknown testType %s\n", file, type);
      ok = 0;
    }
    ran++;
    passed += ok;
  }
  json_decref(root);
  int failed = vec_report(file, NULL, ran, passed);
  if (skipped)
    printf("%s: %d LDT cases skipped (1-8 GiB each; run with PQNET_VECTORS_LDT=1, "
           "make test-long)\n",
           file, skipped);
  return failed;
}

int main(void) {
  int failed = 0;
  failed += run_file("sha3/sha3_256.json", SHA3_256);
  failed += run_file("sha3/sha3_512.json", SHA3_512);
  failed += run_file("sha3/shake128.json", SHAKE128);
  failed += run_file("sha3/shake256.json", SHAKE256);
  failed += run_file("sha3/shake128_bytes.json", SHAKE128);
  failed += run_file("sha3/shake256_bytes.json", SHAKE256);
  printf("%s\n", failed ? "FAIL" : "all SHA-3/SHAKE vector files passed");
  return failed ? 1 : 0;
}
