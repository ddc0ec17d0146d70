/*
 * Handshake cost in memory (both roles in one process, one core), compared
 * with the sum of its public-key operations, and the memory an idle open
 * session holds. See docs/BENCHMARKS.md.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto/mldsa.h"
#include "crypto/xwing.h"
#include "pqnet/node.h"
#include "session/identity.h"
#include "session/session.h"

static pqnet_identity *id_i, *id_r;
static pqnet_rng_det rng;
static const uint8_t genesis[32];

static void pump(pqnet_session *from, pqnet_session *to) {
  size_t n;
  uint8_t *p = pqnet_session_take_output(from, &n);
  size_t off = 0;
  while (off < n) {
    pqnet_sess_event ev;
    off += pqnet_session_recv(to, p + off, n - off, &ev);
    if (ev.type == PQNET_SEV_CLOSED) {
      fprintf(stderr, "handshake failed: %s\n", ev.text);
      exit(1);
    }
  }
  free(p);
}

static void handshake(pqnet_session *i, pqnet_session *r) {
  pqnet_session_params pi = {
      .initiator = 1, .chain_id = "devnet", .genesis = genesis, .id = id_i, .rng = &rng.rng};
  pqnet_session_params pr = pi;
  pr.initiator = 0;
  pr.id = id_r;
  if (pqnet_session_init(i, &pi) || pqnet_session_init(r, &pr)) exit(1);
  pump(i, r); /* Offer */
  pump(r, i); /* Acceptance */
  pump(i, r); /* Confirmation */
  if (i->state != PQNET_SESS_OPEN || r->state != PQNET_SESS_OPEN) exit(1);
}

static void do_handshake(void *arg) {
  (void)arg;
  pqnet_session i, r;
  handshake(&i, &r);
  pqnet_session_free(&i);
  pqnet_session_free(&r);
}

static uint8_t xpk[PQNET_XWING_PUBLICKEYBYTES], xsk[PQNET_XWING_SECRETKEYBYTES];
static uint8_t xct[PQNET_XWING_CIPHERTEXTBYTES], xss[32];
static uint8_t sig[PQNET_MLDSA65_SIG_BYTES], msg[32];

static void do_xkeygen(void *a) {
  (void)a;
  pqnet_xwing_keygen(xpk, xsk, &rng.rng);
}
static void do_xencaps(void *a) {
  (void)a;
  pqnet_xwing_encaps(xss, xct, xpk, sizeof xpk, &rng.rng);
}
static void do_xdecaps(void *a) {
  (void)a;
  pqnet_xwing_decaps(xss, xct, sizeof xct, xsk, sizeof xsk);
}
static void do_sign(void *a) {
  (void)a;
  pqnet_identity_sign(id_i, sig, msg, sizeof msg, "pqnet/1 initiator", &rng.rng);
}
static void do_verify(void *a) {
  (void)a;
  if (pqnet_mldsa65_verify(id_i->pk, msg, sizeof msg, sig, sizeof sig,
                           (const uint8_t *)"pqnet/1 initiator", 17) != 0)
    exit(1);
}

int main(void) {
  uint8_t s1[32], s2[32];
  memset(s1, 1, 32);
  memset(s2, 2, 32);
  pqnet_rng_det_init_u64(&rng, 7);
  if (pqnet_identity_from_seed(s1, &id_i) || pqnet_identity_from_seed(s2, &id_r)) return 1;

  printf("== Handshake (in memory, both roles, one core)\n");
  int n = bench_iters(300);
  bench_result kg = bench_run("X-Wing keygen", do_xkeygen, NULL, n, 0);
  bench_result en = bench_run("X-Wing encaps", do_xencaps, NULL, n, 0);
  bench_result de = bench_run("X-Wing decaps", do_xdecaps, NULL, n, 0);
  bench_result sg = bench_run("ML-DSA-65 sign (expanded)", do_sign, NULL, n, 0);
  bench_result vf = bench_run("ML-DSA-65 verify", do_verify, NULL, n, 0);
  bench_result hs = bench_run("full handshake (I+R)", do_handshake, NULL, n, 0);
  double sum_med = kg.median_us + en.median_us + de.median_us + 2 * sg.median_us + 2 * vf.median_us;
  double sum_mean = kg.mean_us + en.mean_us + de.mean_us + 2 * sg.mean_us + 2 * vf.mean_us;
  printf("crypto sum (keygen+encaps+decaps+2 sign+2 verify): median %.1f us, mean %.1f us\n",
         sum_med, sum_mean);
  printf("handshakes/s on one core: %.0f (mean-based %.0f); protocol overhead over crypto: "
         "%.1f%% (means: %.1f%%)\n",
         1e6 / hs.median_us, 1e6 / hs.mean_us, 100.0 * (hs.median_us - sum_med) / sum_med,
         100.0 * (hs.mean_us - sum_mean) / sum_mean);

  /* Memory of idle open sessions: heap in use per session, plus the struct. */
  enum { N = 200 };
  pqnet_session *ss = calloc(2 * N, sizeof *ss);
  struct mallinfo2 before = mallinfo2();
  for (int k = 0; k < N; k++) handshake(&ss[2 * k], &ss[2 * k + 1]);
  struct mallinfo2 after = mallinfo2();
  double heap = (double)(after.uordblks - before.uordblks) / (2 * N);
  printf("idle open session: %.0f bytes heap + %zu bytes struct = %.1f KiB (core only; the "
         "libevent shell adds its bufferevent)\n",
         heap, sizeof(pqnet_session), (heap + sizeof(pqnet_session)) / 1024.0);
  for (int k = 0; k < 2 * N; k++) pqnet_session_free(&ss[k]);
  free(ss);
  pqnet_identity_del(id_i);
  pqnet_identity_del(id_r);
  return 0;
}
