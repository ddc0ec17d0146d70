#include "wire/msg.h"

#include <string.h>

#include "pqnet/error.h"
#include "wire/codec.h"

static int printable(uint8_t c) {
  return c >= 0x21 && c <= 0x7e;
}

long pqnet_offer_encode(uint8_t *out, size_t cap, const char *chain_id, const uint8_t genesis[32],
                        const uint8_t epk[PQNET_XWING_PK_LEN],
                        const uint8_t nonce[PQNET_HS_NONCE_LEN]) {
  size_t clen = chain_id ? strlen(chain_id) : 0;
  if (clen == 0 || clen > PQNET_CHAIN_ID_MAX) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < clen; i++)
    if (!printable((uint8_t)chain_id[i])) return PQNET_ERR_INVALID_ARG;
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u8(&w, PQNET_HS_OFFER);
  pqnet_put_u32(&w, PQNET_MAGIC);
  pqnet_put_u16(&w, PQNET_PROTOCOL_VERSION);
  pqnet_put_u8(&w, (uint8_t)clen);
  pqnet_put_bytes(&w, (const uint8_t *)chain_id, clen);
  pqnet_put_bytes(&w, genesis, 32);
  pqnet_put_bytes(&w, epk, PQNET_XWING_PK_LEN);
  pqnet_put_bytes(&w, nonce, PQNET_HS_NONCE_LEN);
  return w.err ? w.err : (long)w.len;
}

int pqnet_offer_decode(const uint8_t *body, size_t len, pqnet_offer *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, body, len);
  if (pqnet_get_u8(&r) != PQNET_HS_OFFER) return PQNET_ERR_MALFORMED;
  out->magic = pqnet_get_u32(&r);
  out->version = pqnet_get_u16(&r);
  uint8_t clen = pqnet_get_u8(&r);
  if (r.err || clen == 0 || clen > PQNET_CHAIN_ID_MAX) return PQNET_ERR_MALFORMED;
  if (pqnet_get_bytes(&r, (uint8_t *)out->chain_id, clen)) return PQNET_ERR_MALFORMED;
  for (size_t i = 0; i < clen; i++)
    if (!printable((uint8_t)out->chain_id[i])) return PQNET_ERR_MALFORMED;
  out->chain_id[clen] = '\0';
  pqnet_get_bytes(&r, out->genesis, 32);
  pqnet_get_view(&r, &out->epk, PQNET_XWING_PK_LEN);
  pqnet_get_view(&r, &out->nonce, PQNET_HS_NONCE_LEN);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

int pqnet_acceptance_decode(const uint8_t *body, size_t len, pqnet_acceptance *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, body, len);
  if (pqnet_get_u8(&r) != PQNET_HS_ACCEPTANCE) return PQNET_ERR_MALFORMED;
  pqnet_get_view(&r, &out->ct, PQNET_XWING_CT_LEN);
  pqnet_get_view(&r, &out->nonce, PQNET_HS_NONCE_LEN);
  pqnet_get_view(&r, &out->sealed, PQNET_SEALED_AUTH_LEN);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

int pqnet_confirmation_decode(const uint8_t *body, size_t len, pqnet_confirmation *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, body, len);
  if (pqnet_get_u8(&r) != PQNET_HS_CONFIRMATION) return PQNET_ERR_MALFORMED;
  pqnet_get_view(&r, &out->sealed, PQNET_SEALED_AUTH_LEN);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

int pqnet_auth_decode(const uint8_t *pt, size_t len, pqnet_auth *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, pt, len);
  pqnet_get_view(&r, &out->pk, PQNET_ID_PK_LEN);
  pqnet_get_view(&r, &out->sig, PQNET_ID_SIG_LEN);
  out->port = pqnet_get_u16(&r);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

long pqnet_reason_encode(uint8_t *out, size_t cap, uint16_t reason, const char *text) {
  size_t tlen = text ? strlen(text) : 0;
  if (tlen > PQNET_REASON_TEXT_MAX) tlen = PQNET_REASON_TEXT_MAX;
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u16(&w, reason);
  pqnet_put_u8(&w, (uint8_t)tlen);
  pqnet_put_bytes(&w, (const uint8_t *)text, tlen);
  return w.err ? w.err : (long)w.len;
}

/* Copy n bytes of text, replacing anything that is not printable ASCII or a
 * space, so a peer's text can go into a log line unescaped. */
static void copy_text(char *dst, const uint8_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (src[i] >= 0x20 && src[i] <= 0x7e) ? (char)src[i] : '?';
  dst[n] = '\0';
}

int pqnet_reason_decode(const uint8_t *p, size_t len, pqnet_reason_msg *out) {
  pqnet_reader r;
  const uint8_t *text;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, p, len);
  out->reason = pqnet_get_u16(&r);
  uint8_t tlen = pqnet_get_u8(&r);
  if (r.err || tlen > PQNET_REASON_TEXT_MAX) return PQNET_ERR_MALFORMED;
  if (pqnet_get_view(&r, &text, tlen) || pqnet_reader_finish(&r)) return PQNET_ERR_MALFORMED;
  copy_text(out->text, text, tlen);
  return 0;
}

long pqnet_hello_encode(uint8_t *out, size_t cap, const pqnet_hello *h) {
  size_t ulen = strlen(h->user_agent);
  if (ulen > PQNET_USER_AGENT_MAX) return PQNET_ERR_INVALID_ARG;
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u16(&w, h->listen_port);
  pqnet_put_u64(&w, h->services);
  pqnet_put_u64(&w, h->best_height);
  pqnet_put_u8(&w, (uint8_t)ulen);
  pqnet_put_bytes(&w, (const uint8_t *)h->user_agent, ulen);
  return w.err ? w.err : (long)w.len;
}

int pqnet_hello_decode(const uint8_t *p, size_t len, pqnet_hello *out) {
  pqnet_reader r;
  const uint8_t *ua;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, p, len);
  out->listen_port = pqnet_get_u16(&r);
  out->services = pqnet_get_u64(&r);
  out->best_height = pqnet_get_u64(&r);
  uint8_t ulen = pqnet_get_u8(&r);
  if (r.err || ulen > PQNET_USER_AGENT_MAX) return PQNET_ERR_MALFORMED;
  if (pqnet_get_view(&r, &ua, ulen) || pqnet_reader_finish(&r)) return PQNET_ERR_MALFORMED;
  for (size_t i = 0; i < ulen; i++)
    if (ua[i] < 0x20 || ua[i] > 0x7e) return PQNET_ERR_MALFORMED;
  memcpy(out->user_agent, ua, ulen);
  out->user_agent[ulen] = '\0';
  return 0;
}

int pqnet_nonce_decode(const uint8_t *p, size_t len, uint64_t *nonce) {
  pqnet_reader r;
  pqnet_reader_init(&r, p, len);
  *nonce = pqnet_get_u64(&r);
  return pqnet_reader_finish(&r) ? PQNET_ERR_MALFORMED : 0;
}

int pqnet_msg_decode(const uint8_t *pt, size_t len, pqnet_msg *out) {
  pqnet_reader r;
  memset(out, 0, sizeof *out);
  pqnet_reader_init(&r, pt, len);
  out->protocol = pqnet_get_u16(&r);
  out->type = pqnet_get_u8(&r);
  if (r.err) return PQNET_ERR_MALFORMED;
  out->len = pqnet_reader_left(&r);
  pqnet_get_view(&r, &out->body, out->len);
  return 0;
}
