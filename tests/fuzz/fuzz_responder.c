/*
 * A responder session (PROTOCOL.md §3) fed arbitrary bytes: it must end in
 * CLOSED with a reason or keep waiting, never crash, never read out of
 * bounds. Byte 0 picks the chunk size.
 */
#include "fuzz_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  pqnet_rng_det rng;
  pqnet_rng_det_init_u64(&rng, 1);
  pqnet_session s;
  pqnet_session_params p = {.initiator = 0,
                            .chain_id = "devnet",
                            .genesis = fuzz_genesis,
                            .id = fuzz_identity(),
                            .rng = &rng.rng};
  if (pqnet_session_init(&s, &p) != 0) abort();
  fuzz_feed(&s, data + 1, size - 1, 1 + (size_t)data[0] * 64);
  pqnet_session_free(&s);
  pqnet_rng_det_free(&rng);
  return 0;
}
