/*
 * The API cookie, <base-path>/.cookie: the token the HTTP API's endpoints
 * that change state require (src/io/http.h), in a file only the node's user
 * can read, so that whoever can read the node's data directory may steer it.
 *
 * pqnetd draws a new token at every start (pqnet_cookie_generate), writes the
 * file once its listeners are up (pqnet_cookie_write) and removes it at a
 * clean exit (pqnet_cookie_remove, only while it still holds that token: a
 * second node started on the same base path by mistake must not delete the
 * first one's). pqnet-cli reads it (pqnet_cookie_read).
 *
 * Format: 64 lower-case hex digits (32 random bytes) and a newline. The file
 * is written to a temporary file in the same directory (O_EXCL, O_NOFOLLOW,
 * mode 0600), fsynced and renamed over the old cookie, so a reader sees the
 * old token or the new one, never a partial file.
 *
 * Error convention: include/pqnet/error.h; PQNET_ERR_IO keeps errno.
 */
#ifndef PQNET_IO_COOKIE_H
#define PQNET_IO_COOKIE_H

#include <stddef.h>

#include "pqnet/rng.h"

#define PQNET_COOKIE_FILE_NAME ".cookie"
#define PQNET_COOKIE_TOKEN_LEN 64 /* hex digits */

/* A fresh token: 32 bytes from rng as 64 lower-case hex digits and a NUL.
 * Returns 0, PQNET_ERR_INVALID_ARG (NULL) or PQNET_ERR_RNG (token zeroed). */
int pqnet_cookie_generate(const pqnet_rng *rng, char token[PQNET_COOKIE_TOKEN_LEN + 1]);

/* "<base_path>/.cookie" into buf. Returns 0, PQNET_ERR_INVALID_ARG (NULL or
 * empty) or PQNET_ERR_TOO_LARGE (does not fit). */
int pqnet_cookie_path(const char *base_path, char *buf, size_t cap);

/* Write token (64 hex digits) to <base_path>/.cookie, replacing any old one.
 * base_path must exist. Returns 0, PQNET_ERR_INVALID_ARG (NULL, bad token),
 * PQNET_ERR_TOO_LARGE (path too long), PQNET_ERR_IO (errno says why). */
int pqnet_cookie_write(const char *base_path, const char *token);

/* Read the token from <base_path>/.cookie (surrounding whitespace ignored).
 * Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_TOO_LARGE (path),
 * PQNET_ERR_IO (errno: ENOENT when there is no cookie), PQNET_ERR_MALFORMED
 * (not 64 hex digits). token is zeroed on failure. */
int pqnet_cookie_read(const char *base_path, char token[PQNET_COOKIE_TOKEN_LEN + 1]);

/* Remove <base_path>/.cookie if it holds token. Returns 0 (removed, or
 * already gone), PQNET_ERR_STATE (it holds another token: left alone),
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_TOO_LARGE, PQNET_ERR_IO. */
int pqnet_cookie_remove(const char *base_path, const char *token);

#endif /* PQNET_IO_COOKIE_H */
