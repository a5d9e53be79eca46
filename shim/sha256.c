/* SPDX-License-Identifier: MIT */
/* sha256.c: compact SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for fingerprints; stack only. */
#include <string.h>

#include "ct.h"

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	unsigned char block[64];
	size_t fill; /* bytes waiting in block */
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	size_t i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof iv);
	s->total = 0;
	s->fill = 0;
}

static void sha_update(struct sha256 *s, const unsigned char *p, size_t n)
{
	s->total += n;
	if (s->fill) {
		size_t take = 64 - s->fill < n ? 64 - s->fill : n;
		memcpy(s->block + s->fill, p, take);
		s->fill += take, p += take, n -= take;
		if (s->fill < 64)
			return;
		compress(s->h, s->block);
		s->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(s->h, p);
	if (n)
		memcpy(s->block, p, n);
	s->fill = n;
}

static void sha_final(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->total * 8;
	size_t i;

	s->block[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->block + s->fill, 0, 64 - s->fill);
		compress(s->h, s->block);
		s->fill = 0;
	}
	memset(s->block + s->fill, 0, 56 - s->fill);
	for (i = 0; i < 8; i++)
		s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	compress(s->h, s->block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

/* Plain SHA-256: not in ct.h (nothing in the shim hashes without a key), here for the FIPS 180
 * vectors of tests/unit/shim_secret.c. */
void ct_sha256(const unsigned char *msg, size_t n, unsigned char out[32]) CT_HIDDEN;
void ct_sha256(const unsigned char *msg, size_t n, unsigned char out[32])
{
	struct sha256 s;
	sha_init(&s);
	sha_update(&s, msg, n);
	sha_final(&s, out);
}

/* The states after the key's two padded blocks: every fingerprint under one key starts from them,
 * which saves two of the five or so compressions a short value costs. */
void ct_hmac_prepare(const unsigned char *key, size_t keylen, struct ct_hmac_pre *p)
{
	unsigned char k[64], pad[64];
	struct sha256 s;
	int i;
	memset(k, 0, sizeof k);
	if (keylen > 64) {
		sha_init(&s);
		sha_update(&s, key, keylen);
		sha_final(&s, k);
	} else if (keylen) {
		memcpy(k, key, keylen);
	}
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(&s);
	sha_update(&s, pad, 64);
	memcpy(p->ih, s.h, sizeof p->ih);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(&s);
	sha_update(&s, pad, 64);
	memcpy(p->oh, s.h, sizeof p->oh);
	for (i = 0; i < 64; i++)
		((volatile unsigned char *)k)[i] = 0, ((volatile unsigned char *)pad)[i] = 0,
		                         ((volatile unsigned char *)s.block)[i] = 0;
}

void ct_hmac_sha256_pre(const struct ct_hmac_pre *p, const unsigned char *msg, size_t n,
                        unsigned char out[32])
{
	unsigned char inner[32];
	struct sha256 s;
	memcpy(s.h, p->ih, sizeof s.h);
	s.total = 64;
	s.fill = 0;
	sha_update(&s, msg, n);
	sha_final(&s, inner);
	memcpy(s.h, p->oh, sizeof s.h);
	s.total = 64;
	s.fill = 0;
	sha_update(&s, inner, 32);
	sha_final(&s, out);
}

/* HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)), K' = K padded to 64 bytes, or H(K) when longer:
 * the prepared states are exactly the two padded key blocks. */
void ct_hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t n,
                    unsigned char out[32])
{
	struct ct_hmac_pre p;
	ct_hmac_prepare(key, keylen, &p);
	ct_hmac_sha256_pre(&p, msg, n, out);
	for (size_t i = 0; i < sizeof p; i++) /* the states are as good as the key */
		((volatile unsigned char *)&p)[i] = 0;
}
