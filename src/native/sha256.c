/*
 * SHA-256 for the walker: SHA-NI where the CPU has it (x86-64 since Zen and
 * Goldmont/Ice Lake: as fast as OpenSSL), portable C otherwise. Our own code,
 * because Electron links BoringSSL and exports no OpenSSL symbols an addon
 * could call. Checked against node:crypto by test/integration/native-walk.test.ts.
 */
#include "digest.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <cpuid.h>
#endif
static const uint32_t K[64] = {
0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};
#define ROR(x,n) (((x)>>(n))|((x)<<(32-(n))))
static void blocks_portable(uint32_t s[8], const uint8_t *p, size_t n) {
  while (n--) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4*i]<<24 | (uint32_t)p[4*i+1]<<16 | (uint32_t)p[4*i+2]<<8 | p[4*i+3];
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = ROR(w[i-15],7) ^ ROR(w[i-15],18) ^ (w[i-15]>>3);
      uint32_t s1 = ROR(w[i-2],17) ^ ROR(w[i-2],19) ^ (w[i-2]>>10);
      w[i] = w[i-16] + s0 + w[i-7] + s1;
    }
    uint32_t a=s[0],b=s[1],c=s[2],d=s[3],e=s[4],f=s[5],g=s[6],h=s[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (ROR(e,6)^ROR(e,11)^ROR(e,25)) + ((e&f)^(~e&g)) + K[i] + w[i];
      uint32_t t2 = (ROR(a,2)^ROR(a,13)^ROR(a,22)) + ((a&b)^(a&c)^(b&c));
      h=g; g=f; f=e; e=d+t1; d=c; c=b; b=a; a=t1+t2;
    }
    s[0]+=a; s[1]+=b; s[2]+=c; s[3]+=d; s[4]+=e; s[5]+=f; s[6]+=g; s[7]+=h;
    p += 64;
  }
}
#if defined(__x86_64__) || defined(__i386__)
/*
 * Four rounds a step (sha256rnds2 twice), the message schedule kept four
 * words a register in M0..M3: step i uses M[i%4] and, from step 3 to 14,
 * completes M[(i+1)%4] with sha256msg2; from step 1 to 12 starts M[(i-1)%4]
 * with sha256msg1. Written out, so the compiler keeps every word in a register.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t s[8], const uint8_t *p, size_t n) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i TMP = _mm_loadu_si128((const __m128i *)&s[0]);
  __m128i S1 = _mm_loadu_si128((const __m128i *)&s[4]);
  TMP = _mm_shuffle_epi32(TMP, 0xB1);
  S1 = _mm_shuffle_epi32(S1, 0x1B);
  __m128i S0 = _mm_alignr_epi8(TMP, S1, 8);
  S1 = _mm_blend_epi16(S1, TMP, 0xF0);
  while (n--) {
    __m128i A = S0, C = S1, X, T;
    __m128i M0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p)), MASK);
    __m128i M1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), MASK);
    __m128i M2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), MASK);
    __m128i M3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), MASK);
    X = _mm_add_epi32(M0, _mm_loadu_si128((const __m128i *)&K[0]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    X = _mm_add_epi32(M1, _mm_loadu_si128((const __m128i *)&K[4]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M0 = _mm_sha256msg1_epu32(M0, M1);
    X = _mm_add_epi32(M2, _mm_loadu_si128((const __m128i *)&K[8]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M1 = _mm_sha256msg1_epu32(M1, M2);
    X = _mm_add_epi32(M3, _mm_loadu_si128((const __m128i *)&K[12]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M3, M2, 4); M0 = _mm_sha256msg2_epu32(_mm_add_epi32(M0, T), M3);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M2 = _mm_sha256msg1_epu32(M2, M3);
    X = _mm_add_epi32(M0, _mm_loadu_si128((const __m128i *)&K[16]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M0, M3, 4); M1 = _mm_sha256msg2_epu32(_mm_add_epi32(M1, T), M0);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M3 = _mm_sha256msg1_epu32(M3, M0);
    X = _mm_add_epi32(M1, _mm_loadu_si128((const __m128i *)&K[20]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M1, M0, 4); M2 = _mm_sha256msg2_epu32(_mm_add_epi32(M2, T), M1);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M0 = _mm_sha256msg1_epu32(M0, M1);
    X = _mm_add_epi32(M2, _mm_loadu_si128((const __m128i *)&K[24]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M2, M1, 4); M3 = _mm_sha256msg2_epu32(_mm_add_epi32(M3, T), M2);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M1 = _mm_sha256msg1_epu32(M1, M2);
    X = _mm_add_epi32(M3, _mm_loadu_si128((const __m128i *)&K[28]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M3, M2, 4); M0 = _mm_sha256msg2_epu32(_mm_add_epi32(M0, T), M3);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M2 = _mm_sha256msg1_epu32(M2, M3);
    X = _mm_add_epi32(M0, _mm_loadu_si128((const __m128i *)&K[32]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M0, M3, 4); M1 = _mm_sha256msg2_epu32(_mm_add_epi32(M1, T), M0);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M3 = _mm_sha256msg1_epu32(M3, M0);
    X = _mm_add_epi32(M1, _mm_loadu_si128((const __m128i *)&K[36]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M1, M0, 4); M2 = _mm_sha256msg2_epu32(_mm_add_epi32(M2, T), M1);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M0 = _mm_sha256msg1_epu32(M0, M1);
    X = _mm_add_epi32(M2, _mm_loadu_si128((const __m128i *)&K[40]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M2, M1, 4); M3 = _mm_sha256msg2_epu32(_mm_add_epi32(M3, T), M2);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M1 = _mm_sha256msg1_epu32(M1, M2);
    X = _mm_add_epi32(M3, _mm_loadu_si128((const __m128i *)&K[44]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M3, M2, 4); M0 = _mm_sha256msg2_epu32(_mm_add_epi32(M0, T), M3);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M2 = _mm_sha256msg1_epu32(M2, M3);
    X = _mm_add_epi32(M0, _mm_loadu_si128((const __m128i *)&K[48]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M0, M3, 4); M1 = _mm_sha256msg2_epu32(_mm_add_epi32(M1, T), M0);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    M3 = _mm_sha256msg1_epu32(M3, M0);
    X = _mm_add_epi32(M1, _mm_loadu_si128((const __m128i *)&K[52]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M1, M0, 4); M2 = _mm_sha256msg2_epu32(_mm_add_epi32(M2, T), M1);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    X = _mm_add_epi32(M2, _mm_loadu_si128((const __m128i *)&K[56]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    T = _mm_alignr_epi8(M2, M1, 4); M3 = _mm_sha256msg2_epu32(_mm_add_epi32(M3, T), M2);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    X = _mm_add_epi32(M3, _mm_loadu_si128((const __m128i *)&K[60]));
    S1 = _mm_sha256rnds2_epu32(S1, S0, X);
    X = _mm_shuffle_epi32(X, 0x0E);
    S0 = _mm_sha256rnds2_epu32(S0, S1, X);
    S0 = _mm_add_epi32(S0, A); S1 = _mm_add_epi32(S1, C);
    p += 64;
  }
  TMP = _mm_shuffle_epi32(S0, 0x1B);
  S1 = _mm_shuffle_epi32(S1, 0xB1);
  S0 = _mm_blend_epi16(TMP, S1, 0xF0);
  S1 = _mm_alignr_epi8(S1, TMP, 8);
  _mm_storeu_si128((__m128i *)&s[0], S0);
  _mm_storeu_si128((__m128i *)&s[4], S1);
}
static int has_shani(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  if (!(b & (1u << 29))) return 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}
#endif
typedef void (*blocks_fn)(uint32_t *, const uint8_t *, size_t);
static blocks_fn pick(void) {
  /* For the tests: the portable code is what runs on CPUs without the extensions. */
  const char *force = getenv("PEDIGREE_SHA256_PORTABLE");
  if (force && *force && *force != '0') return blocks_portable;
#if defined(__x86_64__) || defined(__i386__)
  if (has_shani()) return blocks_shani;
#endif
  return blocks_portable;
}
size_t pd_final_blocks(const uint8_t *data, size_t len, int bigEndianLength, uint8_t tail[128]) {
  size_t rem = len % 64;
  size_t n = rem + 9 <= 64 ? 64 : 128;
  memset(tail, 0, n);
  memcpy(tail, data + (len - rem), rem);
  tail[rem] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[bigEndianLength ? n - 1 - i : n - 8 + i] = (uint8_t)(bits >> (8 * i));
  return n / 64;
}

/* Chosen once (cpuid traps to the hypervisor in a VM: not a per-file cost); walker threads may race to store the same value. */
static blocks_fn chosen;

static blocks_fn implementation(void) {
  blocks_fn fn = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
  if (!fn) {
    fn = pick();
    __atomic_store_n(&chosen, fn, __ATOMIC_RELEASE);
  }
  return fn;
}

int pd_sha256_accelerated(void) { return implementation() != blocks_portable; }

void pd_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  blocks_fn fn = implementation();
  uint32_t s[8] = {0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
  fn(s, data, len / 64);
  uint8_t tail[128];
  fn(s, tail, pd_final_blocks(data, len, 1, tail));
  for (int i = 0; i < 8; i++) { out[4*i] = s[i] >> 24; out[4*i+1] = s[i] >> 16; out[4*i+2] = s[i] >> 8; out[4*i+3] = s[i]; }
}
