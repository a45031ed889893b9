/* hash.h — digests (OpenSSL) in the encodings plumb needs: hex SHA-256 and MD5, HMAC-SHA256,
 * base64, and random identifiers (UUIDs, hex). */
#ifndef PL_CORE_HASH_H
#define PL_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

void pl_sha256(const void *p, size_t n, unsigned char out[32]);
/* out = SHA-256(a[0..na) || b[0..nb)) (b may be NULL with nb 0). */
void pl_sha256_concat(const void *a, size_t na, const void *b, size_t nb, unsigned char out[32]);
void pl_sha256_hex(const void *p, size_t n, char out[65]);
void pl_hmac_sha256(const void *key, size_t klen, const void *p, size_t n, unsigned char out[32]);
void pl_hex(const unsigned char *p, size_t n, char *out); /* out: 2n+1 bytes */
/* 64-bit FNV-1a, for in-memory hash tables only (not stored). */
uint64_t pl_fnv1a(const void *p, size_t n);

/* Random UUID v4 "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (37 bytes with NUL). */
void pl_uuid(char out[37]);
/* n random bytes as 2n lowercase hex characters plus NUL. */
void pl_random_hex(size_t n, char *out);

#endif
