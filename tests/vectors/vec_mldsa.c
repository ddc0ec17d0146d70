/*
 * FIPS 204 known-answer tests: every record of <vectors>/ml-dsa/keygen.json,
 * siggen.json and sigver.json for ML-DSA-44, -65 and -87 (internal interface,
 * external mu, pure ML-DSA with contexts; deterministic and hedged), and of
 * the HashML-DSA files siggen_prehash.json and sigver_prehash.json (ML-DSA-65
 * with all twelve pre-hash functions). Prints one line per file and parameter
 * set; exits non-zero on any failure or missing file.
 *
 * Signing cases are run twice: through the encoded-key API and through an
 * expanded key; both must give the expected signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mldsa.h"
#include "pqnet/error.h"
#include "vectors.h"

#define NSETS 3

typedef struct counts {
  int ran[NSETS], passed[NSETS];
} counts;

static int parse_set(const char *name, pqnet_mldsa_alg *alg) {
  for (int i = 0; i < NSETS; i++) {
    if (name && strcmp(name, pqnet_mldsa_name((pqnet_mldsa_alg)i)) == 0) {
      *alg = (pqnet_mldsa_alg)i;
      return 0;
    }
  }
  return -1;
}

/* A pqnet_rng that hands out the record's rnd, so the hedged external API can
 * be checked against fixed randomness. */
typedef struct fixed_rng {
  const uint8_t *bytes;
  size_t len;
} fixed_rng;

static int fixed_fill(void *ctx, uint8_t *buf, size_t len) {
  fixed_rng *f = ctx;
  if (len > f->len) return PQNET_ERR_RNG;
  memcpy(buf, f->bytes, len);
  f->bytes += len;
  f->len -= len;
  return 0;
}

static int report(const char *file, const counts *c) {
  int failed = 0;
  for (int i = 0; i < NSETS; i++)
    failed += vec_report(file, pqnet_mldsa_name((pqnet_mldsa_alg)i), c->ran[i], c->passed[i]);
  return failed;
}

/* The HashML-DSA files hold ML-DSA-65 cases only: report the sets present
 * (and fail if there is none at all). */
static int report_present(const char *file, const counts *c) {
  int failed = 0, any = 0;
  for (int i = 0; i < NSETS; i++) {
    if (c->ran[i] == 0) continue;
    any = 1;
    failed += vec_report(file, pqnet_mldsa_name((pqnet_mldsa_alg)i), c->ran[i], c->passed[i]);
  }
  return any ? failed : vec_report(file, NULL, 0, 0);
}

static int check_bytes(const char *file, long long tcid, const char *field, const uint8_t *got,
                       const uint8_t *want, size_t len) {
  if (memcmp(got, want, len) == 0) return 1;
  vec_print_mismatch(file, tcid, field, got, want, len);
  return 0;
}

/* ---- keyGen --------------------------------------------------------------- */

static int run_keygen(void) {
  const char *file = "ml-dsa/keygen.json";
  counts c = {{0}, {0}};
  json_t *root = vec_load(file);
  json_t *tests = root ? vec_tests(root, file) : NULL;
  if (!tests) {
    json_decref(root);
    return report(file, &c) + 1;
  }
  size_t idx;
  json_t *rec;
  json_array_foreach(tests, idx, rec) {
    long long tcid = vec_int(rec, "tcId");
    pqnet_mldsa_alg alg;
    uint8_t *seed = NULL, *pk = NULL, *sk = NULL;
    size_t seed_len, pk_len, sk_len;
    uint8_t got_pk[PQNET_MLDSA_MAX_PK_BYTES], got_sk[PQNET_MLDSA_MAX_SK_BYTES];
    if (parse_set(vec_str(rec, "parameterSet"), &alg) != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: unknown parameter set\n", file, tcid);
      c.ran[0]++; /* counted as a failure */
      continue;
    }
    c.ran[alg]++;
    int ok = 0;
    if (vec_hex(rec, "seed", &seed, &seed_len) || vec_hex(rec, "pk", &pk, &pk_len) ||
        vec_hex(rec, "sk", &sk, &sk_len))
      goto next;
    if (seed_len != 32 || pk_len != pqnet_mldsa_pk_bytes(alg) ||
        sk_len != pqnet_mldsa_sk_bytes(alg)) {
      fprintf(stderr, "FAIL %s tcId %lld: unexpected field sizes\n", file, tcid);
      goto next;
    }
    if (pqnet_mldsa_keygen_internal(alg, got_pk, got_sk, seed) != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: keygen returned an error\n", file, tcid);
      goto next;
    }
    ok = check_bytes(file, tcid, "pk", got_pk, pk, pk_len) &&
         check_bytes(file, tcid, "sk", got_sk, sk, sk_len);
  next:
    c.passed[alg] += ok;
    free(seed);
    free(pk);
    free(sk);
  }
  json_decref(root);
  return report(file, &c);
}

/* ---- sigGen --------------------------------------------------------------- */

/* One sigGen record; returns 1 when both the plain and the expanded-key
 * signature equal the expected one. */
static int siggen_case(const char *file, json_t *rec, pqnet_mldsa_alg alg) {
  long long tcid = vec_int(rec, "tcId");
  const char *iface = vec_str(rec, "signatureInterface");
  int external = iface && strcmp(iface, "external") == 0;
  int ext_mu = vec_bool(rec, "externalMu") == 1;
  int deterministic = vec_bool(rec, "deterministic");
  uint8_t *sk = NULL, *msg = NULL, *ctx = NULL, *rnd = NULL, *want = NULL;
  size_t sk_len, msg_len = 0, ctx_len = 0, rnd_len = 0, want_len;
  uint8_t zero_rnd[32] = {0};
  uint8_t got[PQNET_MLDSA_MAX_SIG_BYTES];
  pqnet_mldsa_sk_expanded *esk = NULL;
  int ok = 0, rc, rc2;

  if (!iface || deterministic < 0 || (!external && vec_bool(rec, "externalMu") < 0)) {
    fprintf(stderr, "FAIL %s tcId %lld: missing interface fields\n", file, tcid);
    return 0;
  }
  if (external) {
    const char *pre = vec_str(rec, "preHash");
    if (!pre || strcmp(pre, "pure") != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: unexpected preHash mode\n", file, tcid);
      return 0;
    }
  }
  if (vec_hex(rec, "sk", &sk, &sk_len) || vec_hex(rec, "signature", &want, &want_len) ||
      vec_hex(rec, ext_mu ? "mu" : "message", &msg, &msg_len) ||
      (external && vec_hex(rec, "context", &ctx, &ctx_len)) ||
      (!deterministic && vec_hex(rec, "rnd", &rnd, &rnd_len)))
    goto out;
  if (want_len != pqnet_mldsa_sig_bytes(alg) || (!deterministic && rnd_len != 32) ||
      (ext_mu && msg_len != 64)) {
    fprintf(stderr, "FAIL %s tcId %lld: unexpected field sizes\n", file, tcid);
    goto out;
  }
  const uint8_t *r = deterministic ? zero_rnd : rnd;
  fixed_rng fr = {r, 32};
  const pqnet_rng rng = {fixed_fill, &fr};
  const pqnet_rng *rngp = deterministic ? PQNET_MLDSA_DETERMINISTIC : &rng;

  /* Encoded-key API. */
  if (external)
    rc = pqnet_mldsa_sign(alg, got, sk, sk_len, msg, msg_len, ctx, ctx_len, rngp);
  else if (ext_mu)
    rc = pqnet_mldsa_sign_mu(alg, got, sk, sk_len, msg, r);
  else
    rc = pqnet_mldsa_sign_internal(alg, got, sk, sk_len, msg, msg_len, r);
  if (rc != 0) {
    fprintf(stderr, "FAIL %s tcId %lld: sign returned %s\n", file, tcid, pqnet_strerror(rc));
    goto out;
  }
  if (!check_bytes(file, tcid, "signature", got, want, want_len)) goto out;

  /* Expanded-key API (internal M' goes through mu). */
  esk = malloc(sizeof *esk);
  if (!esk || pqnet_mldsa_sk_expanded_init(esk, alg, sk, sk_len) != 0) {
    fprintf(stderr, "FAIL %s tcId %lld: cannot expand the key\n", file, tcid);
    goto out;
  }
  memset(got, 0, sizeof got);
  fr.bytes = r;
  fr.len = 32;
  if (external) {
    rc2 = pqnet_mldsa_sign_expanded(esk, got, msg, msg_len, ctx, ctx_len, rngp);
  } else if (ext_mu) {
    rc2 = pqnet_mldsa_sign_expanded_mu(esk, got, msg, r);
  } else {
    /* mu = SHAKE256(tr || M', 64); tr is the sk's bytes 64..127. */
    uint8_t mu[64];
    pqnet_keccak k;
    pqnet_shake256_init(&k);
    pqnet_keccak_absorb(&k, sk + 64, 64);
    pqnet_keccak_absorb(&k, msg, msg_len);
    pqnet_keccak_squeeze(&k, mu, 64);
    rc2 = pqnet_mldsa_sign_expanded_mu(esk, got, mu, r);
  }
  if (rc2 != 0) {
    fprintf(stderr, "FAIL %s tcId %lld: expanded sign returned %s\n", file, tcid,
            pqnet_strerror(rc2));
    goto out;
  }
  ok = check_bytes(file, tcid, "signature (expanded key)", got, want, want_len);
out:
  if (esk) {
    pqnet_mldsa_sk_expanded_free(esk);
    free(esk);
  }
  free(sk);
  free(msg);
  free(ctx);
  free(rnd);
  free(want);
  return ok;
}

static int run_siggen(void) {
  const char *file = "ml-dsa/siggen.json";
  counts c = {{0}, {0}};
  json_t *root = vec_load(file);
  json_t *tests = root ? vec_tests(root, file) : NULL;
  if (!tests) {
    json_decref(root);
    return report(file, &c) + 1;
  }
  size_t idx;
  json_t *rec;
  json_array_foreach(tests, idx, rec) {
    pqnet_mldsa_alg alg;
    if (parse_set(vec_str(rec, "parameterSet"), &alg) != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: unknown parameter set\n", file, vec_int(rec, "tcId"));
      c.ran[0]++;
      continue;
    }
    c.ran[alg]++;
    c.passed[alg] += siggen_case(file, rec, alg);
  }
  json_decref(root);
  return report(file, &c);
}

/* ---- sigVer --------------------------------------------------------------- */

static int sigver_case(const char *file, json_t *rec, pqnet_mldsa_alg alg) {
  long long tcid = vec_int(rec, "tcId");
  const char *iface = vec_str(rec, "signatureInterface");
  int external = iface && strcmp(iface, "external") == 0;
  int ext_mu = vec_bool(rec, "externalMu") == 1;
  int expect = vec_bool(rec, "testPassed");
  uint8_t *pk = NULL, *msg = NULL, *ctx = NULL, *sig = NULL;
  size_t pk_len, msg_len = 0, ctx_len = 0, sig_len;
  int ok = 0, rc;

  if (!iface || expect < 0 || (!external && vec_bool(rec, "externalMu") < 0)) {
    fprintf(stderr, "FAIL %s tcId %lld: missing interface fields\n", file, tcid);
    return 0;
  }
  if (vec_hex(rec, "pk", &pk, &pk_len) || vec_hex(rec, "signature", &sig, &sig_len) ||
      vec_hex(rec, ext_mu ? "mu" : "message", &msg, &msg_len) ||
      (external && vec_hex(rec, "context", &ctx, &ctx_len)))
    goto out;
  if (ext_mu && msg_len != 64) {
    fprintf(stderr, "FAIL %s tcId %lld: mu is not 64 bytes\n", file, tcid);
    goto out;
  }
  if (external)
    rc = pqnet_mldsa_verify(alg, pk, pk_len, msg, msg_len, sig, sig_len, ctx, ctx_len);
  else if (ext_mu)
    rc = pqnet_mldsa_verify_mu(alg, pk, pk_len, msg, sig, sig_len);
  else
    rc = pqnet_mldsa_verify_internal(alg, pk, pk_len, msg, msg_len, sig, sig_len);
  ok = expect ? rc == 0 : rc == PQNET_ERR_AUTH;
  if (!ok)
    fprintf(stderr, "FAIL %s tcId %lld (%s): verify returned %s, expected %s\n", file, tcid,
            vec_str(rec, "reason") ? vec_str(rec, "reason") : "?", pqnet_strerror(rc),
            expect ? "success" : "PQNET_ERR_AUTH");
out:
  free(pk);
  free(msg);
  free(ctx);
  free(sig);
  return ok;
}

static int run_sigver(void) {
  const char *file = "ml-dsa/sigver.json";
  counts c = {{0}, {0}};
  json_t *root = vec_load(file);
  json_t *tests = root ? vec_tests(root, file) : NULL;
  if (!tests) {
    json_decref(root);
    return report(file, &c) + 1;
  }
  size_t idx;
  json_t *rec;
  json_array_foreach(tests, idx, rec) {
    pqnet_mldsa_alg alg;
    if (parse_set(vec_str(rec, "parameterSet"), &alg) != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: unknown parameter set\n", file, vec_int(rec, "tcId"));
      c.ran[0]++;
      continue;
    }
    c.ran[alg]++;
    c.passed[alg] += sigver_case(file, rec, alg);
  }
  json_decref(root);
  return report(file, &c);
}

/* ---- HashML-DSA ----------------------------------------------------------- */

static int prehash_of(const char *file, json_t *rec, pqnet_mldsa_prehash *ph) {
  const char *pre = vec_str(rec, "preHash"), *name = vec_str(rec, "hashAlg");
  if (!pre || strcmp(pre, "preHash") != 0 || pqnet_mldsa_prehash_from_name(ph, name) != 0) {
    fprintf(stderr, "FAIL %s tcId %lld: unexpected preHash / hashAlg\n", file,
            vec_int(rec, "tcId"));
    return -1;
  }
  return 0;
}

static int siggen_prehash_case(const char *file, json_t *rec, pqnet_mldsa_alg alg) {
  long long tcid = vec_int(rec, "tcId");
  int deterministic = vec_bool(rec, "deterministic");
  uint8_t *sk = NULL, *msg = NULL, *ctx = NULL, *rnd = NULL, *want = NULL;
  size_t sk_len, msg_len, ctx_len, rnd_len = 0, want_len;
  uint8_t got[PQNET_MLDSA_MAX_SIG_BYTES];
  pqnet_mldsa_prehash ph;
  int ok = 0;
  if (deterministic < 0 || prehash_of(file, rec, &ph) != 0) return 0;
  if (vec_hex(rec, "sk", &sk, &sk_len) || vec_hex(rec, "signature", &want, &want_len) ||
      vec_hex(rec, "message", &msg, &msg_len) || vec_hex(rec, "context", &ctx, &ctx_len) ||
      (!deterministic && vec_hex(rec, "rnd", &rnd, &rnd_len)))
    goto out;
  if (want_len != pqnet_mldsa_sig_bytes(alg) || (!deterministic && rnd_len != 32)) {
    fprintf(stderr, "FAIL %s tcId %lld: unexpected field sizes\n", file, tcid);
    goto out;
  }
  fixed_rng fr = {rnd, rnd_len};
  const pqnet_rng rng = {fixed_fill, &fr};
  int rc = pqnet_mldsa_hash_sign(alg, got, sk, sk_len, msg, msg_len, ctx, ctx_len, ph,
                                 deterministic ? PQNET_MLDSA_DETERMINISTIC : &rng);
  if (rc != 0) {
    fprintf(stderr, "FAIL %s tcId %lld: sign returned %s\n", file, tcid, pqnet_strerror(rc));
    goto out;
  }
  ok = check_bytes(file, tcid, "signature", got, want, want_len);
out:
  free(sk);
  free(msg);
  free(ctx);
  free(rnd);
  free(want);
  return ok;
}

static int sigver_prehash_case(const char *file, json_t *rec, pqnet_mldsa_alg alg) {
  long long tcid = vec_int(rec, "tcId");
  int expect = vec_bool(rec, "testPassed");
  uint8_t *pk = NULL, *msg = NULL, *ctx = NULL, *sig = NULL;
  size_t pk_len, msg_len, ctx_len, sig_len;
  pqnet_mldsa_prehash ph;
  int ok = 0;
  if (expect < 0 || prehash_of(file, rec, &ph) != 0) return 0;
  if (vec_hex(rec, "pk", &pk, &pk_len) || vec_hex(rec, "signature", &sig, &sig_len) ||
      vec_hex(rec, "message", &msg, &msg_len) || vec_hex(rec, "context", &ctx, &ctx_len))
    goto out;
  int rc = pqnet_mldsa_hash_verify(alg, pk, pk_len, msg, msg_len, sig, sig_len, ctx, ctx_len, ph);
  ok = expect ? rc == 0 : rc == PQNET_ERR_AUTH;
  if (!ok)
    fprintf(stderr, "FAIL %s tcId %lld (%s): verify returned %s\n", file, tcid,
            vec_str(rec, "reason") ? vec_str(rec, "reason") : "?", pqnet_strerror(rc));
out:
  free(pk);
  free(msg);
  free(ctx);
  free(sig);
  return ok;
}

static int run_prehash(const char *file, int (*one)(const char *, json_t *, pqnet_mldsa_alg)) {
  counts c = {{0}, {0}};
  json_t *root = vec_load(file);
  json_t *tests = root ? vec_tests(root, file) : NULL;
  if (!tests) {
    json_decref(root);
    return report_present(file, &c) + 1;
  }
  size_t idx;
  json_t *rec;
  json_array_foreach(tests, idx, rec) {
    pqnet_mldsa_alg alg;
    if (parse_set(vec_str(rec, "parameterSet"), &alg) != 0) {
      fprintf(stderr, "FAIL %s tcId %lld: unknown parameter set\n", file, vec_int(rec, "tcId"));
      c.ran[0]++;
      continue;
    }
    c.ran[alg]++;
    c.passed[alg] += one(file, rec, alg);
  }
  json_decref(root);
  return report_present(file, &c);
}

int main(void) {
  int failed = 0;
  failed += run_keygen();
  failed += run_siggen();
  failed += run_sigver();
  failed += run_prehash("ml-dsa/siggen_prehash.json", siggen_prehash_case);
  failed += run_prehash("ml-dsa/sigver_prehash.json", sigver_prehash_case);
  if (failed) printf("FAIL: %d ML-DSA vector case(s) failed\n", failed);
  return failed ? 1 : 0;
}
