/*
 * AES-256-GCM seal and open through the keyed context (the per-frame path of
 * the secure channel) at 64 B, 1 KiB, 16 KiB and 1 MiB, plus the one-shot
 * seal at 1 KiB (key setup per call) and HKDF-SHA-256 extract + expand of 64
 * bytes (a rekey). Figures: median us/op, ops/s and MB/s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"

typedef struct aead_arg {
  pqnet_aead_ctx ctx;
  uint8_t key[PQNET_AEAD_KEY_LEN];
  uint8_t aad[4]; /* the frame length prefix, as in the secure channel */
  uint8_t *pt, *sealed, *out;
  size_t len;
  uint64_t counter;
} aead_arg;

static void die(const char *what) {
  fprintf(stderr, "bench_aead: %s failed\n", what);
  exit(1);
}

static void do_seal(void *p) {
  aead_arg *a = p;
  uint8_t nonce[PQNET_AEAD_NONCE_LEN];
  pqnet_aead_nonce_from_counter(nonce, a->counter++);
  if (pqnet_aead_ctx_seal(&a->ctx, nonce, a->aad, sizeof a->aad, a->pt, a->len, a->out) != 0)
    die("seal");
}

static void do_open(void *p) {
  aead_arg *a = p;
  uint8_t nonce[PQNET_AEAD_NONCE_LEN];
  pqnet_aead_nonce_from_counter(nonce, 0);
  if (pqnet_aead_ctx_open(&a->ctx, nonce, a->aad, sizeof a->aad, a->sealed,
                          a->len + PQNET_AEAD_TAG_LEN, a->out) != 0)
    die("open");
}

static void do_seal_one_shot(void *p) {
  aead_arg *a = p;
  uint8_t nonce[PQNET_AEAD_NONCE_LEN];
  pqnet_aead_nonce_from_counter(nonce, a->counter++);
  if (pqnet_aead_seal(a->key, nonce, a->aad, sizeof a->aad, a->pt, a->len, a->out) != 0)
    die("one-shot seal");
}

typedef struct hkdf_arg {
  uint8_t ikm[32], salt[32], info[16], okm[64];
} hkdf_arg;

static void do_hkdf(void *p) {
  hkdf_arg *h = p;
  uint8_t prk[PQNET_HKDF_PRK_LEN];
  if (pqnet_hkdf_extract(prk, h->salt, sizeof h->salt, h->ikm, sizeof h->ikm) != 0 ||
      pqnet_hkdf_expand(h->okm, sizeof h->okm, prk, h->info, sizeof h->info) != 0)
    die("hkdf");
}

int main(void) {
  static const struct {
    size_t len;
    const char *label;
    int iters;
  } sizes[] = {
      {64, "64B", 200000},
      {1024, "1KiB", 100000},
      {16384, "16KiB", 20000},
      {1 << 20, "1MiB", 300},
  };

  aead_arg a;
  memset(&a, 0, sizeof a);
  for (size_t i = 0; i < sizeof a.key; i++) a.key[i] = (uint8_t)(i * 29 + 3);
  if (pqnet_aead_ctx_init(&a.ctx, a.key) != 0) die("ctx init");

  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    char name[64];
    a.len = sizes[s].len;
    a.pt = malloc(a.len);
    a.sealed = malloc(a.len + PQNET_AEAD_TAG_LEN);
    a.out = malloc(a.len + PQNET_AEAD_TAG_LEN);
    if (!a.pt || !a.sealed || !a.out) die("malloc");
    for (size_t i = 0; i < a.len; i++) a.pt[i] = (uint8_t)(i * 7);
    a.aad[0] = (uint8_t)(a.len >> 24);
    a.aad[1] = (uint8_t)(a.len >> 16);
    a.aad[2] = (uint8_t)(a.len >> 8);
    a.aad[3] = (uint8_t)a.len;
    uint8_t nonce[PQNET_AEAD_NONCE_LEN];
    pqnet_aead_nonce_from_counter(nonce, 0);
    if (pqnet_aead_ctx_seal(&a.ctx, nonce, a.aad, sizeof a.aad, a.pt, a.len, a.sealed) != 0)
      die("seal");
    a.counter = 1;

    int iters = bench_iters(sizes[s].iters);
    snprintf(name, sizeof name, "aes256gcm seal %s", sizes[s].label);
    bench_run(name, do_seal, &a, iters, a.len);
    snprintf(name, sizeof name, "aes256gcm open %s", sizes[s].label);
    bench_run(name, do_open, &a, iters, a.len);
    if (a.len == 1024) {
      bench_run("aes256gcm seal 1KiB one-shot", do_seal_one_shot, &a, bench_iters(50000), a.len);
    }
    free(a.pt);
    free(a.sealed);
    free(a.out);
  }
  pqnet_aead_ctx_free(&a.ctx);

  hkdf_arg h;
  memset(&h, 0x11, sizeof h);
  bench_run("hkdf-sha256 extract+expand 64B", do_hkdf, &h, bench_iters(50000), 0);
  return 0;
}
