/*
 * Chain sync message decoders (docs/chain.md §6) on arbitrary bytes: what
 * decodes respects every cap, and encodes back to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/sync_msg.h"

static uint8_t buf[PQNET_SYNC_BLOCKS_MAX];
static pqnet_sync_blocks blocks;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t len;
  pqnet_sync_getblocks gb;
  if (pqnet_sync_getblocks_decode(data, size, &gb) == 0) {
    if (gb.count == 0 || gb.count > PQNET_SYNC_MAX_BLOCKS) abort();
    if (pqnet_sync_getblocks_encode(gb.from, gb.count, buf, sizeof buf, &len) != 0 || len != size ||
        memcmp(buf, data, size) != 0)
      abort();
  }
  if (pqnet_sync_blocks_decode(data, size, &blocks) == 0) {
    if (blocks.n > PQNET_SYNC_MAX_BLOCKS) abort();
    pqnet_sync_blocks_writer bw;
    pqnet_sync_blocks_begin(&bw, buf, sizeof buf, blocks.best_height, blocks.from);
    for (uint16_t i = 0; i < blocks.n; i++) {
      if (blocks.len[i] < PQNET_BLOCK_MIN_LEN || blocks.len[i] > PQNET_BLOCK_MAX_LEN) abort();
      if (blocks.block[i] < data || blocks.block[i] + blocks.len[i] > data + size) abort();
      if (pqnet_sync_blocks_append(&bw, blocks.block[i], blocks.len[i]) != 0) abort();
    }
    len = pqnet_sync_blocks_end(&bw);
    if (len != size || memcmp(buf, data, size) != 0) abort();
  }
  const uint8_t *id;
  if (pqnet_sync_id_decode(data, size, &id) == 0 && (size != 32 || id != data)) abort();
  pqnet_sync_block b;
  if (pqnet_sync_block_decode(data, size, &b) == 0) {
    if (pqnet_sync_block_encode(b.best_height, b.block, b.len, buf, sizeof buf, &len) != 0 ||
        len != size || memcmp(buf, data, size) != 0)
      abort();
  }
  pqnet_sync_locate loc;
  if (pqnet_sync_locate_decode(data, size, &loc) == 0) {
    if (loc.n == 0 || loc.n > PQNET_SYNC_MAX_LOCATOR) abort();
    if (pqnet_sync_locate_encode((const uint8_t(*)[32])loc.ids, loc.n, buf, sizeof buf, &len) !=
            0 ||
        len != size || memcmp(buf, data, size) != 0)
      abort();
  }
  pqnet_sync_located ld;
  if (pqnet_sync_located_decode(data, size, &ld) == 0) {
    if (ld.fork_height > ld.best_height) abort();
    if (pqnet_sync_located_encode(ld.best_height, ld.fork_height, ld.fork_id, buf, sizeof buf,
                                  &len) != 0 ||
        len != size || memcmp(buf, data, size) != 0)
      abort();
  }
  return 0;
}
