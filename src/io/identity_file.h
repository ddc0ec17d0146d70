/*
 * The node's identity file, <base-path>/identity.key.
 *
 * It stores the 32-byte seed the ML-DSA-65 identity is derived from
 * (pqnet_identity_from_seed), never the expanded key. Format, version 1,
 * exactly 44 bytes:
 *
 *   off size field
 *     0    8 magic   "PQNID" 00 00 01   (the last byte is the format version)
 *     8   32 seed
 *    40    4 check   the first 4 bytes of SHA3-256(magic || seed)
 *
 * The checksum catches truncation and bit rot, not tampering: whoever can
 * write the file can replace the identity anyway.
 *
 * Loading is strict, like ssh with its private keys: the file must be a
 * regular file (not a symlink) owned by the effective user with no group or
 * other permission bits (mode 0600 or 0400); anything else is refused rather
 * than repaired, so that a leaked key is noticed by the operator.
 *
 * Creation (first start) is crash-safe and never clobbers: the seed is drawn
 * from the given generator (the system CSPRNG by default), written to a
 * fresh temporary file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, mode
 * 0600), fsynced, hard-linked to identity.key (which fails if another process
 * created one meanwhile; that one is then loaded) or renamed where the file
 * system has no hard links, and the directory is fsynced. The base path is
 * created with mode 0700 when missing. Seeds and buffers are wiped after use.
 */
#ifndef PQNET_IO_IDENTITY_FILE_H
#define PQNET_IO_IDENTITY_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/node.h"
#include "pqnet/rng.h"

#define PQNET_IDENTITY_FILE_NAME    "identity.key"
#define PQNET_IDENTITY_FILE_LEN     44
#define PQNET_IDENTITY_FILE_VERSION 1
#define PQNET_IDENTITY_PATH_MAX     4096

/* What exactly went wrong, for the operator's message. */
typedef enum pqnet_idfile_problem {
  PQNET_IDFILE_OK = 0,
  PQNET_IDFILE_MODE,        /* group or other permission bits set (see mode) */
  PQNET_IDFILE_OWNER,       /* owned by another user (see uid) */
  PQNET_IDFILE_NOT_REGULAR, /* a symlink, directory or device */
  PQNET_IDFILE_SIZE,        /* not exactly 44 bytes (see size) */
  PQNET_IDFILE_MAGIC,       /* does not start with "PQNID\0\0" */
  PQNET_IDFILE_VERSION,     /* a format version this build does not read (see version) */
  PQNET_IDFILE_CHECKSUM,    /* magic fine, checksum does not match */
  PQNET_IDFILE_SYSTEM,      /* a system call failed (see op, sys_errno) */
  PQNET_IDFILE_BASE_PATH,   /* the base path exists but is not a directory */
} pqnet_idfile_problem;

/* Facts about one load, filled by pqnet_identity_file_open and
 * pqnet_identity_file_decode. */
typedef struct pqnet_identity_file_status {
  int created; /* 1: this call created and saved a new identity */
  pqnet_idfile_problem problem;
  const char *op;                     /* SYSTEM: the failed call ("open", "fsync", ...) */
  int sys_errno;                      /* SYSTEM: its errno */
  unsigned mode;                      /* the file's permission bits (0777 mask) */
  unsigned uid;                       /* OWNER: the file's owner */
  long long size;                     /* SIZE: the file's size in bytes */
  unsigned version;                   /* VERSION: the version byte found */
  char path[PQNET_IDENTITY_PATH_MAX]; /* <base-path>/identity.key */
} pqnet_identity_file_status;

/*
 * Load <base_path>/identity.key, or create it if it does not exist, and derive
 * the identity. rng draws the seed of a new identity (NULL: pqnet_rng_system();
 * tests pass a deterministic one). st may be NULL; when given it is always
 * filled (path, and the problem on failure).
 *
 * Returns 0 and *out (free with pqnet_identity_del), or:
 *   PQNET_ERR_INVALID_ARG  out or base_path NULL, base_path empty or too long
 *   PQNET_ERR_STATE        the file may not be used as it is: MODE, OWNER,
 *                          NOT_REGULAR, or BASE_PATH
 *   PQNET_ERR_MALFORMED    the file is corrupt: SIZE, MAGIC, VERSION, CHECKSUM
 *   PQNET_ERR_IO           a system call failed: SYSTEM (op, sys_errno)
 *   PQNET_ERR_RNG          the generator failed while creating
 *   PQNET_ERR_NOMEM
 * *out is NULL on failure. Nothing is created or changed on a failed load.
 */
int pqnet_identity_file_open(const char *base_path, const pqnet_rng *rng, pqnet_identity **out,
                             pqnet_identity_file_status *st);

/* Encode a seed as the 44-byte file image. */
void pqnet_identity_file_encode(const uint8_t seed[32], uint8_t out[PQNET_IDENTITY_FILE_LEN]);

/* Check and decode a file image of len bytes into seed. Returns 0 or
 * PQNET_ERR_MALFORMED with st->problem (SIZE, MAGIC, VERSION, CHECKSUM) and
 * seed wiped; PQNET_ERR_INVALID_ARG for NULL buf or seed. st may be NULL. */
int pqnet_identity_file_decode(const uint8_t *buf, size_t len, uint8_t seed[32],
                               pqnet_identity_file_status *st);

/* One sentence for the operator about a failed pqnet_identity_file_open (rc
 * and st as it returned them), naming the file and what to do, e.g.
 * "/x/identity.key has mode 0644; it must not be readable or writable by
 * group or others: chmod 600 /x/identity.key". Returns buf. */
char *pqnet_identity_file_describe(int rc, const pqnet_identity_file_status *st, char *buf,
                                   size_t cap);

#endif /* PQNET_IO_IDENTITY_FILE_H */
