/*
 * pqnet error convention.
 *
 * Every pqnet function that can fail returns 0 on success and one of the
 * negative PQNET_ERR_* codes below on failure. Out-pointers are left NULL (or
 * output buffers wiped) on failure. Each function's comment lists exactly the
 * codes it can return. pqnet_strerror() names a code; pqnet_err_is_fatal()
 * says whether the object that returned it can still be used.
 */
#ifndef PQNET_ERROR_H
#define PQNET_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum pqnet_err {
  PQNET_OK = 0,
  PQNET_ERR_INVALID_ARG = -1, /* NULL pointer or argument out of range */
  PQNET_ERR_BAD_LENGTH = -2,  /* a key, ciphertext or message has the wrong size */
  PQNET_ERR_BAD_KEY = -3,     /* a key failed its FIPS 203/204 input check */
  PQNET_ERR_AUTH = -4,        /* AEAD tag or signature did not verify */
  PQNET_ERR_CRYPTO = -5,      /* libcrypto reported a failure */
  PQNET_ERR_RNG = -6,         /* the random generator failed */
  PQNET_ERR_NOMEM = -7,       /* allocation failed */
  PQNET_ERR_TRUNCATED = -8,   /* input ended before the structure did */
  PQNET_ERR_MALFORMED = -9,   /* input is syntactically invalid */
  PQNET_ERR_TOO_LARGE = -10,  /* input exceeds a size cap */
  PQNET_ERR_STATE = -11,      /* call not valid in the object's current state */
  PQNET_ERR_IO = -12,         /* an operating-system call failed (see errno) */
};

/* A short, static, human-readable name for an error code. Never NULL. */
const char *pqnet_strerror(int err);

/* Non-zero when the object that returned err must be discarded. */
int pqnet_err_is_fatal(int err);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_ERROR_H */
