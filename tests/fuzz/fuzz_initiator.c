/*
 * An initiator session fed arbitrary replies after its Offer. The RNG is
 * fixed, so the Offer (and its ephemeral key) is the same every run and a
 * recorded Acceptance in the seed corpus drives it through the whole
 * handshake into the channel. Byte 0 picks the chunk size.
 */
#include "fuzz_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  pqnet_rng_det rng;
  pqnet_rng_det_init_u64(&rng, 2);
  pqnet_session s;
  pqnet_session_params p = {.initiator = 1,
                            .chain_id = "devnet",
                            .genesis = fuzz_genesis,
                            .id = fuzz_identity(),
                            .rng = &rng.rng};
  if (pqnet_session_init(&s, &p) != 0) abort();
  size_t olen;
  free(pqnet_session_take_output(&s, &olen)); /* the Offer */
  fuzz_feed(&s, data + 1, size - 1, 1 + (size_t)data[0] * 64);
  pqnet_session_free(&s);
  pqnet_rng_det_free(&rng);
  return 0;
}
