/* Gossip message decoders (PROTOCOL.md §11) on arbitrary bytes: what decodes
 * must have exactly the lengths the spec gives. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/gossip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pqnet_gossip_msg m;
  if (pqnet_gossip_msg_decode(data, size, &m) == 0 && m.len + 2 != size) abort();
  pqnet_gossip_announce a;
  if (pqnet_gossip_announce_decode(data, size, &a) == 0 && size != PQNET_GOSSIP_ANNOUNCE_LEN)
    abort();
  const uint8_t *id;
  if (pqnet_gossip_fetch_decode(data, size, &id) == 0 && size != PQNET_GOSSIP_ID_LEN) abort();
  uint8_t out[32];
  pqnet_gossip_id(out, size ? data[0] : 0, data, size);
  return 0;
}
