/*
 * One connection's protocol state: the three-message handshake
 * (PROTOCOL.md §3-4) and then the secure channel (§5).
 *
 * Sans-IO: bytes in through pqnet_session_recv, bytes out collected in an
 * output buffer the owner takes with pqnet_session_take_output. No clock (the
 * node runs the timers), randomness only from params.rng.
 *
 * States and what moves them (one dispatch function, session.c):
 *
 *   I_WAIT_ACCEPT  --Acceptance ok-->  OPEN     (Confirmation sent)
 *   R_WAIT_OFFER   --Offer ok------->  R_WAIT_CONFIRM (Acceptance sent)
 *   R_WAIT_CONFIRM --Confirmation ok-> OPEN
 *   any            --violation, Reject, Disconnect, close()--> CLOSED
 */
#ifndef PQNET_SESSION_SESSION_H
#define PQNET_SESSION_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "pqnet/node.h"
#include "wire/frame.h"
#include "wire/msg.h"

typedef enum pqnet_sess_state {
  PQNET_SESS_I_WAIT_ACCEPT,
  PQNET_SESS_R_WAIT_OFFER,
  PQNET_SESS_R_WAIT_CONFIRM,
  PQNET_SESS_OPEN,
  PQNET_SESS_CLOSED,
} pqnet_sess_state;

const char *pqnet_sess_state_name(pqnet_sess_state st);

typedef enum pqnet_sev_type {
  PQNET_SEV_NONE,    /* need more bytes */
  PQNET_SEV_OPEN,    /* handshake done: peer_id, peer_port valid */
  PQNET_SEV_MESSAGE, /* msg valid until the next call */
  PQNET_SEV_CLOSED,  /* reason, text; the session sent what it had to */
} pqnet_sev_type;

typedef struct pqnet_sess_event {
  pqnet_sev_type type;
  pqnet_msg msg;
  int reason;
  const char *text;
  int remote; /* CLOSED: 1 when the peer sent the Reject/Disconnect */
} pqnet_sess_event;

/* Decides whether a freshly authenticated PeerId may open a session: returns
 * 0, or a reason (PQNET_REASON_SELF, PQNET_REASON_DUPLICATE, ...). */
typedef int (*pqnet_admit_fn)(void *ctx, const uint8_t peer_id[PQNET_PEER_ID_LEN]);

typedef struct pqnet_session_params {
  int initiator;
  const char *chain_id;   /* borrowed, outlives the session */
  const uint8_t *genesis; /* 32 bytes, borrowed */
  uint16_t listen_port;
  const pqnet_identity *id; /* borrowed */
  const pqnet_rng *rng;     /* borrowed */
  uint32_t max_frame;
  uint64_t rekey_frames, rekey_bytes;
  pqnet_admit_fn admit;
  void *admit_ctx;
} pqnet_session_params;

typedef struct pqnet_dir_key {
  pqnet_aead_ctx aead;
  uint8_t key[32];
  uint64_t counter, bytes;
} pqnet_dir_key;

typedef struct pqnet_session {
  pqnet_session_params p;
  pqnet_sess_state state;
  pqnet_framer framer;
  uint8_t *out; /* pending output, owned */
  size_t out_len, out_cap;

  /* handshake */
  uint8_t esk[32]; /* initiator's ephemeral X-Wing secret */
  uint8_t ss[32];  /* X-Wing shared secret */
  uint8_t h[32];   /* running transcript hash (§4) */
  uint8_t k_hs_i[32];
  uint8_t offer_hash[32];

  /* channel */
  pqnet_dir_key tx, rx;

  uint8_t peer_id[PQNET_PEER_ID_LEN];
  uint16_t peer_port;
  uint8_t session_id[32];
  int close_reason;
  char close_text[256];
  uint64_t rekeys;
} pqnet_session;

/* Set up s (caller-owned storage). The initiator's Offer is queued at once.
 * Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_NOMEM, PQNET_ERR_RNG,
 * PQNET_ERR_CRYPTO. On failure s needs no free. */
int pqnet_session_init(pqnet_session *s, const pqnet_session_params *p);

/* Wipe every key and free the buffers. */
void pqnet_session_free(pqnet_session *s);

/*
 * Consume bytes, at most one frame's worth; returns how many were consumed
 * (call again with the rest) and reports what happened in *ev. After CLOSED
 * every byte is consumed and ignored. Never fails: violations become a
 * CLOSED event.
 */
size_t pqnet_session_recv(pqnet_session *s, const uint8_t *data, size_t len, pqnet_sess_event *ev);

/* Encrypt and queue a message (OPEN only). Returns 0, PQNET_ERR_STATE,
 * PQNET_ERR_TOO_LARGE (over max_frame), PQNET_ERR_NOMEM, PQNET_ERR_CRYPTO. */
int pqnet_session_send(pqnet_session *s, uint16_t protocol, uint8_t type, const uint8_t *body,
                       size_t len);

/* Close: queue a Reject (handshake) or Disconnect (open) with reason and
 * text, unless reason is PQNET_REASON_AUTH after the handshake or
 * PQNET_REASON_CLOSED. Wipes the keys. Idempotent. */
void pqnet_session_close(pqnet_session *s, int reason, const char *text);

/* Take the pending output: returns a malloc'd buffer (the caller frees it)
 * and its length, or NULL when nothing is pending. */
uint8_t *pqnet_session_take_output(pqnet_session *s, size_t *len);

/* Bytes waiting in the output buffer. */
size_t pqnet_session_pending(const pqnet_session *s);

#endif
