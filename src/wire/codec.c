#include "wire/codec.h"

#include <string.h>

#include "pqnet/error.h"

void pqnet_reader_init(pqnet_reader *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = p ? len : 0;
  r->off = 0;
  r->err = 0;
}

/* The next n bytes, or NULL (and the error latched) when fewer are left. */
static const uint8_t *take(pqnet_reader *r, size_t n) {
  if (r->err || n > r->len - r->off) {
    r->err = PQNET_ERR_TRUNCATED;
    return NULL;
  }
  const uint8_t *q = r->p + r->off;
  r->off += n;
  return q;
}

uint8_t pqnet_get_u8(pqnet_reader *r) {
  const uint8_t *q = take(r, 1);
  return q ? q[0] : 0;
}

uint16_t pqnet_get_u16(pqnet_reader *r) {
  const uint8_t *q = take(r, 2);
  return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

uint32_t pqnet_get_u32(pqnet_reader *r) {
  const uint8_t *q = take(r, 4);
  return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3] : 0;
}

uint64_t pqnet_get_u64(pqnet_reader *r) {
  uint64_t hi = pqnet_get_u32(r);
  uint64_t lo = pqnet_get_u32(r);
  return r->err ? 0 : hi << 32 | lo;
}

int pqnet_get_bytes(pqnet_reader *r, uint8_t *out, size_t n) {
  const uint8_t *q = take(r, n);
  if (!q) {
    if (n) memset(out, 0, n);
    return PQNET_ERR_TRUNCATED;
  }
  if (n) memcpy(out, q, n);
  return 0;
}

int pqnet_get_view(pqnet_reader *r, const uint8_t **out, size_t n) {
  *out = take(r, n);
  return *out || n == 0 ? 0 : PQNET_ERR_TRUNCATED;
}

size_t pqnet_reader_left(const pqnet_reader *r) {
  return r->err ? 0 : r->len - r->off;
}

int pqnet_reader_finish(const pqnet_reader *r) {
  if (r->err) return r->err;
  return r->off == r->len ? 0 : PQNET_ERR_MALFORMED;
}

void pqnet_writer_init(pqnet_writer *w, uint8_t *p, size_t cap) {
  w->p = p;
  w->cap = p ? cap : 0;
  w->len = 0;
  w->err = 0;
}

uint8_t *pqnet_put_space(pqnet_writer *w, size_t n) {
  if (w->err || n > w->cap - w->len) {
    w->err = PQNET_ERR_TOO_LARGE;
    return NULL;
  }
  uint8_t *q = w->p + w->len;
  w->len += n;
  return q;
}

void pqnet_put_u8(pqnet_writer *w, uint8_t v) {
  uint8_t *q = pqnet_put_space(w, 1);
  if (q) q[0] = v;
}

void pqnet_put_u16(pqnet_writer *w, uint16_t v) {
  uint8_t *q = pqnet_put_space(w, 2);
  if (q) q[0] = (uint8_t)(v >> 8), q[1] = (uint8_t)v;
}

void pqnet_put_u32(pqnet_writer *w, uint32_t v) {
  uint8_t *q = pqnet_put_space(w, 4);
  if (q)
    q[0] = (uint8_t)(v >> 24), q[1] = (uint8_t)(v >> 16), q[2] = (uint8_t)(v >> 8),
    q[3] = (uint8_t)v;
}

void pqnet_put_u64(pqnet_writer *w, uint64_t v) {
  pqnet_put_u32(w, (uint32_t)(v >> 32));
  pqnet_put_u32(w, (uint32_t)v);
}

void pqnet_put_bytes(pqnet_writer *w, const uint8_t *src, size_t n) {
  uint8_t *q = pqnet_put_space(w, n);
  if (q && n) memcpy(q, src, n);
}
