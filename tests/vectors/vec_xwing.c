/*
 * X-Wing (draft-connolly-cfrg-xwing-kem-10, Appendix C) known-answer tests
 * from <vectors>/xwing/xwing-draft10.json. Per case: pk = KeyGenDerand(seed);
 * (ss, ct) = EncapsulateDerand(pk, eseed); Decapsulate(ct, seed) = ss; and the
 * same through the expanded key. One report line per operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/xwing.h"
#include "vectors.h"

#define FILE_NAME "xwing/xwing-draft10.json"

enum { OP_KEYGEN, OP_ENCAPS, OP_DECAPS, OP_DECAPS_DK, NOPS };
static const char *const op_names[NOPS] = {"X-Wing keygen_derand", "X-Wing encaps_derand",
                                           "X-Wing decaps", "X-Wing decaps_dk"};

static int check(long long tcid, const char *field, const uint8_t *got, const uint8_t *want,
                 size_t len) {
  if (memcmp(got, want, len) == 0) return 1;
  vec_print_mismatch(FILE_NAME, tcid, field, got, want, len);
  return 0;
}

int main(void) {
  static const char *const keys[] = {"seed", "pk", "eseed", "ct", "ss"};
  static const size_t sizes[] = {PQNET_XWING_SECRETKEYBYTES, PQNET_XWING_PUBLICKEYBYTES,
                                 PQNET_XWING_ESEEDBYTES, PQNET_XWING_CIPHERTEXTBYTES,
                                 PQNET_XWING_SSBYTES};
  int ran[NOPS] = {0}, passed[NOPS] = {0}, failures = 0;
  json_t *root = vec_load(FILE_NAME);
  json_t *cases = root ? json_object_get(root, "cases") : NULL;
  if (root && !json_is_array(cases)) fprintf(stderr, "FAIL %s: no \"cases\" array\n", FILE_NAME);
  size_t i;
  json_t *rec;
  if (json_is_array(cases)) {
    json_array_foreach(cases, i, rec) {
      long long tcid = vec_int(rec, "tcId");
      uint8_t *b[5] = {NULL, NULL, NULL, NULL, NULL};
      size_t l[5];
      int bad = 0;
      for (int f = 0; f < 5; f++)
        if (vec_hex_str(vec_str(rec, keys[f]), &b[f], &l[f]) != 0 || l[f] != sizes[f]) {
          fprintf(stderr, "FAIL %s tcId %lld: field %s missing or of the wrong size\n", FILE_NAME,
                  tcid, keys[f]);
          bad = 1;
        }
      for (int op = 0; op < NOPS; op++) ran[op]++;
      if (!bad) {
        uint8_t pk[PQNET_XWING_PUBLICKEYBYTES], ct[PQNET_XWING_CIPHERTEXTBYTES], ss[32], ss2[32];
        pqnet_xwing_dk dk;
        passed[OP_KEYGEN] +=
            pqnet_xwing_keygen_derand(pk, b[0]) == 0 && check(tcid, "pk", pk, b[1], l[1]);
        passed[OP_ENCAPS] += pqnet_xwing_encaps_derand(ss, ct, b[1], l[1], b[2]) == 0 &&
                             check(tcid, "ct", ct, b[3], l[3]) & check(tcid, "ss", ss, b[4], l[4]);
        passed[OP_DECAPS] += pqnet_xwing_decaps(ss2, b[3], l[3], b[0], l[0]) == 0 &&
                             check(tcid, "ss (decaps)", ss2, b[4], l[4]);
        memset(ss2, 0, sizeof ss2);
        passed[OP_DECAPS_DK] += pqnet_xwing_dk_init(&dk, pk, b[0]) == 0 &&
                                pqnet_xwing_decaps_dk(ss2, &dk, b[3], l[3]) == 0 &&
                                check(tcid, "pk (dk_init)", pk, b[1], l[1]) &
                                    check(tcid, "ss (decaps_dk)", ss2, b[4], l[4]);
        pqnet_xwing_dk_free(&dk);
      }
      for (int f = 0; f < 5; f++) free(b[f]);
    }
  }
  for (int op = 0; op < NOPS; op++)
    failures += vec_report(FILE_NAME, op_names[op], ran[op], passed[op]);
  json_decref(root);
  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
