/*
 * Handshake and secure channel, following docs/PROTOCOL.md §3-§5 step by
 * step. Each received frame goes through session_dispatch(), which switches
 * on the state and then on the message type; every (state, message) pair is
 * decided there. Violations go through session_fail(), the one place that
 * writes the Reject/Disconnect, wipes secrets and enters CLOSED.
 */
#include "session/session.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "crypto/hkdf.h"
#include "crypto/mldsa.h"
#include "crypto/xwing.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "session/identity.h"
#include "wire/codec.h"

#define LABEL_OFFER "pqnet/1 offer"
#define LABEL_HS_R  "pqnet/1 hs responder"
#define LABEL_HS_I  "pqnet/1 hs initiator"
#define LABEL_SIG_R "pqnet/1 responder"
#define LABEL_SIG_I "pqnet/1 initiator"
#define LABEL_I2R   "pqnet/1 key i2r"
#define LABEL_R2I   "pqnet/1 key r2i"
#define LABEL_SID   "pqnet/1 session id"
#define LABEL_REKEY "pqnet/1 rekey"

static const uint8_t zero_nonce[PQNET_AEAD_NONCE_LEN];

const char *pqnet_sess_state_name(pqnet_sess_state st) {
  switch (st) {
  case PQNET_SESS_I_WAIT_ACCEPT: return "i-wait-acceptance";
  case PQNET_SESS_R_WAIT_OFFER: return "r-wait-offer";
  case PQNET_SESS_R_WAIT_CONFIRM: return "r-wait-confirmation";
  case PQNET_SESS_OPEN: return "open";
  case PQNET_SESS_CLOSED: return "closed";
  }
  return "?";
}

/* ---- small helpers -------------------------------------------------------- */

/* h = SHA-256(h_in || a || b); h_in may be NULL (then it is skipped). */
static int th_hash(uint8_t h[32], const uint8_t *h_in, const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
           (!h_in || EVP_DigestUpdate(c, h_in, 32) == 1) &&
           (!alen || EVP_DigestUpdate(c, a, alen) == 1) &&
           (!blen || EVP_DigestUpdate(c, b, blen) == 1) && EVP_DigestFinal_ex(c, h, &n) == 1;
  EVP_MD_CTX_free(c);
  return ok && n == 32 ? 0 : PQNET_ERR_CRYPTO;
}

static int expand(uint8_t out[32], const uint8_t prk[32], const char *label) {
  return pqnet_hkdf_expand(out, 32, prk, (const uint8_t *)label, strlen(label));
}

/* Make room for n more bytes of output; returns a pointer to them or NULL. */
static uint8_t *out_reserve(pqnet_session *s, size_t n) {
  if (n > SIZE_MAX / 2 - s->out_len) return NULL;
  if (s->out_len + n > s->out_cap) {
    /* A fresh buffer gets the size asked for (a 64 KiB message is one
     * allocation, not seven doublings); a growing one doubles. */
    size_t cap = s->out_cap ? s->out_cap : (n > 1024 ? n : 1024);
    while (cap < s->out_len + n) cap *= 2;
    uint8_t *p = realloc(s->out, cap);
    if (!p) return NULL;
    s->out = p;
    s->out_cap = cap;
  }
  uint8_t *q = s->out + s->out_len;
  s->out_len += n;
  return q;
}

/* Queue a clear frame: 4-byte length then body. */
static int put_clear_frame(pqnet_session *s, const uint8_t *body, size_t len) {
  uint8_t *q = out_reserve(s, PQNET_FRAME_HEADER + len);
  if (!q) return PQNET_ERR_NOMEM;
  pqnet_store32_be(q, (uint32_t)len);
  memcpy(q + PQNET_FRAME_HEADER, body, len);
  return 0;
}

static void wipe_handshake(pqnet_session *s) {
  pqnet_wipe(s->esk, sizeof s->esk);
  pqnet_wipe(s->ss, sizeof s->ss);
  pqnet_wipe(s->k_hs_i, sizeof s->k_hs_i);
}

static void wipe_channel(pqnet_session *s) {
  pqnet_aead_ctx_free(&s->tx.aead);
  pqnet_aead_ctx_free(&s->rx.aead);
  pqnet_wipe(&s->tx, sizeof s->tx);
  pqnet_wipe(&s->rx, sizeof s->rx);
}

static void set_close(pqnet_session *s, int reason, const char *fmt, ...) {
  va_list ap;
  s->close_reason = reason;
  va_start(ap, fmt);
  vsnprintf(s->close_text, sizeof s->close_text, fmt, ap);
  va_end(ap);
}

/* Queue the Reject (handshake) or Disconnect (open) that PROTOCOL.md §9 asks
 * for, wipe secrets and enter CLOSED. */
static void send_close(pqnet_session *s, int reason, const char *wire_text) {
  uint8_t body[1 + 3 + PQNET_REASON_TEXT_MAX];
  if (s->state == PQNET_SESS_CLOSED) return;
  if (reason != PQNET_REASON_CLOSED && reason != PQNET_REASON_APP) {
    if (s->state == PQNET_SESS_OPEN) {
      if (reason != PQNET_REASON_AUTH) {
        long n = pqnet_reason_encode(body, sizeof body, (uint16_t)reason, wire_text);
        if (n > 0)
          pqnet_session_send(s, PQNET_PROTO_CONTROL, PQNET_CTL_DISCONNECT, body, (size_t)n);
      }
    } else {
      body[0] = PQNET_HS_REJECT;
      long n = pqnet_reason_encode(body + 1, sizeof body - 1, (uint16_t)reason, wire_text);
      if (n > 0) put_clear_frame(s, body, (size_t)n + 1);
    }
  } else if (s->state == PQNET_SESS_OPEN && reason == PQNET_REASON_APP) {
    long n = pqnet_reason_encode(body, sizeof body, PQNET_REASON_NONE, wire_text);
    if (n > 0) pqnet_session_send(s, PQNET_PROTO_CONTROL, PQNET_CTL_DISCONNECT, body, (size_t)n);
  }
  wipe_handshake(s);
  wipe_channel(s);
  s->state = PQNET_SESS_CLOSED;
}

/* A violation by the peer: send what §9 says, report CLOSED. */
static void session_fail(pqnet_session *s, pqnet_sess_event *ev, int reason, const char *wire_text,
                         const char *fmt, ...) {
  va_list ap;
  s->close_reason = reason;
  va_start(ap, fmt);
  vsnprintf(s->close_text, sizeof s->close_text, fmt, ap);
  va_end(ap);
  send_close(s, reason, wire_text ? wire_text : s->close_text);
  ev->type = PQNET_SEV_CLOSED;
  ev->reason = reason;
  ev->text = s->close_text;
  ev->remote = 0;
}

static int dir_key_init(pqnet_dir_key *d, const uint8_t key[32]) {
  memcpy(d->key, key, 32);
  d->counter = 0;
  d->bytes = 0;
  return pqnet_aead_ctx_init(&d->aead, key);
}

/* §5 rekey: after the frame just processed, switch keys if a limit is hit. */
static int dir_key_advance(pqnet_session *s, pqnet_dir_key *d, size_t frame_len) {
  d->counter++;
  d->bytes += frame_len;
  if (d->counter < s->p.rekey_frames && d->bytes < s->p.rekey_bytes) return 0;
  uint8_t next[32];
  int rc = expand(next, d->key, LABEL_REKEY);
  if (rc == 0) rc = pqnet_aead_ctx_rekey(&d->aead, next);
  if (rc == 0) {
    memcpy(d->key, next, 32);
    d->counter = 0;
    d->bytes = 0;
    s->rekeys++;
  }
  pqnet_wipe(next, sizeof next);
  return rc;
}

/* Derive the channel keys from h5 (§4) and open the channel. */
static int derive_channel(pqnet_session *s, const uint8_t h5[32]) {
  uint8_t prk[32], k_i2r[32], k_r2i[32];
  int rc = pqnet_hkdf_extract(prk, h5, 32, s->ss, 32);
  if (!rc) rc = expand(k_i2r, prk, LABEL_I2R);
  if (!rc) rc = expand(k_r2i, prk, LABEL_R2I);
  if (!rc) rc = expand(s->session_id, prk, LABEL_SID);
  if (!rc) rc = dir_key_init(&s->tx, s->p.initiator ? k_i2r : k_r2i);
  if (!rc) rc = dir_key_init(&s->rx, s->p.initiator ? k_r2i : k_i2r);
  pqnet_wipe(prk, sizeof prk);
  pqnet_wipe(k_i2r, sizeof k_i2r);
  pqnet_wipe(k_r2i, sizeof k_r2i);
  return rc;
}

/* prk_hs, k_hs_r and k_hs_i from h1 and ss (§4). */
static int derive_handshake(pqnet_session *s, uint8_t k_hs_r[32]) {
  uint8_t prk[32];
  int rc = pqnet_hkdf_extract(prk, s->h, 32, s->ss, 32);
  if (!rc) rc = expand(k_hs_r, prk, LABEL_HS_R);
  if (!rc) rc = expand(s->k_hs_i, prk, LABEL_HS_I);
  pqnet_wipe(prk, sizeof prk);
  return rc;
}

/* Build auth = pk || sig || port, signing H(h || pk || port) with label;
 * leaves h = H(H(h || pk || port) || sig). */
static int make_auth(pqnet_session *s, uint8_t auth[PQNET_AUTH_LEN], const char *label) {
  const pqnet_identity *id = s->p.id;
  uint8_t port[2] = {(uint8_t)(s->p.listen_port >> 8), (uint8_t)s->p.listen_port};
  memcpy(auth, id->pk, PQNET_ID_PK_LEN);
  memcpy(auth + PQNET_ID_PK_LEN + PQNET_ID_SIG_LEN, port, 2);
  int rc = th_hash(s->h, s->h, id->pk, PQNET_ID_PK_LEN, port, 2);
  if (!rc) rc = pqnet_identity_sign(id, auth + PQNET_ID_PK_LEN, s->h, 32, label, s->p.rng);
  if (!rc) rc = th_hash(s->h, s->h, auth + PQNET_ID_PK_LEN, PQNET_ID_SIG_LEN, NULL, 0);
  return rc;
}

/* Verify a received auth against label, the mirror of make_auth. Returns 0
 * or PQNET_ERR_AUTH / PQNET_ERR_CRYPTO; fills peer_id and peer_port. */
static int check_auth(pqnet_session *s, const pqnet_auth *a, const char *label) {
  uint8_t port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};
  int rc = th_hash(s->h, s->h, a->pk, PQNET_ID_PK_LEN, port, 2);
  if (rc) return rc;
  if (pqnet_mldsa65_verify(a->pk, s->h, 32, a->sig, PQNET_ID_SIG_LEN, (const uint8_t *)label,
                           strlen(label)) != 0)
    return PQNET_ERR_AUTH;
  pqnet_peer_id_of(s->peer_id, a->pk);
  s->peer_port = a->port;
  return th_hash(s->h, s->h, a->sig, PQNET_ID_SIG_LEN, NULL, 0);
}

/* ---- init ------------------------------------------------------------------ */

int pqnet_session_init(pqnet_session *s, const pqnet_session_params *p) {
  memset(s, 0, sizeof *s);
  if (!p || !p->id || !p->rng || !p->chain_id || !p->genesis) return PQNET_ERR_INVALID_ARG;
  s->p = *p;
  if (!s->p.rekey_frames) s->p.rekey_frames = (uint64_t)1 << 20;
  if (!s->p.rekey_bytes) s->p.rekey_bytes = (uint64_t)1 << 30;
  if (!s->p.max_frame) s->p.max_frame = PQNET_FRAME_DEFAULT_MAX;
  pqnet_framer_init(&s->framer, PQNET_FRAME_HANDSHAKE_MAX);
  if (!p->initiator) {
    s->state = PQNET_SESS_R_WAIT_OFFER;
    return 0;
  }

  /* Offer (§3.1): fresh ephemeral X-Wing key and nonce. */
  uint8_t epk[PQNET_XWING_PK_LEN], nonce[PQNET_HS_NONCE_LEN], body[PQNET_OFFER_MAX_LEN];
  int rc = pqnet_xwing_keygen(epk, s->esk, p->rng);
  if (!rc) rc = pqnet_rng_fill(p->rng, nonce, sizeof nonce);
  long n = rc ? rc : pqnet_offer_encode(body, sizeof body, p->chain_id, p->genesis, epk, nonce);
  if (n < 0) {
    rc = (int)n;
  } else {
    rc = th_hash(s->h, NULL, (const uint8_t *)LABEL_OFFER, strlen(LABEL_OFFER), body, (size_t)n);
    if (!rc) rc = put_clear_frame(s, body, (size_t)n);
  }
  if (rc) {
    pqnet_session_free(s);
    return rc;
  }
  s->state = PQNET_SESS_I_WAIT_ACCEPT;
  return 0;
}

void pqnet_session_free(pqnet_session *s) {
  wipe_handshake(s);
  wipe_channel(s);
  pqnet_framer_free(&s->framer);
  free(s->out);
  s->out = NULL;
  s->out_len = s->out_cap = 0;
  s->state = PQNET_SESS_CLOSED;
}

/* ---- responder: Offer -> Acceptance ---------------------------------------- */

static void on_offer(pqnet_session *s, const uint8_t *body, size_t len, pqnet_sess_event *ev) {
  pqnet_offer o;
  char hex[65];
  if (pqnet_offer_decode(body, len, &o) != 0) {
    session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "malformed Offer (%zu bytes)", len);
    return;
  }
  /* Cheap checks first, before any public-key operation (§3.1). */
  if (o.magic != PQNET_MAGIC) {
    session_fail(s, ev, PQNET_REASON_BAD_MAGIC, "bad magic", "bad magic 0x%08x", o.magic);
    return;
  }
  if (o.version != PQNET_PROTOCOL_VERSION) {
    char ours[8];
    snprintf(ours, sizeof ours, "%d", PQNET_PROTOCOL_VERSION);
    session_fail(s, ev, PQNET_REASON_VERSION, ours, "peer speaks protocol version %u, we speak %d",
                 o.version, PQNET_PROTOCOL_VERSION);
    return;
  }
  if (strcmp(o.chain_id, s->p.chain_id) != 0) {
    session_fail(s, ev, PQNET_REASON_CHAIN, s->p.chain_id, "peer is on chain %s, we are on %s",
                 o.chain_id, s->p.chain_id);
    return;
  }
  if (memcmp(o.genesis, s->p.genesis, 32) != 0) {
    char theirs[65];
    pqnet_peer_id_hex(s->p.genesis, hex, sizeof hex);
    pqnet_peer_id_hex(o.genesis, theirs, sizeof theirs);
    session_fail(s, ev, PQNET_REASON_GENESIS, hex, "peer has genesis %s, we have %s", theirs, hex);
    return;
  }

  uint8_t acc[PQNET_ACCEPT_LEN], auth[PQNET_AUTH_LEN], k_hs_r[32];
  int rc = th_hash(s->h, NULL, (const uint8_t *)LABEL_OFFER, strlen(LABEL_OFFER), body, len);
  memcpy(s->offer_hash, s->h, 32);
  acc[0] = PQNET_HS_ACCEPTANCE;
  if (!rc) {
    rc = pqnet_xwing_encaps(s->ss, acc + 1, o.epk, PQNET_XWING_PK_LEN, s->p.rng);
    if (rc == PQNET_ERR_BAD_KEY || rc == PQNET_ERR_BAD_LENGTH) {
      session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "Offer key fails the ML-KEM key check");
      return;
    }
  }
  if (!rc) rc = pqnet_rng_fill(s->p.rng, acc + 1 + PQNET_XWING_CT_LEN, PQNET_HS_NONCE_LEN);
  if (!rc) rc = th_hash(s->h, s->h, acc, PQNET_ACCEPT_CLEAR_LEN, NULL, 0); /* h1 */
  if (!rc) rc = derive_handshake(s, k_hs_r);
  if (!rc) rc = make_auth(s, auth, LABEL_SIG_R); /* sig_r over h2; h = h3 */
  if (!rc)
    rc = pqnet_aead_seal(k_hs_r, zero_nonce, acc, PQNET_ACCEPT_CLEAR_LEN, auth, sizeof auth,
                         acc + PQNET_ACCEPT_CLEAR_LEN);
  if (!rc) rc = put_clear_frame(s, acc, sizeof acc);
  pqnet_wipe(k_hs_r, sizeof k_hs_r);
  if (rc) {
    session_fail(s, ev, PQNET_REASON_PROTOCOL, "internal error", "local crypto failure: %s",
                 pqnet_strerror(rc));
    return;
  }
  s->state = PQNET_SESS_R_WAIT_CONFIRM;
}

/* ---- initiator: Acceptance -> Confirmation --------------------------------- */

static void on_acceptance(pqnet_session *s, const uint8_t *body, size_t len, pqnet_sess_event *ev) {
  pqnet_acceptance a;
  pqnet_auth peer;
  uint8_t k_hs_r[32], auth_r[PQNET_AUTH_LEN];
  uint8_t conf[PQNET_CONFIRM_LEN], auth_i[PQNET_AUTH_LEN];
  int rc;
  if (pqnet_acceptance_decode(body, len, &a) != 0) {
    session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "malformed Acceptance (%zu bytes)", len);
    return;
  }
  rc = pqnet_xwing_decaps(s->ss, a.ct, PQNET_XWING_CT_LEN, s->esk, sizeof s->esk);
  pqnet_wipe(s->esk, sizeof s->esk); /* forward secrecy: the ephemeral key is done */
  if (rc) {
    session_fail(s, ev, PQNET_REASON_AUTH, "bad ciphertext", "Acceptance ciphertext rejected: %s",
                 pqnet_strerror(rc));
    return;
  }
  rc = th_hash(s->h, s->h, body, PQNET_ACCEPT_CLEAR_LEN, NULL, 0); /* h1 */
  if (!rc) rc = derive_handshake(s, k_hs_r);
  if (!rc)
    rc = pqnet_aead_open(k_hs_r, zero_nonce, body, PQNET_ACCEPT_CLEAR_LEN, a.sealed,
                         PQNET_SEALED_AUTH_LEN, auth_r);
  pqnet_wipe(k_hs_r, sizeof k_hs_r);
  if (rc) {
    session_fail(s, ev, PQNET_REASON_AUTH, "decryption failed", "Acceptance does not decrypt: %s",
                 pqnet_strerror(rc));
    return;
  }
  pqnet_auth_decode(auth_r, sizeof auth_r, &peer); /* fixed size: cannot fail */
  if (check_auth(s, &peer, LABEL_SIG_R) != 0) {
    session_fail(s, ev, PQNET_REASON_AUTH, "bad signature", "responder signature does not verify");
    return;
  }
  int why = s->p.admit ? s->p.admit(s->p.admit_ctx, s->peer_id) : 0;
  if (why) {
    /* This Reject travels in clear: it must not name the PeerId (§4). */
    char hex[65];
    session_fail(s, ev, why, pqnet_reason_name(why), "%s %s", pqnet_reason_name(why),
                 pqnet_peer_id_hex(s->peer_id, hex, sizeof hex));
    return;
  }
  conf[0] = PQNET_HS_CONFIRMATION;
  rc = make_auth(s, auth_i, LABEL_SIG_I); /* sig_i over h4; h = h5 */
  if (!rc) rc = pqnet_aead_seal(s->k_hs_i, zero_nonce, conf, 1, auth_i, sizeof auth_i, conf + 1);
  if (!rc) rc = put_clear_frame(s, conf, sizeof conf);
  if (!rc) rc = derive_channel(s, s->h);
  wipe_handshake(s);
  if (rc) {
    session_fail(s, ev, PQNET_REASON_PROTOCOL, "internal error", "local crypto failure: %s",
                 pqnet_strerror(rc));
    return;
  }
  s->state = PQNET_SESS_OPEN;
  pqnet_framer_set_cap(&s->framer, s->p.max_frame);
  ev->type = PQNET_SEV_OPEN;
}

/* ---- responder: Confirmation ----------------------------------------------- */

static void on_confirmation(pqnet_session *s, const uint8_t *body, size_t len,
                            pqnet_sess_event *ev) {
  pqnet_confirmation c;
  pqnet_auth peer;
  uint8_t auth_i[PQNET_AUTH_LEN];
  if (pqnet_confirmation_decode(body, len, &c) != 0) {
    session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "malformed Confirmation (%zu bytes)", len);
    return;
  }
  if (pqnet_aead_open(s->k_hs_i, zero_nonce, body, 1, c.sealed, PQNET_SEALED_AUTH_LEN, auth_i)) {
    session_fail(s, ev, PQNET_REASON_AUTH, "decryption failed", "Confirmation does not decrypt");
    return;
  }
  pqnet_auth_decode(auth_i, sizeof auth_i, &peer);
  if (check_auth(s, &peer, LABEL_SIG_I) != 0) {
    session_fail(s, ev, PQNET_REASON_AUTH, "bad signature", "initiator signature does not verify");
    return;
  }
  int rc = derive_channel(s, s->h);
  wipe_handshake(s);
  if (rc) {
    session_fail(s, ev, PQNET_REASON_PROTOCOL, "internal error", "local crypto failure: %s",
                 pqnet_strerror(rc));
    return;
  }
  s->state = PQNET_SESS_OPEN; /* the initiator is already in channel mode */
  pqnet_framer_set_cap(&s->framer, s->p.max_frame);
  int why = s->p.admit ? s->p.admit(s->p.admit_ctx, s->peer_id) : 0;
  if (why) {
    char hex[65];
    session_fail(s, ev, why, NULL, "%s %s", pqnet_reason_name(why),
                 pqnet_peer_id_hex(s->peer_id, hex, sizeof hex));
    return;
  }
  ev->type = PQNET_SEV_OPEN;
}

/* A Reject from the peer during the handshake: report it in our words. */
static void on_reject(pqnet_session *s, const uint8_t *body, size_t len, pqnet_sess_event *ev) {
  pqnet_reason_msg r;
  if (pqnet_reason_decode(body + 1, len - 1, &r) != 0) {
    session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "malformed Reject");
    return;
  }
  switch (r.reason) {
  case PQNET_REASON_CHAIN:
    set_close(s, r.reason, "peer is on chain %s, we are on %s", r.text, s->p.chain_id);
    break;
  case PQNET_REASON_GENESIS: {
    char hex[65];
    set_close(s, r.reason, "peer has genesis %s, we have %s", r.text,
              pqnet_peer_id_hex(s->p.genesis, hex, sizeof hex));
    break;
  }
  case PQNET_REASON_VERSION:
    set_close(s, r.reason, "peer speaks protocol version %s, we speak %d", r.text,
              PQNET_PROTOCOL_VERSION);
    break;
  default:
    set_close(s, r.reason, "peer rejected the handshake: %s (%s)", pqnet_reason_name(r.reason),
              r.text);
  }
  send_close(s, PQNET_REASON_CLOSED, NULL); /* nothing to send back */
  ev->type = PQNET_SEV_CLOSED;
  ev->reason = s->close_reason;
  ev->text = s->close_text;
  ev->remote = 1;
}

/* ---- channel ---------------------------------------------------------------- */

static void on_channel_frame(pqnet_session *s, const uint8_t *hdr, uint8_t *body, size_t len,
                             pqnet_sess_event *ev) {
  uint8_t nonce[PQNET_AEAD_NONCE_LEN];
  if (len < PQNET_AEAD_TAG_LEN + PQNET_MSG_HEADER) {
    session_fail(s, ev, PQNET_REASON_AUTH, NULL, "channel frame of %zu bytes is too short", len);
    return;
  }
  size_t ptlen = len - PQNET_AEAD_TAG_LEN;
  /* Decrypt in place: the frame buffer is the framer's and this frame is done
   * with; the plaintext stays there until the next call. */
  pqnet_aead_nonce_from_counter(nonce, s->rx.counter);
  if (pqnet_aead_ctx_open(&s->rx.aead, nonce, hdr, PQNET_FRAME_HEADER, body, len, body) != 0) {
    session_fail(s, ev, PQNET_REASON_AUTH, NULL, "channel frame %llu fails authentication",
                 (unsigned long long)s->rx.counter);
    return;
  }
  if (dir_key_advance(s, &s->rx, len) != 0) {
    session_fail(s, ev, PQNET_REASON_PROTOCOL, "internal error", "rekey failed");
    return;
  }
  pqnet_msg m;
  pqnet_msg_decode(body, ptlen, &m); /* ptlen >= 3: cannot fail */
  if (m.protocol == PQNET_PROTO_CONTROL && m.type == PQNET_CTL_DISCONNECT) {
    pqnet_reason_msg r;
    if (pqnet_reason_decode(m.body, m.len, &r) != 0) {
      session_fail(s, ev, PQNET_REASON_MALFORMED, NULL, "malformed Disconnect");
      return;
    }
    set_close(s, r.reason ? r.reason : PQNET_REASON_CLOSED, "peer disconnected: %s (%s)",
              pqnet_reason_name(r.reason), r.text);
    send_close(s, PQNET_REASON_CLOSED, NULL);
    ev->type = PQNET_SEV_CLOSED;
    ev->reason = s->close_reason;
    ev->text = s->close_text;
    ev->remote = 1;
    return;
  }
  ev->type = PQNET_SEV_MESSAGE;
  ev->msg = m;
}

/* ---- dispatch ---------------------------------------------------------------- */

static void session_dispatch(pqnet_session *s, const uint8_t *hdr, uint8_t *body, size_t len,
                             pqnet_sess_event *ev) {
  uint8_t type = len ? body[0] : 0;
  switch (s->state) {
  case PQNET_SESS_R_WAIT_OFFER:
    if (type == PQNET_HS_OFFER)
      on_offer(s, body, len, ev);
    else if (type == PQNET_HS_REJECT && len >= 1)
      on_reject(s, body, len, ev);
    else
      session_fail(s, ev, PQNET_REASON_BAD_MAGIC, "expected Offer",
                   "first frame is not an Offer (type 0x%02x, %zu bytes)", type, len);
    return;
  case PQNET_SESS_I_WAIT_ACCEPT:
    if (type == PQNET_HS_ACCEPTANCE)
      on_acceptance(s, body, len, ev);
    else if (type == PQNET_HS_REJECT)
      on_reject(s, body, len, ev);
    else
      session_fail(s, ev, PQNET_REASON_PROTOCOL, "expected Acceptance",
                   "expected Acceptance, got type 0x%02x", type);
    return;
  case PQNET_SESS_R_WAIT_CONFIRM:
    if (type == PQNET_HS_CONFIRMATION)
      on_confirmation(s, body, len, ev);
    else if (type == PQNET_HS_REJECT)
      on_reject(s, body, len, ev);
    else
      session_fail(s, ev, PQNET_REASON_PROTOCOL, "expected Confirmation",
                   "expected Confirmation, got type 0x%02x", type);
    return;
  case PQNET_SESS_OPEN: on_channel_frame(s, hdr, body, len, ev); return;
  case PQNET_SESS_CLOSED: return;
  }
}

size_t pqnet_session_recv(pqnet_session *s, const uint8_t *data, size_t len, pqnet_sess_event *ev) {
  uint8_t *frame;
  const uint8_t *hdr;
  size_t flen;
  memset(ev, 0, sizeof *ev);
  ev->type = PQNET_SEV_NONE;
  if (s->state == PQNET_SESS_CLOSED) return len;
  long n = pqnet_framer_feed(&s->framer, data, len, &frame, &flen, &hdr);
  if (n < 0) {
    session_fail(s, ev, n == PQNET_ERR_TOO_LARGE ? PQNET_REASON_TOO_LARGE : PQNET_REASON_PROTOCOL,
                 NULL, "frame of %u bytes over the cap of %zu", pqnet_load32_be(s->framer.hdr),
                 s->framer.cap);
    return len;
  }
  if (frame) session_dispatch(s, hdr, frame, flen, ev);
  /* The handshake's 5-6 KiB frames are done: an idle session keeps no buffer. */
  if (ev->type == PQNET_SEV_OPEN) pqnet_framer_release(&s->framer);
  return (size_t)n;
}

int pqnet_session_send(pqnet_session *s, uint16_t protocol, uint8_t type, const uint8_t *body,
                       size_t len) {
  uint8_t nonce[PQNET_AEAD_NONCE_LEN];
  if (s->state != PQNET_SESS_OPEN) return PQNET_ERR_STATE;
  if (len > s->p.max_frame || PQNET_MSG_HEADER + len + PQNET_AEAD_TAG_LEN > s->p.max_frame)
    return PQNET_ERR_TOO_LARGE;
  size_t flen = PQNET_MSG_HEADER + len + PQNET_AEAD_TAG_LEN;
  size_t start = s->out_len;
  uint8_t *q = out_reserve(s, PQNET_FRAME_HEADER + flen);
  if (!q) return PQNET_ERR_NOMEM;
  pqnet_store32_be(q, (uint32_t)flen);
  uint8_t *pt = q + PQNET_FRAME_HEADER;
  pt[0] = (uint8_t)(protocol >> 8);
  pt[1] = (uint8_t)protocol;
  pt[2] = type;
  if (len) memcpy(pt + PQNET_MSG_HEADER, body, len);
  pqnet_aead_nonce_from_counter(nonce, s->tx.counter);
  int rc = pqnet_aead_ctx_seal(&s->tx.aead, nonce, q, PQNET_FRAME_HEADER, pt,
                               PQNET_MSG_HEADER + len, pt);
  if (!rc) rc = dir_key_advance(s, &s->tx, flen);
  if (rc) {
    s->out_len = start;
    return rc;
  }
  return 0;
}

void pqnet_session_close(pqnet_session *s, int reason, const char *text) {
  if (s->state == PQNET_SESS_CLOSED) return;
  set_close(s, reason, "%s", text ? text : pqnet_reason_name(reason));
  send_close(s, reason, s->close_text);
}

uint8_t *pqnet_session_take_output(pqnet_session *s, size_t *len) {
  uint8_t *p = s->out;
  *len = s->out_len;
  if (!p || s->out_len == 0) {
    *len = 0;
    return NULL;
  }
  s->out = NULL;
  s->out_len = s->out_cap = 0;
  return p;
}

size_t pqnet_session_pending(const pqnet_session *s) {
  return s->out_len;
}
