/* Chain sync message codecs (docs/chain.md §6). */
#include "chain/sync_msg.h"

#include <string.h>

#include "pqnet/error.h"

const char *pqnet_sync_type_name(int type) {
  switch (type) {
  case PQNET_SYNC_GETBLOCKS: return "GetBlocks";
  case PQNET_SYNC_BLOCKS: return "Blocks";
  case PQNET_SYNC_GETBLOCK: return "GetBlock";
  case PQNET_SYNC_BLOCK: return "Block";
  case PQNET_SYNC_NOTFOUND: return "NotFound";
  case PQNET_SYNC_LOCATE: return "Locate";
  case PQNET_SYNC_LOCATED: return "Located";
  }
  return "unknown";
}

static int finish(const pqnet_reader *r) {
  return pqnet_reader_finish(r) == 0 ? 0 : PQNET_ERR_MALFORMED;
}

int pqnet_sync_getblocks_decode(const uint8_t *body, size_t len, pqnet_sync_getblocks *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  if (len != PQNET_SYNC_GETBLOCKS_LEN) return PQNET_ERR_MALFORMED;
  pqnet_reader_init(&r, body, len);
  out->from = pqnet_get_u64(&r);
  out->count = pqnet_get_u16(&r);
  if (finish(&r) || out->count == 0 || out->count > PQNET_SYNC_MAX_BLOCKS) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_MALFORMED;
  }
  return 0;
}

int pqnet_sync_blocks_decode(const uint8_t *body, size_t len, pqnet_sync_blocks *out) {
  pqnet_reader r;
  out->n = 0;
  if (len < PQNET_SYNC_BLOCKS_HDR || len > PQNET_SYNC_BLOCKS_MAX) return PQNET_ERR_MALFORMED;
  pqnet_reader_init(&r, body, len);
  out->best_height = pqnet_get_u64(&r);
  out->from = pqnet_get_u64(&r);
  uint16_t n = pqnet_get_u16(&r);
  if (r.err || n > PQNET_SYNC_MAX_BLOCKS) return PQNET_ERR_MALFORMED;
  for (uint16_t i = 0; i < n; i++) {
    uint32_t bl = pqnet_get_u32(&r);
    if (r.err || bl < PQNET_BLOCK_MIN_LEN || bl > PQNET_BLOCK_MAX_LEN) return PQNET_ERR_MALFORMED;
    if (pqnet_get_view(&r, &out->block[i], bl) != 0) return PQNET_ERR_MALFORMED;
    out->len[i] = bl;
  }
  if (finish(&r)) return PQNET_ERR_MALFORMED;
  /* Heights must not wrap: from + n - 1 fits. */
  if (n && out->from > UINT64_MAX - n) return PQNET_ERR_MALFORMED;
  out->n = n;
  return 0;
}

int pqnet_sync_id_decode(const uint8_t *body, size_t len, const uint8_t **id) {
  *id = NULL;
  if (len != PQNET_SYNC_ID_LEN || !body) return PQNET_ERR_MALFORMED;
  *id = body;
  return 0;
}

int pqnet_sync_block_decode(const uint8_t *body, size_t len, pqnet_sync_block *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  if (len < 8 + PQNET_BLOCK_MIN_LEN || len > 8 + PQNET_BLOCK_MAX_LEN) return PQNET_ERR_MALFORMED;
  pqnet_reader_init(&r, body, len);
  out->best_height = pqnet_get_u64(&r);
  out->len = len - 8;
  if (pqnet_get_view(&r, &out->block, out->len) != 0 || finish(&r)) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_MALFORMED;
  }
  return 0;
}

int pqnet_sync_locate_decode(const uint8_t *body, size_t len, pqnet_sync_locate *out) {
  memset(out, 0, sizeof *out);
  if (len < 1 || !body) return PQNET_ERR_MALFORMED;
  uint8_t n = body[0];
  if (n == 0 || n > PQNET_SYNC_MAX_LOCATOR || len != 1 + (size_t)n * 32) return PQNET_ERR_MALFORMED;
  out->n = n;
  out->ids = body + 1;
  return 0;
}

int pqnet_sync_located_decode(const uint8_t *body, size_t len, pqnet_sync_located *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  if (len != PQNET_SYNC_LOCATED_LEN) return PQNET_ERR_MALFORMED;
  pqnet_reader_init(&r, body, len);
  out->best_height = pqnet_get_u64(&r);
  out->fork_height = pqnet_get_u64(&r);
  pqnet_get_view(&r, &out->fork_id, 32);
  if (finish(&r) || out->fork_height > out->best_height) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_MALFORMED;
  }
  return 0;
}

/* ---- encoders ---- */

static int done(const pqnet_writer *w, size_t *out_len) {
  *out_len = w->err ? 0 : w->len;
  return w->err ? PQNET_ERR_TOO_LARGE : 0;
}

int pqnet_sync_getblocks_encode(uint64_t from, uint16_t count, uint8_t *out, size_t cap,
                                size_t *out_len) {
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u64(&w, from);
  pqnet_put_u16(&w, count);
  return done(&w, out_len);
}

void pqnet_sync_blocks_begin(pqnet_sync_blocks_writer *bw, uint8_t *out, size_t cap,
                             uint64_t best_height, uint64_t from) {
  pqnet_writer_init(&bw->w, out, cap);
  bw->n = 0;
  pqnet_put_u64(&bw->w, best_height);
  pqnet_put_u64(&bw->w, from);
  pqnet_put_u16(&bw->w, 0);
}

int pqnet_sync_blocks_append(pqnet_sync_blocks_writer *bw, const uint8_t *block, size_t len) {
  if (bw->w.err || bw->n >= PQNET_SYNC_MAX_BLOCKS || len < PQNET_BLOCK_MIN_LEN ||
      len > PQNET_BLOCK_MAX_LEN || 4 + len > bw->w.cap - bw->w.len)
    return PQNET_ERR_TOO_LARGE;
  pqnet_put_u32(&bw->w, (uint32_t)len);
  pqnet_put_bytes(&bw->w, block, len);
  bw->n++;
  return 0;
}

size_t pqnet_sync_blocks_end(pqnet_sync_blocks_writer *bw) {
  if (bw->w.err || bw->w.len < PQNET_SYNC_BLOCKS_HDR) return 0;
  bw->w.p[16] = (uint8_t)(bw->n >> 8);
  bw->w.p[17] = (uint8_t)bw->n;
  return bw->w.len;
}

int pqnet_sync_block_encode(uint64_t best_height, const uint8_t *block, size_t len, uint8_t *out,
                            size_t cap, size_t *out_len) {
  pqnet_writer w;
  if (len < PQNET_BLOCK_MIN_LEN || len > PQNET_BLOCK_MAX_LEN) {
    *out_len = 0;
    return PQNET_ERR_TOO_LARGE;
  }
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u64(&w, best_height);
  pqnet_put_bytes(&w, block, len);
  return done(&w, out_len);
}

int pqnet_sync_locate_encode(const uint8_t (*ids)[32], size_t n, uint8_t *out, size_t cap,
                             size_t *out_len) {
  pqnet_writer w;
  if (n == 0 || n > PQNET_SYNC_MAX_LOCATOR) {
    *out_len = 0;
    return PQNET_ERR_TOO_LARGE;
  }
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u8(&w, (uint8_t)n);
  for (size_t i = 0; i < n; i++) pqnet_put_bytes(&w, ids[i], 32);
  return done(&w, out_len);
}

int pqnet_sync_located_encode(uint64_t best_height, uint64_t fork_height, const uint8_t id[32],
                              uint8_t *out, size_t cap, size_t *out_len) {
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u64(&w, best_height);
  pqnet_put_u64(&w, fork_height);
  pqnet_put_bytes(&w, id, 32);
  return done(&w, out_len);
}
