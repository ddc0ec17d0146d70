/*
 * Frame decoder (PROTOCOL.md §2): a 4-byte big-endian length, then that many
 * body bytes. Bytes may arrive in chunks of any size, one at a time included.
 * The decoder enforces a cap on the body length before buffering anything
 * beyond the 4-byte header, so a peer cannot make it allocate more than the
 * cap.
 */
#ifndef PQNET_WIRE_FRAME_H
#define PQNET_WIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define PQNET_FRAME_HEADER        4
#define PQNET_FRAME_HANDSHAKE_MAX (16u * 1024)        /* body cap while handshaking */
#define PQNET_FRAME_DEFAULT_MAX   (4u * 1024 * 1024)  /* default max_frame after it */
#define PQNET_FRAME_ABSOLUTE_MAX  (64u * 1024 * 1024) /* no config may exceed this */

typedef struct pqnet_framer {
  uint8_t hdr[PQNET_FRAME_HEADER];
  size_t hdr_have;
  uint8_t *body; /* owned; grows to the largest frame seen, at most cap */
  size_t body_alloc, body_len, body_have;
  size_t cap; /* largest accepted body length */
  int err;    /* latched: PQNET_ERR_TOO_LARGE or PQNET_ERR_NOMEM */
} pqnet_framer;

void pqnet_framer_init(pqnet_framer *f, size_t cap);
/* Frees the body buffer after wiping it. */
void pqnet_framer_free(pqnet_framer *f);
/* Change the cap (takes effect for the next frame header). */
void pqnet_framer_set_cap(pqnet_framer *f, size_t cap);

/*
 * Consume bytes from data until one frame is complete or data runs out.
 * Returns the number of bytes consumed (>= 0) and sets *frame and *frame_len (and *hdr, the 4
 * length bytes, when hdr is not NULL) when a frame completed (the pointer stays valid until the
 * next call), or a negative error: PQNET_ERR_TOO_LARGE (length above the cap; the header bytes are
 * in f->hdr for the caller's log), PQNET_ERR_NOMEM. Errors latch. A zero-length body is a valid
 * frame.
 */
long pqnet_framer_feed(pqnet_framer *f, const uint8_t *data, size_t len, uint8_t **frame,
                       size_t *frame_len, const uint8_t **hdr);

/* Free the body buffer when no frame is in progress (after the handshake its
 * large frames are done; an idle session should not keep 6 KiB). */
void pqnet_framer_release(pqnet_framer *f);

/* Bytes of a partly received frame (header and body) held right now. */
size_t pqnet_framer_buffered(const pqnet_framer *f);

#endif
