/* SPDX-License-Identifier: MIT */
/* sha256.c: compact SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for fingerprints; stack only. */
#include <string.h>

#include "ct.h"

#if defined(__x86_64__) && __has_include(<sys/platform/x86.h>)
#define CT_SHA_NI 1
#include <immintrin.h>
/* The header's inline CPU_FEATURE_ACTIVE calls __x86_get_cpuid_feature_leaf, new in glibc 2.33: call it
 * through the pointer found at start instead (compat.c), so that the shim loads on older glibc. */
#define __x86_get_cpuid_feature_leaf ct_cpuid_feature_leaf
#include <sys/platform/x86.h>
#undef __x86_get_cpuid_feature_leaf
#endif

void *ct_g_cpuid_leaf CT_HIDDEN;

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

static void compress_c(uint32_t h[8], const unsigned char *p)
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

#if defined(CT_SHA_NI)
/* The same compression with the SHA extensions (Intel SHA-NI, AMD Zen): about a tenth of the
 * instructions. At start-up every credential in the environment is fingerprinted, and the portable
 * compression was an eighth of the shim's start-up work. The state is kept as ABEF/CDGH words,
 * the layout sha256rnds2 works on; four rounds per step, the message schedule four words at once. */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_ni(uint32_t h[8], const unsigned char *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);  /* CDAB */
	__m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* EFGH */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);                                        /* ABEF */
	__m128i m[4], abef, cdgh;
	s1 = _mm_blend_epi16(s1, t, 0xF0); /* CDGH */
	abef = s0;
	cdgh = s1;
	for (size_t j = 0; j < 16; j++) {
		__m128i w;
		if (j < 4) {
			w = m[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * j)), bswap);
		} else { /* W[t..t+3] from W[t-16..t-1]: m holds the last sixteen, oldest at j & 3 */
			w = _mm_sha256msg1_epu32(m[j & 3], m[(j + 1) & 3]);
			w = _mm_add_epi32(w, _mm_alignr_epi8(m[(j + 3) & 3], m[(j + 2) & 3], 4));
			w = m[j & 3] = _mm_sha256msg2_epu32(w, m[(j + 3) & 3]);
		}
		t = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K[4 * j]));
		s1 = _mm_sha256rnds2_epu32(s1, s0, t);
		s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(t, 0x0E));
	}
	s0 = _mm_add_epi32(s0, abef);
	s1 = _mm_add_epi32(s1, cdgh);
	t = _mm_shuffle_epi32(s0, 0x1B);                                  /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);                                 /* DCHG */
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, s1, 0xF0)); /* DCBA */
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, t, 8));    /* HGFE */
}

/* -1 not asked yet, 0 portable, 1 SHA-NI. A race between threads asks twice and agrees. */
static int use_ni = -1;

/* What ld.so found at start (glibc 2.33+): no cpuid of our own, which in a VM is an exit to the
 * hypervisor costing tens of microseconds (two of them were a tenth of a traced /bin/true). */
const struct cpuid_feature *ct_cpuid_feature_leaf(unsigned int leaf)
{
	static const struct cpuid_feature none; /* no feature: the portable compression */
	const struct cpuid_feature *(*fn)(unsigned int) =
	    (const struct cpuid_feature *(*)(unsigned int))ct_g_cpuid_leaf;

	return fn ? fn(leaf) : &none;
}

static int cpu_has_sha(void)
{
	return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3);
}
#endif

/* Tests compare the two: 1 forces the portable compression, 0 lets the CPU decide again. */
void ct_sha256_portable(int on) CT_HIDDEN;
void ct_sha256_portable(int on)
{
#if defined(CT_SHA_NI)
	__atomic_store_n(&use_ni, on ? 0 : -1, __ATOMIC_RELAXED);
#else
	(void)on;
#endif
}

static void compress(uint32_t h[8], const unsigned char *p)
{
#if defined(CT_SHA_NI)
	int ni = __atomic_load_n(&use_ni, __ATOMIC_RELAXED);
	if (CT_UNLIKELY(ni < 0)) {
		ni = cpu_has_sha();
		__atomic_store_n(&use_ni, ni, __ATOMIC_RELAXED);
	}
	if (ni) {
		compress_ni(h, p);
		return;
	}
#endif
	compress_c(h, p);
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
