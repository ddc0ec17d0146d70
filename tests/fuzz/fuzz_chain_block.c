/*
 * Chain block codec on arbitrary bytes (docs/chain.md §2): what decodes has
 * exactly the length its payload field says, encodes back to the same
 * bytes, and has the id the miner's fast path computes; the header codec
 * round-trips too. Then the bytes go to a fresh chain (proof-of-work limit
 * 2^256 - 1, so a decoding block reaches the contextual rules): whatever it
 * says must leave a consistent chain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/block.h"
#include "chain/chain.h"
#include "chain/miner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pqnet_block b;
  uint8_t out[PQNET_BLOCK_MAX_LEN], id[32];
  size_t len;
  if (pqnet_block_decode(data, size, &b) == 0) {
    if (size != PQNET_BLOCK_MIN_LEN + b.payload_len || b.payload_len > PQNET_BLOCK_PAYLOAD_MAX)
      abort();
    if (pqnet_block_encode(&b.hdr, b.payload, b.payload_len, out, sizeof out, &len) != 0 ||
        len != size || memcmp(out, data, size) != 0)
      abort();
    pqnet_miner_hash(&b.hdr, id);
    if (memcmp(id, b.id, 32) != 0) abort();
    uint8_t limit[32];
    memset(limit, 0xff, 32);
    (void)pqnet_block_check(&b, limit, NULL);
  }
  pqnet_block_header h;
  if (pqnet_block_header_decode(data, size, &h) == 0) {
    if (size != PQNET_BLOCK_HEADER_LEN) abort();
    pqnet_block_header_encode(&h, out);
    if (memcmp(out, data, size) != 0) abort();
  }

  pqnet_chain_config cfg;
  pqnet_chain *c;
  pqnet_chain_config_default(&cfg, "devnet");
  memset(cfg.pow_limit, 0xff, 32);
  if (pqnet_chain_open(&cfg, 1800000000000ull, &c) != 0) abort();
  pqnet_chain_result res;
  if (pqnet_chain_add(c, data, size, 1800000000000ull, &res) != 0) abort();
  if (res.status == PQNET_CHAIN_CONNECTED) {
    if (pqnet_chain_height(c) != 1 || pqnet_chain_block_count(c) != 2 || res.height != 1) abort();
  } else if (res.status == PQNET_CHAIN_ORPHAN) {
    if (pqnet_chain_orphan_count(c) != 1 || pqnet_chain_have(c, res.id) != 2) abort();
  } else if (pqnet_chain_block_count(c) != 1 || pqnet_chain_orphan_count(c) != 0) {
    abort();
  }
  pqnet_chain_close(c);
  return 0;
}
