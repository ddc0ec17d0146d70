/*
 * Encoders and decoders for the handshake messages (PROTOCOL.md §3) and the
 * control messages inside the channel (§6). Decoders take a complete frame
 * body, check every length against the spec before reading, and point into
 * the body instead of copying large fields (the views live as long as the
 * body). They return 0 or PQNET_ERR_MALFORMED; nothing else.
 */
#ifndef PQNET_WIRE_MSG_H
#define PQNET_WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/node.h"

#define PQNET_MAGIC 0x50514e54u /* "PQNT" */

enum pqnet_hs_type {
  PQNET_HS_OFFER = 0x01,
  PQNET_HS_ACCEPTANCE = 0x02,
  PQNET_HS_CONFIRMATION = 0x03,
  PQNET_HS_REJECT = 0x04,
};

enum pqnet_ctl_type {
  PQNET_CTL_PING = 1,
  PQNET_CTL_PONG = 2,
  PQNET_CTL_HELLO = 3,
  PQNET_CTL_REJECT = 4,
  PQNET_CTL_DISCONNECT = 5,
};

#define PQNET_XWING_PK_LEN     1216
#define PQNET_XWING_CT_LEN     1120
#define PQNET_HS_NONCE_LEN     32
#define PQNET_ID_PK_LEN        1952 /* ML-DSA-65 public key */
#define PQNET_ID_SIG_LEN       3309 /* ML-DSA-65 signature */
#define PQNET_AUTH_LEN         (PQNET_ID_PK_LEN + PQNET_ID_SIG_LEN + 2)
#define PQNET_SEALED_AUTH_LEN  (PQNET_AUTH_LEN + 16)
#define PQNET_ACCEPT_CLEAR_LEN (1 + PQNET_XWING_CT_LEN + PQNET_HS_NONCE_LEN)
#define PQNET_ACCEPT_LEN       (PQNET_ACCEPT_CLEAR_LEN + PQNET_SEALED_AUTH_LEN)
#define PQNET_CONFIRM_LEN      (1 + PQNET_SEALED_AUTH_LEN)
#define PQNET_OFFER_MAX_LEN    (1288 + PQNET_CHAIN_ID_MAX)
#define PQNET_REASON_TEXT_MAX  200
#define PQNET_MSG_HEADER       3 /* protocol (2) + type (1) */

typedef struct pqnet_offer {
  uint32_t magic;
  uint16_t version;
  char chain_id[PQNET_CHAIN_ID_MAX + 1];
  uint8_t genesis[32];
  const uint8_t *epk;   /* PQNET_XWING_PK_LEN bytes in the body */
  const uint8_t *nonce; /* PQNET_HS_NONCE_LEN bytes in the body */
} pqnet_offer;

/* Encode an Offer into out (at least PQNET_OFFER_MAX_LEN). Returns the
 * length, or PQNET_ERR_INVALID_ARG for a bad chain id. */
long pqnet_offer_encode(uint8_t *out, size_t cap, const char *chain_id, const uint8_t genesis[32],
                        const uint8_t epk[PQNET_XWING_PK_LEN],
                        const uint8_t nonce[PQNET_HS_NONCE_LEN]);

/* Decode. Magic, version, chain and genesis are returned, not judged (the
 * session compares them so it can name the mismatch); the chain id must be
 * 1..32 printable ASCII bytes or the Offer is MALFORMED. */
int pqnet_offer_decode(const uint8_t *body, size_t len, pqnet_offer *out);

typedef struct pqnet_acceptance {
  const uint8_t *ct;     /* PQNET_XWING_CT_LEN */
  const uint8_t *nonce;  /* PQNET_HS_NONCE_LEN */
  const uint8_t *sealed; /* PQNET_SEALED_AUTH_LEN */
} pqnet_acceptance;

int pqnet_acceptance_decode(const uint8_t *body, size_t len, pqnet_acceptance *out);

typedef struct pqnet_confirmation {
  const uint8_t *sealed; /* PQNET_SEALED_AUTH_LEN */
} pqnet_confirmation;

int pqnet_confirmation_decode(const uint8_t *body, size_t len, pqnet_confirmation *out);

/* auth = pk || sig || port, the plaintext sealed inside Acceptance/Confirmation. */
typedef struct pqnet_auth {
  const uint8_t *pk;  /* PQNET_ID_PK_LEN */
  const uint8_t *sig; /* PQNET_ID_SIG_LEN */
  uint16_t port;
} pqnet_auth;

int pqnet_auth_decode(const uint8_t *pt, size_t len, pqnet_auth *out);

/* Reject (handshake, §3.4) and the control Reject/Disconnect (§6) share the
 * reason + text layout. */
typedef struct pqnet_reason_msg {
  uint16_t reason;
  char text[PQNET_REASON_TEXT_MAX + 1]; /* NUL-terminated copy; non-printable bytes become '?' */
} pqnet_reason_msg;

/* Encode reason (2) || T (1) || text (T, truncated to 200) after `prefix`
 * bytes already in out. Returns the total length or PQNET_ERR_TOO_LARGE. */
long pqnet_reason_encode(uint8_t *out, size_t cap, uint16_t reason, const char *text);
int pqnet_reason_decode(const uint8_t *p, size_t len, pqnet_reason_msg *out);

typedef struct pqnet_hello {
  uint16_t listen_port;
  uint64_t services;
  uint64_t best_height;
  char user_agent[PQNET_USER_AGENT_MAX + 1];
} pqnet_hello;

long pqnet_hello_encode(uint8_t *out, size_t cap, const pqnet_hello *h);
int pqnet_hello_decode(const uint8_t *p, size_t len, pqnet_hello *out);

/* Ping and Pong bodies: one u64 nonce. */
int pqnet_nonce_decode(const uint8_t *p, size_t len, uint64_t *nonce);

/* Channel plaintext: protocol (2) || type (1) || body. */
typedef struct pqnet_msg {
  uint16_t protocol;
  uint8_t type;
  const uint8_t *body;
  size_t len;
} pqnet_msg;

int pqnet_msg_decode(const uint8_t *pt, size_t len, pqnet_msg *out);

#endif
