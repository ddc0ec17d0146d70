/*
 * Gossip protocol messages (protocol 2, PROTOCOL.md §11). Decoders check
 * every length and return 0 or PQNET_ERR_MALFORMED; views point into body.
 */
#ifndef PQNET_WIRE_GOSSIP_MSG_H
#define PQNET_WIRE_GOSSIP_MSG_H

#include <stddef.h>
#include <stdint.h>

enum pqnet_gossip_type {
  PQNET_GOSSIP_MSG = 1,      /* topic (2) || payload: a full message */
  PQNET_GOSSIP_ANNOUNCE = 2, /* topic (2) || id (32) || size (4) */
  PQNET_GOSSIP_FETCH = 3,    /* id (32) */
};

#define PQNET_GOSSIP_ID_LEN       32
#define PQNET_GOSSIP_ANNOUNCE_LEN (2 + PQNET_GOSSIP_ID_LEN + 4)

typedef struct pqnet_gossip_msg {
  uint16_t topic;
  const uint8_t *payload;
  size_t len;
} pqnet_gossip_msg;

typedef struct pqnet_gossip_announce {
  uint16_t topic;
  const uint8_t *id;
  uint32_t size;
} pqnet_gossip_announce;

int pqnet_gossip_msg_decode(const uint8_t *body, size_t len, pqnet_gossip_msg *out);
int pqnet_gossip_announce_decode(const uint8_t *body, size_t len, pqnet_gossip_announce *out);
int pqnet_gossip_fetch_decode(const uint8_t *body, size_t len, const uint8_t **id);

/* The message id: SHA3-256(topic as 2 big-endian bytes || payload). */
void pqnet_gossip_id(uint8_t id[PQNET_GOSSIP_ID_LEN], uint16_t topic, const uint8_t *payload,
                     size_t len);

#endif
