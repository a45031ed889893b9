/* hash.c — digests and random identifiers over OpenSSL's libcrypto. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

void pl_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void pl_sha256(const void *p, size_t n, unsigned char out[32])
{
    SHA256(p, n, out);
}

void pl_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    SHA256(p, n, d);
    pl_hex(d, 32, out);
}

void pl_md5_hex(const void *p, size_t n, char out[33])
{
    unsigned char d[16];
    unsigned int len = 16;
    EVP_Digest(p, n, d, &len, EVP_md5(), NULL);
    pl_hex(d, 16, out);
}

void pl_hmac_sha256(const void *key, size_t klen, const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, p, n, out, &len);
}

uint64_t pl_fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

size_t pl_base64(const unsigned char *p, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static void random_bytes(unsigned char *b, size_t n)
{
    if (RAND_bytes(b, (int)n) != 1) {
        fprintf(stderr, "plumb: no randomness available\n");
        abort();
    }
}

void pl_uuid(char out[37])
{
    unsigned char b[16];
    char hx[33];
    random_bytes(b, 16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    pl_hex(b, 16, hx);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
}

void pl_random_hex(size_t n, char *out)
{
    unsigned char b[64];
    while (n) {
        size_t k = n < sizeof(b) ? n : sizeof(b);
        random_bytes(b, k);
        pl_hex(b, k, out);
        out += 2 * k;
        n -= k;
    }
    *out = '\0';
}
