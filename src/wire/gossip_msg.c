#include "wire/gossip_msg.h"

#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "wire/codec.h"

int pqnet_gossip_msg_decode(const uint8_t *body, size_t len, pqnet_gossip_msg *out) {
  pqnet_reader r;
  pqnet_reader_init(&r, body, len);
  out->topic = pqnet_get_u16(&r);
  if (r.err) return PQNET_ERR_MALFORMED;
  out->len = pqnet_reader_left(&r);
  pqnet_get_view(&r, &out->payload, out->len);
  return 0;
}

int pqnet_gossip_announce_decode(const uint8_t *body, size_t len, pqnet_gossip_announce *out) {
  pqnet_reader r;
  pqnet_reader_init(&r, body, len);
  out->topic = pqnet_get_u16(&r);
  pqnet_get_view(&r, &out->id, PQNET_GOSSIP_ID_LEN);
  out->size = pqnet_get_u32(&r);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

int pqnet_gossip_fetch_decode(const uint8_t *body, size_t len, const uint8_t **id) {
  pqnet_reader r;
  pqnet_reader_init(&r, body, len);
  pqnet_get_view(&r, id, PQNET_GOSSIP_ID_LEN);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

void pqnet_gossip_id(uint8_t id[PQNET_GOSSIP_ID_LEN], uint16_t topic, const uint8_t *payload,
                     size_t len) {
  uint8_t t[2] = {(uint8_t)(topic >> 8), (uint8_t)topic};
  pqnet_keccak k;
  pqnet_sha3_256_init(&k);
  pqnet_keccak_absorb(&k, t, 2);
  pqnet_keccak_absorb(&k, payload, len);
  pqnet_keccak_squeeze(&k, id, PQNET_GOSSIP_ID_LEN);
}
