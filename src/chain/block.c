/*
 * Block header and block codecs, proof of work, exact work arithmetic and
 * the per-network genesis (docs/chain.md §2-§3).
 */
#include "chain/block.h"

#include <stdio.h>
#include <string.h>

#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "wire/codec.h"

/* ---- 256-bit numbers ----------------------------------------------------------------- */

void pqnet_u256_from_be(pqnet_u256 *x, const uint8_t in[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = v << 8 | in[(3 - i) * 8 + k];
    x->w[i] = v;
  }
}

void pqnet_u256_to_be(const pqnet_u256 *x, uint8_t out[32]) {
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 8; k++) out[(3 - i) * 8 + k] = (uint8_t)(x->w[i] >> (56 - 8 * k));
}

int pqnet_u256_cmp(const pqnet_u256 *a, const pqnet_u256 *b) {
  for (int i = 3; i >= 0; i--) {
    if (a->w[i] < b->w[i]) return -1;
    if (a->w[i] > b->w[i]) return 1;
  }
  return 0;
}

int pqnet_u256_add(pqnet_u256 *r, const pqnet_u256 *a, const pqnet_u256 *b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t s = a->w[i] + carry;
    uint64_t c1 = s < carry;
    uint64_t t = s + b->w[i];
    uint64_t c2 = t < s;
    r->w[i] = t;
    carry = c1 | c2;
  }
  return (int)carry;
}

static void u256_sub(pqnet_u256 *r, const pqnet_u256 *a, const pqnet_u256 *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t d = a->w[i] - b->w[i];
    uint64_t b1 = a->w[i] < b->w[i];
    uint64_t e = d - borrow;
    uint64_t b2 = d < borrow;
    r->w[i] = e;
    borrow = b1 | b2;
  }
}

int pqnet_u256_is_zero(const pqnet_u256 *x) {
  return (x->w[0] | x->w[1] | x->w[2] | x->w[3]) == 0;
}

static int u256_bits(const pqnet_u256 *x) {
  for (int i = 3; i >= 0; i--) {
    if (!x->w[i]) continue;
    int b = 64;
    while (!(x->w[i] >> (b - 1))) b--;
    return i * 64 + b;
  }
  return 0;
}

static int u256_bit(const pqnet_u256 *x, int n) {
  return (int)(x->w[n / 64] >> (n % 64) & 1);
}

static void u256_shl1(pqnet_u256 *x) {
  for (int i = 3; i > 0; i--) x->w[i] = x->w[i] << 1 | x->w[i - 1] >> 63;
  x->w[0] <<= 1;
}

/* Binary long division: at most 256 shift-and-subtract steps. */
void pqnet_u256_divmod(const pqnet_u256 *a, const pqnet_u256 *b, pqnet_u256 *q, pqnet_u256 *rem) {
  pqnet_u256 quo = {{0, 0, 0, 0}}, r = {{0, 0, 0, 0}};
  if (pqnet_u256_is_zero(b)) {
    if (q) *q = quo;
    if (rem) *rem = r;
    return;
  }
  for (int n = u256_bits(a) - 1; n >= 0; n--) {
    int top = (int)(r.w[3] >> 63); /* r may need 257 bits before the subtraction */
    u256_shl1(&r);
    r.w[0] |= (uint64_t)u256_bit(a, n);
    if (top || pqnet_u256_cmp(&r, b) >= 0) {
      u256_sub(&r, &r, b);
      quo.w[n / 64] |= 1ull << (n % 64);
    }
  }
  if (q) *q = quo;
  if (rem) *rem = r;
}

double pqnet_u256_to_double(const pqnet_u256 *x) {
  double d = 0;
  for (int i = 3; i >= 0; i--) d = d * 18446744073709551616.0 + (double)x->w[i];
  return d;
}

char *pqnet_u256_hex(const pqnet_u256 *x, char *buf, size_t cap) {
  uint8_t be[32];
  pqnet_u256_to_be(x, be);
  return pqnet_block_id_hex(be, buf, cap);
}

void pqnet_block_work(const uint8_t target[32], pqnet_u256 *work) {
  pqnet_u256 t, not_t, t1, one = {{1, 0, 0, 0}};
  pqnet_u256_from_be(&t, target);
  /* 2^256 / (t + 1) = (2^256 - 1 - t) / (t + 1) + 1 = ~t / (t + 1) + 1, exactly
   * (2^256 - 1 - t and 2^256 differ by t + 1, one more quotient step). */
  for (int i = 0; i < 4; i++) not_t.w[i] = ~t.w[i];
  if (pqnet_u256_add(&t1, &t, &one)) { /* t = 2^256 - 1 */
    *work = one;
    return;
  }
  pqnet_u256_divmod(&not_t, &t1, work, NULL);
  if (pqnet_u256_add(work, work, &one)) { /* t = 0: 2^256 does not fit */
    for (int i = 0; i < 4; i++) work->w[i] = UINT64_MAX;
  }
}

/* ---- codecs -------------------------------------------------------------------------- */

void pqnet_block_header_encode(const pqnet_block_header *h, uint8_t out[PQNET_BLOCK_HEADER_LEN]) {
  pqnet_writer w;
  pqnet_writer_init(&w, out, PQNET_BLOCK_HEADER_LEN);
  pqnet_put_u32(&w, h->version);
  pqnet_put_u64(&w, h->height);
  pqnet_put_bytes(&w, h->parent, 32);
  pqnet_put_u64(&w, h->timestamp_ms);
  pqnet_put_bytes(&w, h->target, 32);
  pqnet_put_u64(&w, h->nonce);
  pqnet_put_bytes(&w, h->payload_hash, 32);
}

static void read_header(pqnet_reader *r, pqnet_block_header *h) {
  h->version = pqnet_get_u32(r);
  h->height = pqnet_get_u64(r);
  pqnet_get_bytes(r, h->parent, 32);
  h->timestamp_ms = pqnet_get_u64(r);
  pqnet_get_bytes(r, h->target, 32);
  h->nonce = pqnet_get_u64(r);
  pqnet_get_bytes(r, h->payload_hash, 32);
}

int pqnet_block_header_decode(const uint8_t *in, size_t len, pqnet_block_header *h) {
  pqnet_reader r;
  if (!in || !h) return PQNET_ERR_INVALID_ARG;
  memset(h, 0, sizeof *h);
  pqnet_reader_init(&r, in, len);
  read_header(&r, h);
  int err = pqnet_reader_finish(&r);
  if (!err && h->version != PQNET_BLOCK_VERSION) err = PQNET_ERR_MALFORMED;
  if (err) memset(h, 0, sizeof *h);
  return err;
}

void pqnet_block_header_id(const pqnet_block_header *h, uint8_t id[32]) {
  uint8_t buf[PQNET_BLOCK_HEADER_LEN];
  pqnet_block_header_encode(h, buf);
  pqnet_sha3_256(id, buf, sizeof buf);
}

void pqnet_block_set_payload(pqnet_block_header *h, const uint8_t *payload, size_t len) {
  pqnet_sha3_256(h->payload_hash, payload, len);
}

int pqnet_block_encode(const pqnet_block_header *h, const uint8_t *payload, size_t payload_len,
                       uint8_t *out, size_t cap, size_t *out_len) {
  if (!h || !out || !out_len || (!payload && payload_len)) return PQNET_ERR_INVALID_ARG;
  *out_len = 0;
  if (payload_len > PQNET_BLOCK_PAYLOAD_MAX || cap < PQNET_BLOCK_MIN_LEN + payload_len)
    return PQNET_ERR_TOO_LARGE;
  pqnet_block_header_encode(h, out);
  out[PQNET_BLOCK_HEADER_LEN] = (uint8_t)(payload_len >> 24);
  out[PQNET_BLOCK_HEADER_LEN + 1] = (uint8_t)(payload_len >> 16);
  out[PQNET_BLOCK_HEADER_LEN + 2] = (uint8_t)(payload_len >> 8);
  out[PQNET_BLOCK_HEADER_LEN + 3] = (uint8_t)payload_len;
  if (payload_len) memcpy(out + PQNET_BLOCK_MIN_LEN, payload, payload_len);
  *out_len = PQNET_BLOCK_MIN_LEN + payload_len;
  return 0;
}

int pqnet_block_decode(const uint8_t *in, size_t len, pqnet_block *out) {
  pqnet_reader r;
  if (!out) return PQNET_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (!in && len) return PQNET_ERR_INVALID_ARG;
  if (len > PQNET_BLOCK_MAX_LEN) return PQNET_ERR_TOO_LARGE;
  pqnet_reader_init(&r, in, len);
  read_header(&r, &out->hdr);
  uint32_t plen = pqnet_get_u32(&r);
  if (r.err) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_TRUNCATED;
  }
  if (plen > PQNET_BLOCK_PAYLOAD_MAX) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_TOO_LARGE;
  }
  pqnet_get_view(&r, &out->payload, plen);
  int err = pqnet_reader_finish(&r);
  if (!err && out->hdr.version != PQNET_BLOCK_VERSION) err = PQNET_ERR_MALFORMED;
  if (err) {
    memset(out, 0, sizeof *out);
    return err;
  }
  out->payload_len = plen;
  pqnet_sha3_256(out->id, in, PQNET_BLOCK_HEADER_LEN);
  return 0;
}

int pqnet_block_pow_ok(const uint8_t id[32], const uint8_t target[32]) {
  return memcmp(id, target, 32) <= 0; /* big-endian bytes compare as numbers */
}

int pqnet_block_check(const pqnet_block *b, const uint8_t pow_limit[32], const char **why) {
  static const uint8_t zero[32];
  uint8_t h[32];
  const char *w = NULL;
  pqnet_sha3_256(h, b->payload, b->payload_len);
  if (memcmp(h, b->hdr.payload_hash, 32) != 0)
    w = "payload hash mismatch";
  else if (memcmp(b->hdr.target, zero, 32) == 0)
    w = "zero target";
  else if (memcmp(b->hdr.target, pow_limit, 32) > 0)
    w = "target easier than the network's limit";
  else if (!pqnet_block_pow_ok(b->id, b->hdr.target))
    w = "proof of work does not meet the target";
  if (why) *why = w;
  return w ? PQNET_ERR_MALFORMED : 0;
}

/* ---- genesis ------------------------------------------------------------------------- */

#define GENESIS_PREFIX "pqnet genesis "

static int genesis_payload(const char *network, uint8_t *p, size_t *len) {
  size_t n = network ? strlen(network) : 0;
  if (n == 0 || n > PQNET_NETWORK_MAX) return PQNET_ERR_INVALID_ARG;
  memcpy(p, GENESIS_PREFIX, sizeof GENESIS_PREFIX - 1);
  memcpy(p + sizeof GENESIS_PREFIX - 1, network, n);
  *len = sizeof GENESIS_PREFIX - 1 + n;
  return 0;
}

int pqnet_chain_genesis_header(const char *network, pqnet_block_header *h) {
  uint8_t p[sizeof GENESIS_PREFIX + PQNET_NETWORK_MAX];
  size_t len;
  if (!h) return PQNET_ERR_INVALID_ARG;
  memset(h, 0, sizeof *h);
  int err = genesis_payload(network, p, &len);
  if (err) return err;
  h->version = PQNET_BLOCK_VERSION;
  h->timestamp_ms = PQNET_GENESIS_TIMESTAMP_MS;
  memset(h->target, 0xff, 32);
  pqnet_block_set_payload(h, p, len);
  return 0;
}

int pqnet_chain_genesis_block(const char *network, uint8_t *out, size_t cap, size_t *out_len) {
  pqnet_block_header h;
  uint8_t p[sizeof GENESIS_PREFIX + PQNET_NETWORK_MAX];
  size_t len;
  int err = genesis_payload(network, p, &len);
  if (!err) err = pqnet_chain_genesis_header(network, &h);
  if (!err) err = pqnet_block_encode(&h, p, len, out, cap, out_len);
  return err;
}

int pqnet_chain_genesis_id(const char *network, uint8_t out[32]) {
  pqnet_block_header h;
  if (!out) return PQNET_ERR_INVALID_ARG;
  int err = pqnet_chain_genesis_header(network, &h);
  if (err) {
    memset(out, 0, 32);
    return err;
  }
  pqnet_block_header_id(&h, out);
  return 0;
}

char *pqnet_block_id_hex(const uint8_t id[32], char *buf, size_t cap) {
  static const char hx[] = "0123456789abcdef";
  if (!buf || cap == 0) return buf;
  size_t n = 0;
  for (size_t i = 0; i < 32 && n + 2 < cap; i++) {
    buf[n++] = hx[id[i] >> 4];
    buf[n++] = hx[id[i] & 15];
  }
  buf[n] = 0;
  return buf;
}
