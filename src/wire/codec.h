/*
 * Bounded reader and writer for wire encodings.
 *
 * A pqnet_reader walks a caller-owned buffer and can never read past its end:
 * every get checks the remaining length first. The first failure latches
 * (r->err), later gets return zeros and fail too, so a decoder can read a
 * whole structure and check once at the end. Likewise the writer never writes
 * past its buffer and latches PQNET_ERR_TOO_LARGE.
 */
#ifndef PQNET_WIRE_CODEC_H
#define PQNET_WIRE_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct pqnet_reader {
  const uint8_t *p;
  size_t len, off;
  int err; /* 0 or PQNET_ERR_TRUNCATED */
} pqnet_reader;

void pqnet_reader_init(pqnet_reader *r, const uint8_t *p, size_t len);
uint8_t pqnet_get_u8(pqnet_reader *r);
uint16_t pqnet_get_u16(pqnet_reader *r);
uint32_t pqnet_get_u32(pqnet_reader *r);
uint64_t pqnet_get_u64(pqnet_reader *r);
/* Copy n bytes into out (zeroed on failure). Returns 0 or PQNET_ERR_TRUNCATED. */
int pqnet_get_bytes(pqnet_reader *r, uint8_t *out, size_t n);
/* Point *out at the next n bytes of the buffer without copying (NULL on failure). */
int pqnet_get_view(pqnet_reader *r, const uint8_t **out, size_t n);
size_t pqnet_reader_left(const pqnet_reader *r);
/* 0 when everything read so far was present and nothing is left over;
 * PQNET_ERR_TRUNCATED or PQNET_ERR_MALFORMED (trailing bytes) otherwise. */
int pqnet_reader_finish(const pqnet_reader *r);

typedef struct pqnet_writer {
  uint8_t *p;
  size_t cap, len;
  int err; /* 0 or PQNET_ERR_TOO_LARGE */
} pqnet_writer;

void pqnet_writer_init(pqnet_writer *w, uint8_t *p, size_t cap);
void pqnet_put_u8(pqnet_writer *w, uint8_t v);
void pqnet_put_u16(pqnet_writer *w, uint16_t v);
void pqnet_put_u32(pqnet_writer *w, uint32_t v);
void pqnet_put_u64(pqnet_writer *w, uint64_t v);
void pqnet_put_bytes(pqnet_writer *w, const uint8_t *src, size_t n);
/* Reserve n bytes and return a pointer to them (NULL on overflow). */
uint8_t *pqnet_put_space(pqnet_writer *w, size_t n);

#endif
