/*
 * Frame decoder (PROTOCOL.md §2) fed arbitrary bytes in chunk sizes taken
 * from the input: no frame may exceed the cap, and the bytes consumed must
 * add up to the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t cap = (size_t)(data[0] & 0x3f) * 512; /* 0 .. 32 KiB */
  size_t chunk = 1 + data[1];
  data += 2;
  size -= 2;
  pqnet_framer f;
  pqnet_framer_init(&f, cap);
  size_t off = 0;
  while (off < size) {
    size_t n = size - off < chunk ? size - off : chunk;
    while (n > 0) {
      uint8_t *frame;
      const uint8_t *hdr;
      size_t flen;
      long used = pqnet_framer_feed(&f, data + off, n, &frame, &flen, &hdr);
      if (used < 0) goto done; /* latched error: the session would close */
      if ((size_t)used > n) abort();
      if (frame && flen > cap) abort();
      if (used == 0 && !frame) abort(); /* no progress without a frame */
      off += (size_t)used;
      n -= (size_t)used;
    }
  }
done:
  pqnet_framer_free(&f);
  return 0;
}
