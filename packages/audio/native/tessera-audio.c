/*
 * @tessera/audio native backend: FLAC frame decoding (this file's own decoder, the same algorithm and
 * checks as src/flac/, bit-exact with it) and MP3 frame decoding (minimp3, CC0, compiled from the
 * header that the npm package `minimp3` ships; scripts/build-native.mjs prepares it). Both write
 * straight into the caller's planar output.
 *
 * Errors never cross as exceptions: a decode returns -1 and `lastError()` gives the message; the
 * JavaScript side then re-runs its own decoder on the same bytes to throw the typed error with the
 * exact message the WebAssembly/JavaScript path gives. Nothing here reads outside the input view or
 * writes outside the output view: every read is bounds-checked (bytes past the end read as zero and
 * a frame that needs them fails) and the output bounds are checked before any write.
 *
 * Every JavaScript thread gets its own scratch (napi instance data): decode workers call in concurrently.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include("minimp3.h")
#define TESSERA_HAVE_MINIMP3 1
#endif
#endif

#ifdef TESSERA_HAVE_MINIMP3
#define MINIMP3_IMPLEMENTATION
#define MINIMP3_FLOAT_OUTPUT
#include "minimp3.h"
#endif

/* ── per-thread state ───────────────────────────────────────────────────────────────────────── */
#define MAX_CHANNELS 8
#define MAX_LPC_ORDER 32

typedef struct {
  int32_t *narrow[MAX_CHANNELS];  /* per-channel samples, up to 24 bits per sample (side: 25) */
  int64_t *wide[MAX_CHANNELS];    /* per-channel samples, 25–32 bits per sample (side: 33) */
  int32_t *residual;              /* wide subframes' residuals */
  size_t narrowLength, wideLength, residualLength;
  char error[320];
#ifdef TESSERA_HAVE_MINIMP3
  mp3dec_t mp3;
  float pcm[MINIMP3_MAX_SAMPLES_PER_FRAME];
#endif
} State;

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  State *state = (State *)data;
  for (int c = 0; c < MAX_CHANNELS; c++) { free(state->narrow[c]); free(state->wide[c]); }
  free(state->residual);
  free(state);
}

static State *get_state(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data != NULL) return (State *)data;
  State *state = (State *)calloc(1, sizeof(State));
  if (state == NULL) return NULL;
  if (napi_set_instance_data(env, state, finalize_state, NULL) != napi_ok) { free(state); return NULL; }
  return state;
}

/* ── FLAC: bit reading ──────────────────────────────────────────────────────────────────────── */
typedef struct {
  const uint8_t *bytes;
  size_t base;        /* byte where bit position 0 is */
  size_t end;         /* bytes at or after this read as zero */
  uint64_t position;  /* bits since base */
  uint64_t fastLimit; /* positions below this have 8 readable bytes */
  jmp_buf *fail;
  State *state;
  size_t frameOffset;
} Bits;

static void fail_at(Bits *bits, const char *message) {
  snprintf(bits->state->error, sizeof bits->state->error, "FLAC frame at byte offset %zu: %s", bits->frameOffset, message);
  longjmp(*bits->fail, 1);
}

static inline uint64_t load_be64(const uint8_t *p) {
  uint64_t value;
  memcpy(&value, p, 8);
  return __builtin_bswap64(value);
}

/* The 64 bits at `position`, of which the top 57 are valid (zeros past `end`). */
static inline uint64_t peek64(const Bits *bits, uint64_t position) {
  size_t index = bits->base + (size_t)(position >> 3);
  unsigned shift = (unsigned)(position & 7);
  if (position < bits->fastLimit) return load_be64(bits->bytes + index) << shift;
  uint64_t word = 0;
  for (int k = 0; k < 8; k++) word = (word << 8) | (index + k < bits->end ? bits->bytes[index + k] : 0);
  return word << shift;
}

/* 0–57 bits, unsigned. */
static inline uint64_t read_bits(Bits *bits, unsigned count) {
  if (count == 0) return 0;
  uint64_t value = peek64(bits, bits->position) >> (64 - count);
  bits->position += count;
  return value;
}

/* 1–33 bits, two's complement. */
static inline int64_t read_signed(Bits *bits, unsigned count) {
  uint64_t value = read_bits(bits, count);
  uint64_t sign = (uint64_t)1 << (count - 1);
  return (int64_t)(value ^ sign) - (int64_t)sign;
}

static uint64_t read_unary(Bits *bits) {
  uint64_t count = 0;
  uint64_t limit = (uint64_t)(bits->end - bits->base) * 8;
  for (;;) {
    uint64_t word = peek64(bits, bits->position) >> 7 << 7; /* the 57 valid bits */
    if (word != 0) {
      unsigned zeros = (unsigned)__builtin_clzll(word);
      bits->position += zeros + 1;
      return count + zeros;
    }
    count += 57;
    bits->position += 57;
    if (bits->position > limit) {
      snprintf(bits->state->error, sizeof bits->state->error, "FLAC data ends inside a unary code");
      longjmp(*bits->fail, 1);
    }
  }
}

/* ── FLAC: CRCs ─────────────────────────────────────────────────────────────────────────────── */
static uint8_t crc8_table[256];
static uint16_t crc16_table[8][256];

static void build_crc_tables(void) {
  for (int byte = 0; byte < 256; byte++) {
    unsigned crc = (unsigned)byte;
    for (int bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    crc8_table[byte] = (uint8_t)crc;
    unsigned wide = (unsigned)byte << 8;
    for (int bit = 0; bit < 8; bit++) wide = wide & 0x8000 ? ((wide << 1) ^ 0x8005) & 0xffff : (wide << 1) & 0xffff;
    crc16_table[0][byte] = (uint16_t)wide;
  }
  /* slice-by-8: table[k][b] is the CRC of byte b followed by k zero bytes */
  for (int k = 1; k < 8; k++)
    for (int byte = 0; byte < 256; byte++) {
      uint16_t previous = crc16_table[k - 1][byte];
      crc16_table[k][byte] = (uint16_t)((previous << 8) ^ crc16_table[0][previous >> 8]);
    }
}

static unsigned flac_crc8(const uint8_t *bytes, size_t start, size_t end) {
  unsigned crc = 0;
  for (size_t i = start; i < end; i++) crc = crc8_table[crc ^ bytes[i]];
  return crc;
}

static unsigned flac_crc16(const uint8_t *bytes, size_t start, size_t end) {
  unsigned crc = 0;
  size_t i = start;
  for (; i + 8 <= end; i += 8) {
    const uint8_t *p = bytes + i;
    unsigned first = (unsigned)p[0] ^ (crc >> 8), second = (unsigned)p[1] ^ (crc & 0xff);
    crc = crc16_table[7][first] ^ crc16_table[6][second] ^ crc16_table[5][p[2]] ^ crc16_table[4][p[3]] ^
          crc16_table[3][p[4]] ^ crc16_table[2][p[5]] ^ crc16_table[1][p[6]] ^ crc16_table[0][p[7]];
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ crc16_table[0][(crc >> 8) ^ bytes[i]];
  return crc;
}

/* ── FLAC: frame header ─────────────────────────────────────────────────────────────────────── */
enum { LEFT_SIDE = 8, SIDE_RIGHT = 9, MID_SIDE = 10 };
static const int SAMPLE_RATES[12] = { 0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000 };
static const int SAMPLE_SIZES[8] = { 0, 8, 12, -1, 16, 20, 24, 32 };

typedef struct {
  unsigned blockSize, assignment, channels, bitsPerSample, byteLength;
} FrameHeader;

typedef struct {
  unsigned channels, bitsPerSample;
} StreamInfo;

static void header_fail(Bits *bits, const char *message) {
  snprintf(bits->state->error, sizeof bits->state->error, "%s", message);
  longjmp(*bits->fail, 1);
}

static void read_frame_header(Bits *bits, const uint8_t *bytes, size_t offset, size_t end, const StreamInfo *info, FrameHeader *header) {
  if (offset + 6 > end) header_fail(bits, "FLAC frame header truncated");
  unsigned byte1 = bytes[offset + 1];
  if (bytes[offset] != 0xff || (byte1 & 0xfe) != 0xf8) header_fail(bits, "no FLAC frame sync code");
  int variable = (byte1 & 1) == 1;
  unsigned byte2 = bytes[offset + 2], byte3 = bytes[offset + 3];
  unsigned blockSizeCode = byte2 >> 4, sampleRateCode = byte2 & 15, channelCode = byte3 >> 4, sampleSizeCode = (byte3 >> 1) & 7;
  if (blockSizeCode == 0 || sampleRateCode == 15 || channelCode > MID_SIDE || SAMPLE_SIZES[sampleSizeCode] < 0 || (byte3 & 1) != 0) {
    header_fail(bits, "FLAC frame header uses a reserved code");
  }
  size_t position = offset + 4;
  unsigned first = bytes[position++];
  unsigned extra;
  if (first < 0x80) extra = 0;
  else if (first >= 0xc0 && first < 0xfe) extra = (unsigned)__builtin_clz(~(first << 24)) - 1;
  else if (first == 0xfe) extra = 6;
  else header_fail(bits, "FLAC frame header has an invalid coded number byte");
  if (extra == 6 && !variable) header_fail(bits, "FLAC frame number is coded in 7 bytes");
  unsigned sizeBytes = blockSizeCode == 6 ? 1 : blockSizeCode == 7 ? 2 : 0;
  unsigned rateBytes = sampleRateCode == 12 ? 1 : sampleRateCode >= 13 ? 2 : 0;
  if (position + extra + sizeBytes + rateBytes + 1 > end) header_fail(bits, "FLAC frame header truncated");
  for (unsigned k = 0; k < extra; k++) {
    if ((bytes[position++] & 0xc0) != 0x80) header_fail(bits, "FLAC frame header coded number has an invalid continuation byte");
  }
  unsigned blockSize;
  if (blockSizeCode == 1) blockSize = 192;
  else if (blockSizeCode <= 5) blockSize = 576u << (blockSizeCode - 2);
  else if (blockSizeCode == 6) blockSize = bytes[position++] + 1u;
  else if (blockSizeCode == 7) { blockSize = (((unsigned)bytes[position] << 8) | bytes[position + 1]) + 1u; position += 2; }
  else blockSize = 256u << (blockSizeCode - 8);
  position += rateBytes;
  (void)SAMPLE_RATES;
  if (flac_crc8(bytes, offset, position) != bytes[position]) header_fail(bits, "FLAC frame header CRC-8 mismatch");
  header->blockSize = blockSize;
  header->assignment = channelCode;
  header->channels = channelCode <= 7 ? channelCode + 1 : 2;
  header->bitsPerSample = sampleSizeCode == 0 ? info->bitsPerSample : (unsigned)SAMPLE_SIZES[sampleSizeCode];
  header->byteLength = (unsigned)(position + 1 - offset);
}

/* ── FLAC: residual ─────────────────────────────────────────────────────────────────────────── */
static int32_t read_rice_slowly(Bits *bits, unsigned parameter) {
  uint64_t quotient = read_unary(bits);
  if (quotient >= ((uint64_t)1 << 32)) fail_at(bits, "residual overflows 32 bits");
  uint64_t value = (quotient << parameter) + read_bits(bits, parameter);
  if (value >= ((uint64_t)1 << 32)) fail_at(bits, "residual overflows 32 bits");
  return (int32_t)((uint32_t)(value >> 1) ^ (uint32_t)(-(int64_t)(value & 1)));
}

/* x86-64 Linux: also compiled for x86-64-v3 (BMI2 shifts, LZCNT), picked at load time by the CPU
 * (an ifunc): ~20% faster here, and never an illegal instruction on an older CPU. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define TESSERA_CLONES __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define TESSERA_CLONES
#endif

TESSERA_CLONES static void read_residual(Bits *bits, unsigned blockSize, unsigned order, int32_t *residuals) {
  unsigned method = (unsigned)read_bits(bits, 2);
  if (method > 1) fail_at(bits, "residual uses a reserved coding method");
  unsigned parameterBits = method == 0 ? 4 : 5;
  unsigned escape = method == 0 ? 15 : 31;
  unsigned partitionOrder = (unsigned)read_bits(bits, 4);
  unsigned partitionSize = blockSize >> partitionOrder;
  if ((partitionSize << partitionOrder) != blockSize || partitionSize < order) fail_at(bits, "residual partition order does not fit the block");
  unsigned partitions = 1u << partitionOrder;
  unsigned index = order;
  for (unsigned partition = 0; partition < partitions; partition++) {
    unsigned partitionEnd = (partition + 1) * partitionSize;
    unsigned parameter = (unsigned)read_bits(bits, parameterBits);
    if (parameter == escape) {
      unsigned raw = (unsigned)read_bits(bits, 5);
      if (raw == 0) { for (; index < partitionEnd; index++) residuals[index] = 0; }
      else for (; index < partitionEnd; index++) residuals[index] = (int32_t)read_signed(bits, raw);
      continue;
    }
    /* The next bits in a 64-bit cache (MSB first, `avail` of them valid, zeros below), reloaded when
     * fewer than 32 are left: a value is then a count of leading zeros and two shifts of the cache,
     * with no memory load on the critical path. */
    uint64_t position = bits->position;
    uint64_t cache = 0;
    unsigned avail = 0;
    for (; index < partitionEnd; index++) {
      if (avail < 32) {
        cache = peek64(bits, position);
        avail = 64 - (unsigned)(position & 7);
      }
      unsigned quotient = cache ? (unsigned)__builtin_clzll(cache) : 64;
      if (quotient > 31 - parameter) { /* the value would not fit 32 bits here: the careful path */
        bits->position = position;
        residuals[index] = read_rice_slowly(bits, parameter);
        position = bits->position;
        avail = 0;
        continue;
      }
      /* quotient + 1 + parameter <= 32 <= avail: the stop bit and the low bits are in the cache */
      cache = cache << quotient << 1;
      uint32_t value = (quotient << parameter) | (uint32_t)(cache >> 1 >> (63 - parameter));
      cache <<= parameter;
      unsigned used = quotient + 1 + parameter;
      avail -= used;
      position += used;
      residuals[index] = (int32_t)((value >> 1) ^ (0u - (value & 1)));
    }
    bits->position = position;
  }
}

/* ── FLAC: predictors ───────────────────────────────────────────────────────────────────────── */
static void restore_fixed32(int32_t *s, unsigned count, unsigned order) {
  if (order == 0 || count <= order) return;
  uint32_t *u = (uint32_t *)s;
  if (order == 1) for (unsigned i = 1; i < count; i++) u[i] += u[i - 1];
  else if (order == 2) for (unsigned i = 2; i < count; i++) u[i] += 2 * u[i - 1] - u[i - 2];
  else if (order == 3) for (unsigned i = 3; i < count; i++) u[i] += 3 * (u[i - 1] - u[i - 2]) + u[i - 3];
  else for (unsigned i = 4; i < count; i++) u[i] += 4 * (u[i - 1] + u[i - 3]) - 6 * u[i - 2] - u[i - 4];
}

static void restore_fixed64(int64_t *s, const int32_t *r, unsigned count, unsigned order) {
  for (unsigned i = order; i < count; i++) {
    int64_t prediction = 0;
    if (order == 1) prediction = s[i - 1];
    else if (order == 2) prediction = 2 * s[i - 1] - s[i - 2];
    else if (order == 3) prediction = 3 * (s[i - 1] - s[i - 2]) + s[i - 3];
    else if (order == 4) prediction = 4 * (s[i - 1] + s[i - 3]) - 6 * s[i - 2] - s[i - 4];
    s[i] = r[i] + prediction;
  }
}

/* int32 sums: exact when sum |c| × max |sample| < 2^31 (checked by the caller). */
static inline __attribute__((always_inline)) void lpc_narrow_order(int32_t *s, unsigned count, const int32_t *c, unsigned order, unsigned shift) {
  uint32_t *u = (uint32_t *)s;
  for (unsigned i = order; i < count; i++) {
    int32_t sum = 0;
    for (unsigned j = 0; j < order; j++) sum += c[j] * s[i - 1 - j];
    u[i] += (uint32_t)(sum >> shift);
  }
}

static void restore_lpc_narrow(int32_t *s, unsigned count, const int32_t *c, unsigned order, unsigned shift) {
  switch (order) {
#define ORDER(n) case n: lpc_narrow_order(s, count, c, n, shift); return;
    ORDER(1) ORDER(2) ORDER(3) ORDER(4) ORDER(5) ORDER(6) ORDER(7) ORDER(8)
    ORDER(9) ORDER(10) ORDER(11) ORDER(12)
#undef ORDER
    default: lpc_narrow_order(s, count, c, order, shift);
  }
}

static void restore_lpc_wide(int32_t *s, unsigned count, const int32_t *c, unsigned order, unsigned shift) {
  uint32_t *u = (uint32_t *)s;
  for (unsigned i = order; i < count; i++) {
    int64_t sum = 0;
    for (unsigned j = 0; j < order; j++) sum += (int64_t)c[j] * s[i - 1 - j];
    u[i] += (uint32_t)(int64_t)(sum >> shift);
  }
}

static void restore_lpc64(int64_t *s, const int32_t *r, unsigned count, const int32_t *c, unsigned order, unsigned shift) {
  for (unsigned i = order; i < count; i++) {
    int64_t sum = 0;
    for (unsigned j = 0; j < order; j++) sum += (int64_t)c[j] * s[i - 1 - j];
    s[i] = r[i] + (sum >> shift);
  }
}

/* ── FLAC: subframes and frames ─────────────────────────────────────────────────────────────── */
typedef struct {
  unsigned type, wasted;
} SubframeHeader;

static void read_subframe_header(Bits *bits, unsigned bitsPerSample, SubframeHeader *out) {
  unsigned head = (unsigned)read_bits(bits, 8);
  if (head & 0x80) fail_at(bits, "subframe padding bit is set");
  unsigned wasted = 0;
  if (head & 1) {
    uint64_t zeros = read_unary(bits);
    if (zeros + 1 >= bitsPerSample) fail_at(bits, "subframe has too many wasted bits");
    wasted = (unsigned)zeros + 1;
  }
  unsigned type = head >> 1;
  if (!(type <= 1 || (type >= 8 && type <= 12) || type >= 32)) fail_at(bits, "subframe uses a reserved type");
  out->type = type;
  out->wasted = wasted;
}

/* Reads LPC precision, shift and coefficients; returns 1 when int32 sums are exact. */
static int read_lpc_parameters(Bits *bits, unsigned order, unsigned sampleBits, int32_t *coefficients, unsigned *shiftOut) {
  unsigned precision = (unsigned)read_bits(bits, 4) + 1;
  if (precision == 16) fail_at(bits, "LPC coefficient precision code 15 is invalid");
  int64_t shift = read_signed(bits, 5);
  if (shift < 0) fail_at(bits, "LPC shift is negative");
  uint64_t absoluteSum = 0;
  for (unsigned j = 0; j < order; j++) {
    int32_t coefficient = (int32_t)read_signed(bits, precision);
    coefficients[j] = coefficient;
    absoluteSum += (uint64_t)(coefficient < 0 ? -(int64_t)coefficient : coefficient);
  }
  *shiftOut = (unsigned)shift;
  return (absoluteSum << (sampleBits - 1)) < ((uint64_t)1 << 31);
}

static void decode_subframe32(Bits *bits, int32_t *samples, unsigned blockSize, unsigned bitsPerSample) {
  SubframeHeader header;
  read_subframe_header(bits, bitsPerSample, &header);
  unsigned sampleBits = bitsPerSample - header.wasted;
  unsigned type = header.type;
  if (type == 0) {
    int32_t value = (int32_t)read_signed(bits, sampleBits);
    for (unsigned i = 0; i < blockSize; i++) samples[i] = value;
  } else if (type == 1) {
    for (unsigned i = 0; i < blockSize; i++) samples[i] = (int32_t)read_signed(bits, sampleBits);
  } else {
    unsigned order = type >= 32 ? type - 31 : type - 8;
    if (order > blockSize) fail_at(bits, "predictor order exceeds the block size");
    for (unsigned i = 0; i < order; i++) samples[i] = (int32_t)read_signed(bits, sampleBits);
    if (type >= 32) {
      int32_t coefficients[MAX_LPC_ORDER];
      unsigned shift;
      int narrow = read_lpc_parameters(bits, order, sampleBits, coefficients, &shift);
      read_residual(bits, blockSize, order, samples);
      if (narrow) restore_lpc_narrow(samples, blockSize, coefficients, order, shift);
      else restore_lpc_wide(samples, blockSize, coefficients, order, shift);
    } else {
      read_residual(bits, blockSize, order, samples);
      restore_fixed32(samples, blockSize, order);
    }
  }
  if (header.wasted != 0) {
    uint32_t *u = (uint32_t *)samples;
    for (unsigned i = 0; i < blockSize; i++) u[i] <<= header.wasted;
  }
}

static void decode_subframe64(Bits *bits, int64_t *samples, int32_t *residuals, unsigned blockSize, unsigned bitsPerSample) {
  SubframeHeader header;
  read_subframe_header(bits, bitsPerSample, &header);
  unsigned sampleBits = bitsPerSample - header.wasted;
  unsigned type = header.type;
  if (type == 0) {
    int64_t value = read_signed(bits, sampleBits);
    for (unsigned i = 0; i < blockSize; i++) samples[i] = value;
  } else if (type == 1) {
    for (unsigned i = 0; i < blockSize; i++) samples[i] = read_signed(bits, sampleBits);
  } else {
    unsigned order = type >= 32 ? type - 31 : type - 8;
    if (order > blockSize) fail_at(bits, "predictor order exceeds the block size");
    for (unsigned i = 0; i < order; i++) samples[i] = read_signed(bits, sampleBits);
    if (type >= 32) {
      int32_t coefficients[MAX_LPC_ORDER];
      unsigned shift;
      read_lpc_parameters(bits, order, sampleBits, coefficients, &shift);
      read_residual(bits, blockSize, order, residuals);
      restore_lpc64(samples, residuals, blockSize, coefficients, order, shift);
    } else {
      read_residual(bits, blockSize, order, residuals);
      restore_fixed64(samples, residuals, blockSize, order);
    }
  }
  if (header.wasted != 0) for (unsigned i = 0; i < blockSize; i++) samples[i] *= (int64_t)1 << header.wasted;
}

static int reserve(State *state, unsigned channels, unsigned blockSize, int wide) {
  size_t length = blockSize > MAX_LPC_ORDER ? blockSize : MAX_LPC_ORDER;
  if (wide) {
    if (state->wideLength < length) {
      for (unsigned c = 0; c < MAX_CHANNELS; c++) { free(state->wide[c]); state->wide[c] = NULL; }
      free(state->residual);
      state->residual = NULL;
      state->wideLength = 0;
      for (unsigned c = 0; c < MAX_CHANNELS; c++) if ((state->wide[c] = (int64_t *)malloc(length * sizeof(int64_t))) == NULL) return 0;
      if ((state->residual = (int32_t *)malloc(length * sizeof(int32_t))) == NULL) return 0;
      state->wideLength = length;
    }
  } else if (state->narrowLength < length) {
    for (unsigned c = 0; c < MAX_CHANNELS; c++) { free(state->narrow[c]); state->narrow[c] = NULL; }
    state->narrowLength = 0;
    for (unsigned c = 0; c < MAX_CHANNELS; c++) if ((state->narrow[c] = (int32_t *)malloc(length * sizeof(int32_t))) == NULL) return 0;
    state->narrowLength = length;
  }
  (void)channels;
  return 1;
}

/* Decodes the frame at bytes[offset]; returns the offset just past it. */
static size_t decode_frame(Bits *bits, const uint8_t *bytes, size_t offset, size_t end, const StreamInfo *info, FrameHeader *header) {
  bits->frameOffset = offset;
  read_frame_header(bits, bytes, offset, end, info, header);
  if (header->channels != info->channels) fail_at(bits, "frame channel count differs from STREAMINFO");
  if (header->bitsPerSample != info->bitsPerSample) fail_at(bits, "frame bits per sample differ from STREAMINFO");
  unsigned blockSize = header->blockSize, bps = header->bitsPerSample, assignment = header->assignment;
  int wide = bps > 24;
  if (!reserve(bits->state, header->channels, blockSize, wide)) {
    snprintf(bits->state->error, sizeof bits->state->error, "out of memory for FLAC scratch");
    longjmp(*bits->fail, 1);
  }
  bits->base = offset + header->byteLength;
  bits->end = end;
  bits->position = 0;
  bits->fastLimit = end - bits->base >= 8 ? (uint64_t)(end - bits->base - 8) * 8 : 0;
  for (unsigned c = 0; c < header->channels; c++) {
    int side = (assignment == LEFT_SIDE && c == 1) || (assignment == SIDE_RIGHT && c == 0) || (assignment == MID_SIDE && c == 1);
    unsigned subframeBits = side ? bps + 1 : bps;
    if (wide) decode_subframe64(bits, bits->state->wide[c], bits->state->residual, blockSize, subframeBits);
    else decode_subframe32(bits, bits->state->narrow[c], blockSize, subframeBits);
  }
  uint64_t aligned = (bits->position + 7) & ~(uint64_t)7;
  uint64_t footer = (uint64_t)bits->base + aligned / 8;
  if (footer + 2 > end) fail_at(bits, "frame is truncated");
  unsigned stored = ((unsigned)bytes[footer] << 8) | bytes[footer + 1];
  if (stored != flac_crc16(bytes, offset, (size_t)footer)) fail_at(bits, "frame CRC-16 mismatch");
  if (assignment >= LEFT_SIDE) {
    if (wide) {
      int64_t *a = bits->state->wide[0], *b = bits->state->wide[1];
      if (assignment == LEFT_SIDE) for (unsigned i = 0; i < blockSize; i++) b[i] = a[i] - b[i];
      else if (assignment == SIDE_RIGHT) for (unsigned i = 0; i < blockSize; i++) a[i] += b[i];
      else for (unsigned i = 0; i < blockSize; i++) {
        int64_t sideValue = b[i], mid = a[i] * 2 + (sideValue & 1);
        a[i] = (mid + sideValue) >> 1;
        b[i] = (mid - sideValue) >> 1;
      }
    } else {
      int32_t *a = bits->state->narrow[0], *b = bits->state->narrow[1];
      if (assignment == LEFT_SIDE) for (unsigned i = 0; i < blockSize; i++) b[i] = (int32_t)((uint32_t)a[i] - (uint32_t)b[i]);
      else if (assignment == SIDE_RIGHT) for (unsigned i = 0; i < blockSize; i++) a[i] = (int32_t)((uint32_t)a[i] + (uint32_t)b[i]);
      else for (unsigned i = 0; i < blockSize; i++) {
        int32_t sideValue = b[i];
        int32_t mid = (int32_t)(((uint32_t)a[i] << 1) | ((uint32_t)sideValue & 1));
        a[i] = (int32_t)((uint32_t)mid + (uint32_t)sideValue) >> 1;
        b[i] = (int32_t)((uint32_t)mid - (uint32_t)sideValue) >> 1;
      }
    }
  }
  return (size_t)footer + 2;
}

/* ── N-API helpers ──────────────────────────────────────────────────────────────────────────── */
#define CHECK(env, call) do { if ((call) != napi_ok) { napi_throw_error(env, "E_NATIVE", "tessera_audio: N-API call failed: " #call); return NULL; } } while (0)

static int get_view(napi_env env, napi_value value, napi_typedarray_type *type, void **data, size_t *length) {
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, value, type, length, data, &buffer, &offset) == napi_ok;
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static int get_double(napi_env env, napi_value value, double *out) { return napi_get_value_double(env, value, out) == napi_ok; }

/* flacDecode(frames: Uint8Array, channels, bitsPerSample, framesFirstSample, startSample, sampleCount,
 *            out: Float32Array | Int16Array | Int32Array, outOffset, rowStride) → samples written, or -1 */
static napi_value flac_decode(napi_env env, napi_callback_info callback) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(env, napi_get_cb_info(env, callback, &argc, argv, NULL, NULL));
  State *state = get_state(env);
  if (state == NULL || argc < 9) { napi_throw_error(env, "E_NATIVE", "tessera_audio: flacDecode needs 9 arguments"); return NULL; }
  napi_typedarray_type inType, outType;
  void *inData, *outData;
  size_t inLength, outLength;
  double channelsD, bpsD, framesFirst, startD, countD, outOffsetD, strideD;
  if (!get_view(env, argv[0], &inType, &inData, &inLength) || inType != napi_uint8_array || !get_view(env, argv[6], &outType, &outData, &outLength) ||
      !get_double(env, argv[1], &channelsD) || !get_double(env, argv[2], &bpsD) || !get_double(env, argv[3], &framesFirst) ||
      !get_double(env, argv[4], &startD) || !get_double(env, argv[5], &countD) || !get_double(env, argv[7], &outOffsetD) || !get_double(env, argv[8], &strideD)) {
    napi_throw_type_error(env, "E_NATIVE", "tessera_audio: flacDecode got an argument of the wrong type");
    return NULL;
  }
  if (outType != napi_float32_array && outType != napi_int16_array && outType != napi_int32_array) {
    napi_throw_type_error(env, "E_NATIVE", "tessera_audio: flacDecode writes a Float32Array, Int16Array or Int32Array");
    return NULL;
  }
  StreamInfo info = { (unsigned)channelsD, (unsigned)bpsD };
  if (info.channels < 1 || info.channels > MAX_CHANNELS || info.bitsPerSample < 4 || info.bitsPerSample > 32 || startD < framesFirst || countD < 0 || outOffsetD < 0 || strideD < 0 ||
      (outType == napi_int16_array && info.bitsPerSample > 16) ||
      (countD > 0 && outOffsetD + (info.channels - 1) * strideD + countD > (double)outLength)) {
    snprintf(state->error, sizeof state->error, "flacDecode arguments out of range");
    return number(env, -1);
  }
  const uint8_t *bytes = (const uint8_t *)inData;
  const size_t end = inLength;
  const double endSample = startD + countD;
  const size_t outOffset = (size_t)outOffsetD, stride = (size_t)strideD;
  const float scale = 1.0f / (float)((int64_t)1 << (info.bitsPerSample - 1));
  const double wideScale = 1.0 / (double)((int64_t)1 << (info.bitsPerSample - 1));
  jmp_buf fail;
  Bits bits = { .bytes = bytes, .fail = &fail, .state = state };
  FrameHeader header;
  /* volatile: read after a longjmp */
  volatile double frameFirstSample = framesFirst;
  volatile size_t offset = 0;
  if (setjmp(fail) != 0) return number(env, -1);
  while (frameFirstSample < endSample && offset < end) {
    offset = decode_frame(&bits, bytes, offset, end, &info, &header);
    double frameEnd = frameFirstSample + header.blockSize;
    double from = startD > frameFirstSample ? startD : frameFirstSample;
    double to = endSample < frameEnd ? endSample : frameEnd;
    if (from < to) {
      size_t sourceStart = (size_t)(from - frameFirstSample), count = (size_t)(to - from);
      size_t target = outOffset + (size_t)(from - startD);
      int wide = header.bitsPerSample > 24;
      for (unsigned c = 0; c < info.channels; c++) {
        size_t at = target + c * stride;
        if (wide) {
          const int64_t *source = state->wide[c] + sourceStart;
          if (outType == napi_float32_array) { float *o = (float *)outData + at; for (size_t i = 0; i < count; i++) o[i] = (float)((double)source[i] * wideScale); }
          else { int32_t *o = (int32_t *)outData + at; for (size_t i = 0; i < count; i++) o[i] = (int32_t)(uint32_t)(uint64_t)source[i]; }
        } else {
          const int32_t *source = state->narrow[c] + sourceStart;
          if (outType == napi_float32_array) { float *o = (float *)outData + at; for (size_t i = 0; i < count; i++) o[i] = (float)source[i] * scale; }
          else if (outType == napi_int16_array) { int16_t *o = (int16_t *)outData + at; for (size_t i = 0; i < count; i++) o[i] = (int16_t)source[i]; }
          else { int32_t *o = (int32_t *)outData + at; memcpy(o, source, count * sizeof(int32_t)); }
        }
      }
    }
    frameFirstSample = frameEnd;
  }
  double reached = endSample < frameFirstSample ? endSample : frameFirstSample;
  return number(env, reached - startD > 0 ? reached - startD : 0);
}

/* mp3DecodeFrames(frames: Uint8Array, offsets: Uint32Array, firsts: Float64Array, first, last, from, to,
 *                 channels, out: Float32Array, outOffset, rowStride) → the sample position reached, or -1.
 * Decodes frames first..last from a reset decoder and copies output samples [from, to) (positions
 * counted like `firsts`) into planar `out`. A frame whose bit reservoir is not yet filled yields
 * zeros (minimp3 skips it); the caller starts early enough that none of those are copied. */
static napi_value mp3_decode_frames(napi_env env, napi_callback_info callback) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(env, napi_get_cb_info(env, callback, &argc, argv, NULL, NULL));
  State *state = get_state(env);
  if (state == NULL || argc < 11) { napi_throw_error(env, "E_NATIVE", "tessera_audio: mp3DecodeFrames needs 11 arguments"); return NULL; }
#ifndef TESSERA_HAVE_MINIMP3
  snprintf(state->error, sizeof state->error, "this build of the native audio backend has no MP3 decoder");
  return number(env, -1);
#else
  napi_typedarray_type types[4];
  void *data[4];
  size_t lengths[4];
  double firstD, lastD, from, to, channelsD, outOffsetD, strideD;
  if (!get_view(env, argv[0], &types[0], &data[0], &lengths[0]) || types[0] != napi_uint8_array ||
      !get_view(env, argv[1], &types[1], &data[1], &lengths[1]) || types[1] != napi_uint32_array ||
      !get_view(env, argv[2], &types[2], &data[2], &lengths[2]) || types[2] != napi_float64_array ||
      !get_view(env, argv[8], &types[3], &data[3], &lengths[3]) || types[3] != napi_float32_array ||
      !get_double(env, argv[3], &firstD) || !get_double(env, argv[4], &lastD) || !get_double(env, argv[5], &from) || !get_double(env, argv[6], &to) ||
      !get_double(env, argv[7], &channelsD) || !get_double(env, argv[9], &outOffsetD) || !get_double(env, argv[10], &strideD)) {
    napi_throw_type_error(env, "E_NATIVE", "tessera_audio: mp3DecodeFrames got an argument of the wrong type");
    return NULL;
  }
  const uint8_t *bytes = (const uint8_t *)data[0];
  const uint32_t *offsets = (const uint32_t *)data[1];
  const double *firsts = (const double *)data[2];
  float *out = (float *)data[3];
  size_t first = (size_t)firstD, last = (size_t)lastD, channels = (size_t)channelsD, outOffset = (size_t)outOffsetD, stride = (size_t)strideD;
  if (firstD < 0 || lastD < firstD || last + 1 >= lengths[1] || last + 1 >= lengths[2] || (channels != 1 && channels != 2) || to < from || outOffsetD < 0 || strideD < 0 ||
      (to > from && outOffsetD + (double)(channels - 1) * strideD + (to - from) > (double)lengths[3]) || offsets[last + 1] > lengths[0]) {
    snprintf(state->error, sizeof state->error, "mp3DecodeFrames arguments out of range");
    return number(env, -1);
  }
  memset(&state->mp3, 0, sizeof state->mp3);
  mp3dec_init(&state->mp3);
  const size_t feedEnd = offsets[last + 1];
  double position = firsts[first];
  for (size_t frame = first; frame <= last && position < to; frame++) {
    size_t start = offsets[frame], frameBytes = offsets[frame + 1] - start;
    double frameSamples = firsts[frame + 1] - firsts[frame];
    if (offsets[frame + 1] < start || frameSamples < 0 || frameSamples > MINIMP3_MAX_SAMPLES_PER_FRAME / 2) {
      snprintf(state->error, sizeof state->error, "MP3 frame %zu: the index is not increasing", frame);
      return number(env, -1);
    }
    mp3dec_frame_info_t info;
    int samples = mp3dec_decode_frame(&state->mp3, bytes + start, (int)(feedEnd - start), state->pcm, &info);
    if ((size_t)info.frame_bytes != frameBytes || (samples != 0 && ((size_t)info.channels != channels || (double)samples != frameSamples))) {
      snprintf(state->error, sizeof state->error, "minimp3 decoded MP3 frame %zu as %d bytes, %d channels, %d samples; the index says %zu bytes, %zu channels, %.0f samples",
               frame, info.frame_bytes, info.channels, samples, frameBytes, channels, frameSamples);
      return number(env, -1);
    }
    double copyFrom = position > from ? position : from;
    double frameEnd = position + frameSamples;
    double copyTo = frameEnd < to ? frameEnd : to;
    if (copyTo > copyFrom) {
      size_t read = (size_t)(copyFrom - position), count = (size_t)(copyTo - copyFrom), write = outOffset + (size_t)(copyFrom - from);
      for (size_t c = 0; c < channels; c++) {
        float *o = out + write + c * stride;
        if (samples == 0) memset(o, 0, count * sizeof(float));
        else if (channels == 1) memcpy(o, state->pcm + read, count * sizeof(float));
        else { const float *p = state->pcm + read * 2 + c; for (size_t i = 0; i < count; i++) o[i] = p[2 * i]; }
      }
    }
    position = frameEnd;
  }
  return number(env, position);
#endif
}

static napi_value last_error(napi_env env, napi_callback_info callback) {
  (void)callback;
  State *state = get_state(env);
  napi_value result;
  napi_create_string_utf8(env, state == NULL ? "out of memory" : state->error, NAPI_AUTO_LENGTH, &result);
  return result;
}

static napi_value init_module(napi_env env, napi_value exports) {
  build_crc_tables();
  napi_property_descriptor properties[] = {
    { "flacDecode", NULL, flac_decode, NULL, NULL, NULL, napi_default, NULL },
    { "mp3DecodeFrames", NULL, mp3_decode_frames, NULL, NULL, NULL, napi_default, NULL },
    { "lastError", NULL, last_error, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  napi_value hasMp3;
#ifdef TESSERA_HAVE_MINIMP3
  napi_get_boolean(env, true, &hasMp3);
#else
  napi_get_boolean(env, false, &hasMp3);
#endif
  napi_set_named_property(env, exports, "hasMp3", hasMp3);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init_module)
