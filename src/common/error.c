#include "pqnet/error.h"

const char *pqnet_strerror(int err) {
  switch (err) {
  case PQNET_OK: return "success";
  case PQNET_ERR_INVALID_ARG: return "invalid argument";
  case PQNET_ERR_BAD_LENGTH: return "wrong length";
  case PQNET_ERR_BAD_KEY: return "key failed its input check";
  case PQNET_ERR_AUTH: return "authentication failed";
  case PQNET_ERR_CRYPTO: return "cryptographic library failure";
  case PQNET_ERR_RNG: return "random generator failure";
  case PQNET_ERR_NOMEM: return "out of memory";
  case PQNET_ERR_TRUNCATED: return "truncated input";
  case PQNET_ERR_MALFORMED: return "malformed input";
  case PQNET_ERR_TOO_LARGE: return "input too large";
  case PQNET_ERR_STATE: return "invalid state for this call";
  case PQNET_ERR_IO: return "I/O error";
  }
  return "unknown error";
}

int pqnet_err_is_fatal(int err) {
  switch (err) {
  case PQNET_OK:
  case PQNET_ERR_INVALID_ARG:
  case PQNET_ERR_BAD_LENGTH:
  case PQNET_ERR_BAD_KEY:
  case PQNET_ERR_TRUNCATED:
  case PQNET_ERR_MALFORMED:
  case PQNET_ERR_TOO_LARGE:
  case PQNET_ERR_STATE: return 0;
  default: return 1;
  }
}
