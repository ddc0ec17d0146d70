/* Shared set-up for the session fuzz targets: one identity for the process,
 * a deterministic RNG per input. */
#ifndef PQNET_FUZZ_SESSION_H
#define PQNET_FUZZ_SESSION_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/node.h"
#include "session/session.h"

static const pqnet_identity *fuzz_identity(void) {
  static pqnet_identity *id;
  if (!id) {
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    if (pqnet_identity_from_seed(seed, &id) != 0) abort();
  }
  return id;
}

static const uint8_t fuzz_genesis[32];

/* Feed data in chunks of `chunk` bytes; stop at CLOSED. Returns 1 if it
 * reached OPEN. */
static int fuzz_feed(pqnet_session *s, const uint8_t *data, size_t size, size_t chunk) {
  int opened = 0;
  while (size > 0) {
    size_t n = size < chunk ? size : chunk;
    while (n > 0) {
      pqnet_sess_event ev;
      size_t used = pqnet_session_recv(s, data, n, &ev);
      if (used > n) abort();
      data += used;
      size -= used;
      n -= used;
      if (ev.type == PQNET_SEV_OPEN) opened = 1;
      if (ev.type == PQNET_SEV_CLOSED) {
        if (!ev.text || ev.reason <= 0) abort();
        return opened;
      }
    }
    size_t olen;
    free(pqnet_session_take_output(s, &olen));
  }
  return opened;
}

#endif
