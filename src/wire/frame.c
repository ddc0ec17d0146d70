#include "wire/frame.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "pqnet/error.h"

void pqnet_framer_init(pqnet_framer *f, size_t cap) {
  memset(f, 0, sizeof *f);
  f->cap = cap > PQNET_FRAME_ABSOLUTE_MAX ? PQNET_FRAME_ABSOLUTE_MAX : cap;
}

void pqnet_framer_free(pqnet_framer *f) {
  if (f->body) pqnet_wipe(f->body, f->body_alloc);
  free(f->body);
  memset(f, 0, sizeof *f);
}

void pqnet_framer_set_cap(pqnet_framer *f, size_t cap) {
  f->cap = cap > PQNET_FRAME_ABSOLUTE_MAX ? PQNET_FRAME_ABSOLUTE_MAX : cap;
}

void pqnet_framer_release(pqnet_framer *f) {
  if (f->hdr_have != 0 || f->body_have != 0 || !f->body) return;
  pqnet_wipe(f->body, f->body_alloc);
  free(f->body);
  f->body = NULL;
  f->body_alloc = 0;
}

size_t pqnet_framer_buffered(const pqnet_framer *f) {
  return f->hdr_have + f->body_have;
}

long pqnet_framer_feed(pqnet_framer *f, const uint8_t *data, size_t len, uint8_t **frame,
                       size_t *frame_len, const uint8_t **hdr) {
  size_t used = 0;
  *frame = NULL;
  *frame_len = 0;
  if (hdr) *hdr = NULL;
  if (f->err) return f->err;

  if (f->hdr_have < PQNET_FRAME_HEADER) {
    size_t n = PQNET_FRAME_HEADER - f->hdr_have;
    if (n > len) n = len;
    memcpy(f->hdr + f->hdr_have, data, n);
    f->hdr_have += n;
    used += n;
    if (f->hdr_have < PQNET_FRAME_HEADER) return (long)used;
    f->body_len = pqnet_load32_be(f->hdr);
    f->body_have = 0;
    if (f->body_len > f->cap) return f->err = PQNET_ERR_TOO_LARGE;
    if (f->body_len > f->body_alloc) {
      uint8_t *nb = malloc(f->body_len);
      if (!nb) return f->err = PQNET_ERR_NOMEM;
      if (f->body) pqnet_wipe(f->body, f->body_alloc);
      free(f->body);
      f->body = nb;
      f->body_alloc = f->body_len;
    }
  }

  size_t n = f->body_len - f->body_have;
  if (n > len - used) n = len - used;
  if (n) memcpy(f->body + f->body_have, data + used, n);
  f->body_have += n;
  used += n;
  if (f->body_have == f->body_len) {
    *frame = f->body ? f->body : f->hdr; /* any non-NULL pointer for an empty body */
    *frame_len = f->body_len;
    if (hdr) *hdr = f->hdr;
    f->hdr_have = 0; /* the header bytes stay readable until the next call */
    f->body_have = 0;
  }
  return (long)used;
}
