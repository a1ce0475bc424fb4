/*
 * @tessera/image native JPEG backend: decode with crop + DCT-domain scaling + area resize straight
 * into a caller-owned buffer, raw-pixel resize, and JPEG encode.
 *
 * libjpeg-turbo is not compiled here: the TurboJPEG 3 library shipped prebuilt inside the npm
 * package @julusian/jpeg-turbo is opened at run time with dlopen (its path comes from JavaScript),
 * so this file builds with Node's own headers only. Only the handful of TurboJPEG 3 entry points
 * and constants used below are declared (values from libjpeg-turbo's turbojpeg.h, ABI-stable).
 *
 * Every JavaScript thread gets its own TurboJPEG handles and scratch memory (napi instance data):
 * handles are not thread-safe, and decode workers call in concurrently.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ── the TurboJPEG 3 ABI subset ─────────────────────────────────────────────────────────────── */
typedef void *tjhandle;
typedef struct { int num; int denom; } tjscalingfactor;
typedef struct { int x; int y; int w; int h; } tjregion;
enum { TJINIT_COMPRESS = 0, TJINIT_DECOMPRESS = 1 };
enum { TJSAMP_444 = 0, TJSAMP_422, TJSAMP_420, TJSAMP_GRAY, TJSAMP_440, TJSAMP_411, TJSAMP_441 };
enum { TJPF_RGB = 0, TJPF_GRAY = 6 };
enum {
  TJPARAM_STOPONWARNING = 0, TJPARAM_NOREALLOC = 2, TJPARAM_QUALITY = 3, TJPARAM_SUBSAMP = 4, TJPARAM_JPEGWIDTH = 5,
  TJPARAM_JPEGHEIGHT = 6, TJPARAM_PRECISION = 7, TJPARAM_COLORSPACE = 8, TJPARAM_FASTUPSAMPLE = 9,
  TJPARAM_FASTDCT = 10, TJPARAM_OPTIMIZE = 11, TJPARAM_PROGRESSIVE = 12, TJPARAM_LOSSLESS = 15
};
static const int MCU_WIDTH[7] = { 8, 16, 16, 8, 8, 32, 8 };
/* sharp's default limitInputPixels (0x3FFF × 0x3FFF): larger headers are refused before any allocation */
#define MAX_PIXELS 268402689

static struct {
  tjhandle (*init)(int);
  void (*destroy)(tjhandle);
  char *(*error)(tjhandle);
  int (*set)(tjhandle, int, int);
  int (*get)(tjhandle, int);
  int (*header)(tjhandle, const unsigned char *, size_t);
  int (*scaling)(tjhandle, tjscalingfactor);
  int (*cropping)(tjhandle, tjregion);
  int (*decompress)(tjhandle, const unsigned char *, size_t, unsigned char *, int, int);
  int (*compress)(tjhandle, const unsigned char *, int, int, int, int, unsigned char **, size_t *);
  size_t (*bufferSize)(int, int, int);
} tj;
static void *library = NULL;
static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;

/* ── per-thread state ───────────────────────────────────────────────────────────────────────── */
typedef struct {
  tjhandle decompressor;
  tjhandle compressor;
  unsigned char *pixels; size_t pixelsSize;       /* decoded region */
  uint16_t *rows; size_t rowsSize;                /* horizontally resampled rows */
  int32_t *taps; size_t tapsSize;                 /* resampling tables */
  unsigned char *jpeg; size_t jpegSize;           /* encoder output */
} State;

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  State *state = (State *)data;
  if (state->decompressor) tj.destroy(state->decompressor);
  if (state->compressor) tj.destroy(state->compressor);
  free(state->pixels); free(state->rows); free(state->taps); free(state->jpeg);
  free(state);
}

static int grow(void **buffer, size_t *size, size_t needed) {
  if (*size >= needed) return 1;
  size_t next = needed + needed / 4 + 4096;
  void *grown = realloc(*buffer, next);
  if (grown == NULL) return 0;
  *buffer = grown; *size = next;
  return 1;
}

#define THROW(env, message) do { napi_throw_error(env, NULL, message); return NULL; } while (0)
#define CHECK(env, call) do { if ((call) != napi_ok) THROW(env, "tessera-jpeg: invalid arguments"); } while (0)

static State *state_of(napi_env env) {
  State *state = NULL;
  napi_get_instance_data(env, (void **)&state);
  return state;
}

static int bytes_arg(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  napi_typedarray_type type; napi_value buffer; size_t offset; void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array && type != napi_uint8_clamped_array) return 0;
  *data = (unsigned char *)raw;
  return 1;
}

static int int_arg(napi_env env, napi_value value, int *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static int double_arg(napi_env env, napi_value value, double *out) {
  return napi_get_value_double(env, value, out) == napi_ok;
}

/* Throws TurboJPEG's error message and drops the handle: after a failure mid-decode its state is
 * undefined, so the next call starts from a fresh one. */
static napi_value fail_decompressor(napi_env env, State *state) {
  char message[512];
  snprintf(message, sizeof message, "%s", tj.error(state->decompressor));
  tj.destroy(state->decompressor);
  state->decompressor = NULL;
  napi_throw_error(env, NULL, message);
  return NULL;
}

static tjhandle decompressor_of(napi_env env, State *state) {
  if (state->decompressor == NULL) state->decompressor = tj.init(TJINIT_DECOMPRESS);
  if (state->decompressor == NULL) napi_throw_error(env, NULL, "tessera-jpeg: tj3Init(decompress) failed");
  return state->decompressor;
}

/* ── area resampling ────────────────────────────────────────────────────────────────────────── */
/*
 * Output pixel d covers [start + d * scale, start + (d + 1) * scale) in source pixels; each
 * source pixel it overlaps contributes in proportion to the overlap (OpenCV's INTER_AREA, which
 * for enlargements is the same box-overlap rule). Weights are 12-bit fixed point summing to 4096.
 * Every output index gets exactly `taps` weights (zero-padded, the window shifted left at the
 * right border) so the inner loops have a fixed trip count.
 */
#define WEIGHT_BITS 12
#define WEIGHT_ONE (1 << WEIGHT_BITS)

static void build_taps(int32_t *first, int32_t *weights, int taps, double start, double length, int outCount, int sourceCount) {
  double scale = length / outCount;
  for (int d = 0; d < outCount; d++) {
    int32_t *w = weights + (size_t)d * taps;
    for (int t = 0; t < taps; t++) w[t] = 0;
    double a = start + d * scale, b = a + scale;
    /* clip the footprint to the source (rounding at the borders); empty → the nearest edge pixel */
    if (a < 0) a = 0;
    if (b > sourceCount) b = sourceCount;
    int index;
    if (b <= a) {
      index = a >= sourceCount ? sourceCount - 1 : (int)floor(a);
      int base = index + taps > sourceCount ? sourceCount - taps : index;
      if (base < 0) base = 0;
      first[d] = base; w[index - base] = WEIGHT_ONE;
      continue;
    }
    index = (int)floor(a);
    int last = (int)ceil(b) - 1;
    if (last >= sourceCount) last = sourceCount - 1;
    int count = last - index + 1;
    if (count > taps) count = taps;
    int base = index + taps > sourceCount ? sourceCount - taps : index;
    if (base < 0) base = 0;
    double total = b - a;
    int sum = 0, largest = index - base;
    for (int t = 0; t < count; t++) {
      double lo = index + t, hi = lo + 1;
      double overlap = (hi < b ? hi : b) - (lo > a ? lo : a);
      int value = (int)floor((overlap > 0 ? overlap : 0) / total * WEIGHT_ONE + 0.5);
      w[index - base + t] = value;
      sum += value;
      if (value > w[largest]) largest = index - base + t;
    }
    w[largest] += WEIGHT_ONE - sum;
    first[d] = base;
  }
}

/* x86-64 Linux: an AVX2 clone of the resampler, picked at load time when the CPU has it. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define RESAMPLE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RESAMPLE_CLONES
#endif

#define HORIZONTAL(TAPS, CHANNELS)                                                                         \
  for (int d = 0; d < outWidth; d++) {                                                                     \
    const unsigned char *p = sourceRow + firstX[d] * (CHANNELS);                                           \
    const int32_t *w = weightsX + d * (TAPS);                                                              \
    for (int c = 0; c < (CHANNELS); c++) {                                                                 \
      int32_t sum = 0;                                                                                     \
      for (int t = 0; t < (TAPS); t++) sum += w[t] * p[t * (CHANNELS) + c];                                \
      target[d * (CHANNELS) + c] = (uint16_t)((sum + 8) >> 4);                                             \
    }                                                                                                      \
  }

/*
 * Resample the rectangle (x, y, w, h) (fractional, in source pixels) of `source` (sourceWidth ×
 * sourceHeight × channels, rows `sourceStride` bytes apart) to outWidth × outHeight in `out`.
 */
RESAMPLE_CLONES
static int resample(State *state, const unsigned char *source, int sourceWidth, int sourceHeight, int sourceStride, int channels,
                    double x, double y, double w, double h, unsigned char *out, int outWidth, int outHeight) {
  if (w == outWidth && h == outHeight && x == floor(x) && y == floor(y)) {
    /* pure crop: copy rows */
    int rowBytes = outWidth * channels;
    for (int row = 0; row < outHeight; row++) memcpy(out + (size_t)row * rowBytes, source + (size_t)((int)y + row) * sourceStride + (size_t)x * channels, rowBytes);
    return 1;
  }
  int tapsX = (int)ceil(w / outWidth) + 1, tapsY = (int)ceil(h / outHeight) + 1;
  if (tapsX > sourceWidth) tapsX = sourceWidth;
  if (tapsY > sourceHeight) tapsY = sourceHeight;
  size_t tapsNeeded = (size_t)outWidth * (tapsX + 1) + (size_t)outHeight * (tapsY + 1);
  if (!grow((void **)&state->taps, &state->tapsSize, tapsNeeded * sizeof(int32_t))) return 0;
  int32_t *firstX = state->taps, *weightsX = firstX + outWidth;
  int32_t *firstY = weightsX + (size_t)outWidth * tapsX, *weightsY = firstY + outHeight;
  build_taps(firstX, weightsX, tapsX, x, w, outWidth, sourceWidth);
  build_taps(firstY, weightsY, tapsY, y, h, outHeight, sourceHeight);
  int firstRow = firstY[0], endRow = firstY[outHeight - 1] + tapsY;
  int rowCount = endRow - firstRow;
  size_t rowValues = (size_t)outWidth * channels;
  if (!grow((void **)&state->rows, &state->rowsSize, rowValues * rowCount * sizeof(uint16_t))) return 0;
  /* horizontal pass: rows [firstRow, endRow) → 16-bit values scaled by 256 */
  for (int r = 0; r < rowCount; r++) {
    const unsigned char *sourceRow = source + (size_t)(firstRow + r) * sourceStride;
    uint16_t *target = state->rows + rowValues * r;
    if (channels == 3 && tapsX == 2) { HORIZONTAL(2, 3) }
    else if (channels == 3 && tapsX == 3) { HORIZONTAL(3, 3) }
    else if (channels == 1 && tapsX == 2) { HORIZONTAL(2, 1) }
    else if (channels == 1 && tapsX == 3) { HORIZONTAL(3, 1) }
    else { HORIZONTAL(tapsX, channels) }
  }
  /* vertical pass */
  for (int d = 0; d < outHeight; d++) {
    const int32_t *weight = weightsY + (size_t)d * tapsY;
    unsigned char *target = out + (size_t)d * rowValues;
    const uint16_t *base = state->rows + rowValues * (firstY[d] - firstRow);
    if (tapsY == 2) {
      int32_t w0 = weight[0], w1 = weight[1];
      const uint16_t *next = base + rowValues;
      for (size_t i = 0; i < rowValues; i++) target[i] = (unsigned char)((w0 * base[i] + w1 * next[i] + (1 << 19)) >> 20);
    } else if (tapsY == 3) {
      int32_t w0 = weight[0], w1 = weight[1], w2 = weight[2];
      const uint16_t *next = base + rowValues, *after = next + rowValues;
      for (size_t i = 0; i < rowValues; i++) target[i] = (unsigned char)((w0 * base[i] + w1 * next[i] + w2 * after[i] + (1 << 19)) >> 20);
    } else {
      for (size_t i = 0; i < rowValues; i++) {
        int32_t sum = 0;
        for (int t = 0; t < tapsY; t++) sum += weight[t] * base[rowValues * t + i];
        target[i] = (unsigned char)((sum + (1 << 19)) >> 20);
      }
    }
  }
  return 1;
}

/* ── exported functions ─────────────────────────────────────────────────────────────────────── */

/* loadLibrary(path): opens libturbojpeg once per process. */
static napi_value load_library(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; char path[4096]; size_t length;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length));
  pthread_mutex_lock(&library_lock);
  if (library == NULL) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
      char message[4300];
      snprintf(message, sizeof message, "dlopen(%s) failed: %s", path, dlerror());
      pthread_mutex_unlock(&library_lock);
      THROW(env, message);
    }
#define SYMBOL(field, name) *(void **)&tj.field = dlsym(handle, name); if (tj.field == NULL) { pthread_mutex_unlock(&library_lock); THROW(env, "libturbojpeg lacks " name " (TurboJPEG 3 is needed)"); }
    SYMBOL(init, "tj3Init") SYMBOL(destroy, "tj3Destroy") SYMBOL(error, "tj3GetErrorStr") SYMBOL(set, "tj3Set")
    SYMBOL(get, "tj3Get") SYMBOL(header, "tj3DecompressHeader") SYMBOL(scaling, "tj3SetScalingFactor")
    SYMBOL(cropping, "tj3SetCroppingRegion") SYMBOL(decompress, "tj3Decompress8") SYMBOL(compress, "tj3Compress8")
    SYMBOL(bufferSize, "tj3JPEGBufSize")
#undef SYMBOL
    library = handle;
  }
  pthread_mutex_unlock(&library_lock);
  if (state_of(env) == NULL) {
    State *state = (State *)calloc(1, sizeof(State));
    if (state == NULL) THROW(env, "tessera-jpeg: out of memory");
    napi_set_instance_data(env, state, finalize_state, NULL);
  }
  return NULL;
}

/* header(jpeg, out Int32Array(6)): width, height, subsampling, colorspace, precision, lossless. Returns false if not a JPEG. */
static napi_value header(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; unsigned char *jpeg; size_t jpegLength; napi_value result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!bytes_arg(env, argv[0], &jpeg, &jpegLength)) THROW(env, "header(): jpeg must be a Uint8Array");
  napi_typedarray_type type; size_t count; void *raw; napi_value buffer; size_t offset;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &type, &count, &raw, &buffer, &offset));
  if (type != napi_int32_array || count < 6) THROW(env, "header(): out must be an Int32Array(6)");
  State *state = state_of(env);
  if (state == NULL) THROW(env, "tessera-jpeg: loadLibrary() first");
  tjhandle handle = decompressor_of(env, state);
  if (handle == NULL) return NULL;
  int ok = tj.header(handle, jpeg, jpegLength) == 0;
  if (!ok) { tj.destroy(handle); state->decompressor = NULL; }
  if (ok) {
    int32_t *out = (int32_t *)raw;
    out[0] = tj.get(handle, TJPARAM_JPEGWIDTH); out[1] = tj.get(handle, TJPARAM_JPEGHEIGHT);
    out[2] = tj.get(handle, TJPARAM_SUBSAMP); out[3] = tj.get(handle, TJPARAM_COLORSPACE);
    out[4] = tj.get(handle, TJPARAM_PRECISION); out[5] = tj.get(handle, TJPARAM_LOSSLESS);
  }
  napi_get_boolean(env, ok, &result);
  return result;
}

/*
 * decode(jpeg, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight, flags)
 * Decodes the crop (in image pixels) of `jpeg` resized to outWidth × outHeight into `out` (HWC,
 * `channels` 1 or 3). flags: 1 = fast integer IDCT (FFCV's choice), 2 = allow DCT-domain scaling.
 * Returns the scale numerator used (of 8).
 */
static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 10; napi_value argv[10]; unsigned char *jpeg, *out; size_t jpegLength, outLength;
  int channels, cropX, cropY, cropWidth, cropHeight, outWidth, outHeight, flags;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10 || !bytes_arg(env, argv[0], &jpeg, &jpegLength) || !int_arg(env, argv[1], &channels) || !int_arg(env, argv[2], &cropX) ||
      !int_arg(env, argv[3], &cropY) || !int_arg(env, argv[4], &cropWidth) || !int_arg(env, argv[5], &cropHeight) ||
      !bytes_arg(env, argv[6], &out, &outLength) || !int_arg(env, argv[7], &outWidth) || !int_arg(env, argv[8], &outHeight) ||
      !int_arg(env, argv[9], &flags)) THROW(env, "decode(): invalid arguments");
  if (channels != 1 && channels != 3) THROW(env, "decode(): channels must be 1 or 3");
  if (outWidth < 1 || outHeight < 1 || (size_t)outWidth * outHeight * channels > outLength) THROW(env, "decode(): out is too small");
  State *state = state_of(env);
  if (state == NULL) THROW(env, "tessera-jpeg: loadLibrary() first");
  tjhandle handle = decompressor_of(env, state);
  if (handle == NULL) return NULL;
  if (tj.header(handle, jpeg, jpegLength) != 0) return fail_decompressor(env, state);
  int width = tj.get(handle, TJPARAM_JPEGWIDTH), height = tj.get(handle, TJPARAM_JPEGHEIGHT);
  int subsampling = tj.get(handle, TJPARAM_SUBSAMP), lossless = tj.get(handle, TJPARAM_LOSSLESS) == 1;
  if ((double)width * height > MAX_PIXELS) {
    char message[200];
    snprintf(message, sizeof message, "decode(): the JPEG is %dx%d, more than %d pixels (a corrupt or hostile header?)", width, height, MAX_PIXELS);
    tj.destroy(handle); state->decompressor = NULL;
    THROW(env, message);
  }
  if (cropX < 0 || cropY < 0 || cropWidth < 1 || cropHeight < 1 || cropX + cropWidth > width || cropY + cropHeight > height) {
    char message[200];
    snprintf(message, sizeof message, "decode(): crop %dx%d at (%d, %d) is outside the %dx%d image", cropWidth, cropHeight, cropX, cropY, width, height);
    tj.destroy(handle); state->decompressor = NULL;
    THROW(env, message);
  }
  tj.set(handle, TJPARAM_STOPONWARNING, 1);
  tj.set(handle, TJPARAM_FASTDCT, (flags & 1) ? 1 : 0);
  tj.set(handle, TJPARAM_FASTUPSAMPLE, 0);
  int pixelFormat = channels == 3 ? TJPF_RGB : TJPF_GRAY;
  /* DCT-domain scaling: the smallest of 1/8, 2/8, 4/8, 8/8 that keeps the crop at least as large as the output */
  int numerator = 8;
  if ((flags & 2) && !lossless) {
    const int candidates[3] = { 1, 2, 4 };
    for (int i = 0; i < 3; i++) {
      int n = candidates[i];
      if ((double)cropWidth * n / 8 >= outWidth && (double)cropHeight * n / 8 >= outHeight) { numerator = n; break; }
    }
  }
  tjscalingfactor factor = { 1, 8 / numerator }; /* 1/8, 1/4, 1/2, 1/1 */
  if (tj.scaling(handle, factor) != 0) return fail_decompressor(env, state);
  int scaledWidth = (width * numerator + 7) / 8, scaledHeight = (height * numerator + 7) / 8;
  double fx = cropX * numerator / 8.0, fy = cropY * numerator / 8.0, fw = cropWidth * numerator / 8.0, fh = cropHeight * numerator / 8.0;
  int whole = cropX == 0 && cropY == 0 && cropWidth == width && cropHeight == height;
  if (whole && numerator == 8 && outWidth == width && outHeight == height) {
    /* straight into the output */
    tjregion none = { 0, 0, 0, 0 };
    if (tj.cropping(handle, none) != 0) return fail_decompressor(env, state);
    if (tj.decompress(handle, jpeg, jpegLength, out, outWidth * channels, pixelFormat) != 0) return fail_decompressor(env, state);
    napi_value result; napi_create_int32(env, numerator, &result); return result;
  }
  tjregion region = { 0, 0, 0, 0 };
  int regionWidth = scaledWidth, regionHeight = scaledHeight;
  if (!whole && !lossless && subsampling >= 0 && subsampling < 7) {
    int mcu = subsampling == TJSAMP_GRAY ? 8 : MCU_WIDTH[subsampling];
    int mcuScaled = mcu * numerator / 8;
    if (mcuScaled < 1) mcuScaled = 1;
    /* 2 pixels of context on every side: chroma upsampling (4:2:0 "fancy" upsampling) at a region
     * edge replicates the edge, so the crop's own pixels must not sit on the region's edge */
    int x0 = (int)floor(fx) - 2, y0 = (int)floor(fy) - 2;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    x0 -= x0 % mcuScaled;
    int x1 = (int)ceil(fx + fw) + 2, y1 = (int)ceil(fy + fh) + 2;
    if (x1 > scaledWidth) x1 = scaledWidth;
    if (y1 > scaledHeight) y1 = scaledHeight;
    region.x = x0; region.y = y0; region.w = x1 - x0; region.h = y1 - y0;
    regionWidth = region.w; regionHeight = region.h;
  }
  if (tj.cropping(handle, region) != 0) return fail_decompressor(env, state);
  size_t needed = (size_t)regionWidth * regionHeight * channels;
  if (!grow((void **)&state->pixels, &state->pixelsSize, needed)) THROW(env, "tessera-jpeg: out of memory");
  if (tj.decompress(handle, jpeg, jpegLength, state->pixels, regionWidth * channels, pixelFormat) != 0) return fail_decompressor(env, state);
  if (!resample(state, state->pixels, regionWidth, regionHeight, regionWidth * channels, channels, fx - region.x, fy - region.y, fw, fh, out, outWidth, outHeight)) {
    THROW(env, "tessera-jpeg: resample failed (scale too large or out of memory)");
  }
  napi_value result; napi_create_int32(env, numerator, &result); return result;
}

/* resize(source, width, height, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight) for raw pixels. */
static napi_value resize(napi_env env, napi_callback_info info) {
  size_t argc = 11; napi_value argv[11]; unsigned char *source, *out; size_t sourceLength, outLength;
  int width, height, channels, outWidth, outHeight; double cropX, cropY, cropWidth, cropHeight;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11 || !bytes_arg(env, argv[0], &source, &sourceLength) || !int_arg(env, argv[1], &width) || !int_arg(env, argv[2], &height) ||
      !int_arg(env, argv[3], &channels) || !double_arg(env, argv[4], &cropX) || !double_arg(env, argv[5], &cropY) ||
      !double_arg(env, argv[6], &cropWidth) || !double_arg(env, argv[7], &cropHeight) || !bytes_arg(env, argv[8], &out, &outLength) ||
      !int_arg(env, argv[9], &outWidth) || !int_arg(env, argv[10], &outHeight)) THROW(env, "resize(): invalid arguments");
  if (channels < 1 || channels > 4 || width < 1 || height < 1 || (size_t)width * height * channels > sourceLength) THROW(env, "resize(): source is too small");
  if (outWidth < 1 || outHeight < 1 || (size_t)outWidth * outHeight * channels > outLength) THROW(env, "resize(): out is too small");
  if (cropX < 0 || cropY < 0 || cropWidth <= 0 || cropHeight <= 0 || cropX + cropWidth > width + 1e-9 || cropY + cropHeight > height + 1e-9) THROW(env, "resize(): crop outside the image");
  State *state = state_of(env);
  if (state == NULL) THROW(env, "tessera-jpeg: loadLibrary() first");
  if (!resample(state, source, width, height, width * channels, channels, cropX, cropY, cropWidth, cropHeight, out, outWidth, outHeight)) {
    THROW(env, "tessera-jpeg: resample failed (scale too large or out of memory)");
  }
  return NULL;
}

/* encode(pixels, width, height, channels, quality) → Uint8Array JPEG (4:2:0 for RGB, grayscale for 1 channel, baseline, accurate DCT). */
static napi_value encode(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5]; unsigned char *pixels; size_t pixelsLength; int width, height, channels, quality;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5 || !bytes_arg(env, argv[0], &pixels, &pixelsLength) || !int_arg(env, argv[1], &width) || !int_arg(env, argv[2], &height) ||
      !int_arg(env, argv[3], &channels) || !int_arg(env, argv[4], &quality)) THROW(env, "encode(): invalid arguments");
  if ((channels != 1 && channels != 3) || width < 1 || height < 1 || (size_t)width * height * channels > pixelsLength) THROW(env, "encode(): pixels too small");
  State *state = state_of(env);
  if (state == NULL) THROW(env, "tessera-jpeg: loadLibrary() first");
  if (state->compressor == NULL) state->compressor = tj.init(TJINIT_COMPRESS);
  if (state->compressor == NULL) THROW(env, "tessera-jpeg: tj3Init(compress) failed");
  tjhandle handle = state->compressor;
  int subsampling = channels == 3 ? TJSAMP_420 : TJSAMP_GRAY;
  tj.set(handle, TJPARAM_QUALITY, quality);
  tj.set(handle, TJPARAM_SUBSAMP, subsampling);
  tj.set(handle, TJPARAM_FASTDCT, 0);
  tj.set(handle, TJPARAM_OPTIMIZE, 0);
  tj.set(handle, TJPARAM_PROGRESSIVE, 0);
  tj.set(handle, TJPARAM_NOREALLOC, 1);
  size_t capacity = tj.bufferSize(width, height, subsampling);
  if (!grow((void **)&state->jpeg, &state->jpegSize, capacity)) THROW(env, "tessera-jpeg: out of memory");
  unsigned char *target = state->jpeg; size_t size = state->jpegSize;
  if (tj.compress(handle, pixels, width, 0, height, channels == 3 ? TJPF_RGB : TJPF_GRAY, &target, &size) != 0) {
    char message[512];
    snprintf(message, sizeof message, "%s", tj.error(handle));
    tj.destroy(state->compressor);
    state->compressor = NULL;
    THROW(env, message);
  }
  void *data; napi_value arrayBuffer, result;
  CHECK(env, napi_create_arraybuffer(env, size, &data, &arrayBuffer));
  memcpy(data, target, size);
  CHECK(env, napi_create_typedarray(env, napi_uint8_array, size, arrayBuffer, 0, &result));
  return result;
}

static napi_value init_module(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    { "loadLibrary", NULL, load_library, NULL, NULL, NULL, napi_default, NULL },
    { "header", NULL, header, NULL, NULL, NULL, napi_default, NULL },
    { "decode", NULL, decode, NULL, NULL, NULL, napi_default, NULL },
    { "resize", NULL, resize, NULL, NULL, NULL, napi_default, NULL },
    { "encode", NULL, encode, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init_module)
