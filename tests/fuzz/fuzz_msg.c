/*
 * Every message decoder of src/wire/msg.c on arbitrary bytes; what decodes
 * must re-encode to the same bytes (Offer, Hello, Reject/Disconnect).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t out[PQNET_OFFER_MAX_LEN + 300];
  pqnet_offer o;
  if (pqnet_offer_decode(data, size, &o) == 0) {
    long n = pqnet_offer_encode(out, sizeof out, o.chain_id, o.genesis, o.epk, o.nonce);
    /* Magic and version are carried, not judged, by the decoder: patch them. */
    if (n < 0 || (size_t)n != size) abort();
    out[1] = data[1], out[2] = data[2], out[3] = data[3], out[4] = data[4];
    out[5] = data[5], out[6] = data[6];
    if (memcmp(out, data, size) != 0) abort();
  }
  pqnet_acceptance a;
  if (pqnet_acceptance_decode(data, size, &a) == 0 && size != PQNET_ACCEPT_LEN) abort();
  pqnet_confirmation c;
  if (pqnet_confirmation_decode(data, size, &c) == 0 && size != PQNET_CONFIRM_LEN) abort();
  pqnet_auth au;
  if (pqnet_auth_decode(data, size, &au) == 0 && size != PQNET_AUTH_LEN) abort();
  pqnet_reason_msg r;
  if (pqnet_reason_decode(data, size, &r) == 0) {
    long n = pqnet_reason_encode(out, sizeof out, r.reason, r.text);
    if (n < 0 || (size_t)n != size) abort();
  }
  pqnet_hello h;
  if (pqnet_hello_decode(data, size, &h) == 0) {
    long n = pqnet_hello_encode(out, sizeof out, &h);
    if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0) abort();
  }
  uint64_t nonce;
  if (pqnet_nonce_decode(data, size, &nonce) == 0 && size != 8) abort();
  pqnet_msg m;
  if (pqnet_msg_decode(data, size, &m) == 0 && m.len + 3 != size) abort();
  return 0;
}
