/*
 * The walker's native half (POSIX): lists a folder, and stats its regular
 * files (hashing the small ones on a first index), one folder at a time, writing straight into the
 * walker's packed batch (src/main/scan/file-batch.ts). Node's fs costs a JS
 * call, a validation and an object per open, fstat, read and close; done
 * here, a file costs its syscalls and its SHA-256 and nothing else. The JS
 * walker (src/workers/walk.ts) keeps every decision: what is ignored, what is
 * a folder to walk, what a link is, what each failure means. This file only
 * answers, for the names it is given, what the same calls would have told it.
 *
 * Nothing is executed and nothing is followed: files are opened with
 * O_NOFOLLOW | O_NONBLOCK (a link or a FIFO raced in under the name is
 * refused, never waited on), O_NOATIME where the kernel allows it.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include "digest.h"

#ifndef O_NOATIME
#define O_NOATIME 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* As src/main/scan/protocol.ts and file-batch.ts define them. */
enum { ENTRY_OTHER = 0, ENTRY_FILE = 1, ENTRY_DIR = 2 };
enum { FLAG_LINKED = 2, FLAG_DVC = 4, FLAG_HASHED = 8 };
enum { HEAD_BYTES = 64 };

/* What became of each name given to hashFiles (report[4 * k], see walk-native.ts). */
enum {
  ST_HASHED = 0,   /* added to the batch with its digests */
  ST_LISTED = 1,   /* added, not read (bigger than the small-file limit, or listing only): the hash pool reads it if need be */
  ST_UNSTABLE = 2, /* added; it changed while it was read */
  ST_IO = 3,       /* added; a read failed (report[4k+1] = errno) */
  ST_GONE = 4,     /* not there any more: nothing to list */
  ST_FALLBACK = 5, /* not opened here (a link raced in, a permission, not a regular file): the JS walker lists it */
};

/* For the tests (PEDIGREE_NATIVE_TEST_NO_DTYPE=1, read when the addon loads): list as on a file system whose readdir gives no types. */
static int no_dtype;

#define CHECK(call)                                  \
  do {                                               \
    if ((call) != napi_ok) return throw_napi(env);   \
  } while (0)

static napi_value throw_napi(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "EPEDIGREENATIVE", info && info->error_message ? info->error_message : "native call failed");
  return NULL;
}

static int bytes_of(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) {
    bool is_buffer = false;
    if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return -1;
    return napi_get_buffer_info(env, v, data, len) == napi_ok ? 0 : -1;
  }
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return -1;
  size_t unit = 1;
  switch (type) {
    case napi_uint32_array: case napi_int32_array: case napi_float32_array: unit = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: unit = 8; break;
    case napi_uint16_array: case napi_int16_array: unit = 2; break;
    default: unit = 1;
  }
  *len = length * unit;
  return 0;
}

/* A NUL-terminated copy; NULL when the bytes hold a NUL (the path would name another file) or memory is short. */
static char *cstring(const void *bytes, size_t len) {
  if (memchr(bytes, 0, len)) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  memcpy(s, bytes, len);
  s[len] = 0;
  return s;
}

static napi_value number(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

/* A typed array over a fresh copy of `len` bytes. */
static napi_value typed_copy(napi_env env, napi_typedarray_type type, size_t unit, const void *src, size_t len) {
  void *dst;
  napi_value ab, out;
  if (napi_create_arraybuffer(env, len, &dst, &ab) != napi_ok) return NULL;
  if (len) memcpy(dst, src, len);
  if (napi_create_typedarray(env, type, len / unit, ab, 0, &out) != napi_ok) return NULL;
  return out;
}

/*
 * listFolder(path: Buffer): { names: Uint8Array, ends: Uint32Array, types: Uint8Array } | number
 * The folder's entries as readdir gives them (without . and ..), or -errno.
 */
static napi_value list_folder(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *pathBytes;
  size_t pathLen;
  if (argc < 1 || bytes_of(env, argv[0], &pathBytes, &pathLen) != 0) {
    napi_throw_type_error(env, NULL, "listFolder(path: Buffer)");
    return NULL;
  }
  if (memchr(pathBytes, 0, pathLen)) return number(env, -EINVAL);
  char *path = cstring(pathBytes, pathLen);
  if (!path) return number(env, -ENOMEM);
  int unknownTypes = __atomic_load_n(&no_dtype, __ATOMIC_RELAXED);
  (void)unknownTypes;
  DIR *dir = opendir(path);
  int err = dir ? 0 : errno;
  free(path);
  if (!dir) return number(env, -err);

  size_t cap = 256, n = 0, ncap = 8192, nlen = 0;
  uint32_t *ends = malloc(cap * sizeof *ends);
  uint8_t *types = malloc(cap);
  uint8_t *names = malloc(ncap);
  for (;;) {
    if (!ends || !types || !names) { err = ENOMEM; break; }
    errno = 0;
    struct dirent *e = readdir(dir);
    if (!e) { err = errno; break; }
    const char *name = e->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    size_t len = strlen(name);
    if (n == cap) {
      uint32_t *moreEnds = realloc(ends, cap * 2 * sizeof *ends);
      if (moreEnds) ends = moreEnds;
      uint8_t *moreTypes = moreEnds ? realloc(types, cap * 2) : NULL;
      if (moreTypes) types = moreTypes;
      if (!moreEnds || !moreTypes) { err = ENOMEM; break; }
      cap *= 2;
    }
    if (nlen + len > ncap) {
      size_t want = ncap;
      while (nlen + len > want) want *= 2;
      uint8_t *moreNames = realloc(names, want);
      if (!moreNames) { err = ENOMEM; break; }
      names = moreNames;
      ncap = want;
    }
    memcpy(names + nlen, name, len);
    nlen += len;
    ends[n] = (uint32_t)nlen;
    int type = -1;
#ifdef _DIRENT_HAVE_D_TYPE
    if (!unknownTypes && e->d_type != DT_UNKNOWN) type = e->d_type == DT_REG ? ENTRY_FILE : e->d_type == DT_DIR ? ENTRY_DIR : ENTRY_OTHER;
#endif
    if (type < 0) {
      /* File systems that give no type (some NFS and XFS): lstat decides, as Node's readdir does. */
      struct stat st;
      type = fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? ENTRY_OTHER : S_ISREG(st.st_mode) ? ENTRY_FILE : S_ISDIR(st.st_mode) ? ENTRY_DIR : ENTRY_OTHER;
    }
    types[n] = (uint8_t)type;
    n++;
  }
  closedir(dir);
  napi_value result = NULL;
  if (err) result = number(env, -err);
  else {
    napi_value vNames = typed_copy(env, napi_uint8_array, 1, names, nlen);
    napi_value vEnds = typed_copy(env, napi_uint32_array, 4, ends, n * 4);
    napi_value vTypes = typed_copy(env, napi_uint8_array, 1, types, n);
    if (vNames && vEnds && vTypes && napi_create_object(env, &result) == napi_ok) {
      napi_set_named_property(env, result, "names", vNames);
      napi_set_named_property(env, result, "ends", vEnds);
      napi_set_named_property(env, result, "types", vTypes);
    } else result = NULL;
  }
  free(ends);
  free(types);
  free(names);
  if (!result) return throw_napi(env);
  return result;
}

static int64_t ns_of(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

#if defined(__APPLE__)
#define MTIM(st) (st).st_mtimespec
#define CTIM(st) (st).st_ctimespec
#else
#define MTIM(st) (st).st_mtim
#define CTIM(st) (st).st_ctim
#endif

static int open_for_hash(int dirfd, const char *name) {
  int flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC;
  int fd;
  do fd = openat(dirfd, name, flags | O_NOATIME);
  while (fd < 0 && errno == EINTR);
  /* O_NOATIME is only for the file's owner. */
  if (fd < 0 && errno == EPERM && O_NOATIME) {
    do fd = openat(dirfd, name, flags);
    while (fd < 0 && errno == EINTR);
  }
  return fd;
}

/* Reads up to `max` bytes, stopping once `expected` came (the fstat after tells a file that grew). -errno on failure. */
static ssize_t read_small(int fd, uint8_t *buf, size_t max, size_t expected) {
  size_t n = 0;
  while (n < max) {
    ssize_t got = read(fd, buf + n, max - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (got == 0) break;
    n += (size_t)got;
    if (n == expected) break;
  }
  return (ssize_t)n;
}

struct batch {
  uint8_t *paths; size_t pathsCap;
  uint32_t *pathEnds; size_t cap;
  double *sizes;
  int64_t *times;
  uint64_t *ids;
  uint8_t *flags;
  uint8_t *sha256;
  uint8_t *md5;
  uint8_t *heads;
  uint8_t *headLens;
};

static int batch_field(napi_env env, napi_value obj, const char *key, void **data, size_t *len) {
  napi_value v;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return -1;
  return bytes_of(env, v, data, len);
}

static int batch_of(napi_env env, napi_value obj, struct batch *b) {
  size_t len;
  void *p;
  if (batch_field(env, obj, "paths", &p, &b->pathsCap)) return -1;
  b->paths = p;
  if (batch_field(env, obj, "pathEnds", &p, &len)) return -1;
  b->pathEnds = p;
  b->cap = len / 4;
#define FIELD(key, member, unit)                                        \
  if (batch_field(env, obj, key, &p, &len) || len < b->cap * (unit)) return -1; \
  b->member = p;
  FIELD("sizes", sizes, 8)
  FIELD("times", times, 16)
  FIELD("ids", ids, 16)
  FIELD("flags", flags, 1)
  FIELD("sha256", sha256, 32)
  FIELD("md5", md5, 16)
  FIELD("heads", heads, HEAD_BYTES)
  FIELD("headLens", headLens, 1)
#undef FIELD
  return 0;
}

/*
 * A folder's stamp: 128 bits mixed from every file added to the batch, in
 * order (name, flags but FLAG_HASHED, inode, device, size, mtime, ctime), with
 * MurmurHash3's x64 128-bit block mixing. Two listings of a folder get the
 * same stamp when they added the same files with the same stats; a re-scan
 * whose listing of a folder has the index's stamp for it has nothing to do
 * there (src/workers/walk.ts). Not cryptographic: it guards against chance,
 * not against someone forging stats, which a stat comparison cannot do either.
 */
static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline void stamp_block(uint64_t s[2], uint64_t k1, uint64_t k2) {
  const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; s[0] ^= k1;
  s[0] = rotl64(s[0], 27); s[0] += s[1]; s[0] = s[0] * 5 + 0x52dce729;
  k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; s[1] ^= k2;
  s[1] = rotl64(s[1], 31); s[1] += s[0]; s[1] = s[1] * 5 + 0x38495ab5;
}

/*
 * The stamps this addon makes (exported as stampVersion): the walker uses an
 * addon's stamps only when it knows their version, so an addon built from
 * other sources never passes a stamp it did not compute as unchanged.
 */
enum { STAMP_VERSION = 1 };

static void stamp_entry(uint64_t s[2], const char *name, size_t len, uint8_t flags, const struct stat *st) {
  /* FLAG_HASHED is set later, after the read; masked all the same, so a listing and a first index's hashing mix the same bytes. */
  stamp_block(s, (uint64_t)len, (uint64_t)(flags & ~FLAG_HASHED));
  stamp_block(s, (uint64_t)st->st_ino, (uint64_t)st->st_dev);
  stamp_block(s, (uint64_t)st->st_size, (uint64_t)ns_of(MTIM(*st)));
  for (size_t o = 0; o < len; o += 16) {
    uint64_t k[2] = {0, 0};
    memcpy(k, name + o, len - o < 16 ? len - o : 16);
    stamp_block(s, k[0], k[1]);
  }
  /* The ctime, paired with a constant (2^64 / the golden ratio) as the block's other half. */
  stamp_block(s, (uint64_t)ns_of(CTIM(*st)), 0x9e3779b97f4a7c15ULL);
}

/*
 * hashFiles(folder: Buffer, names: Uint8Array, ends: Uint32Array, picks: Uint32Array,
 *           pickFlags: Uint8Array, relPrefix: Uint8Array, smallMax: number,
 *           batch: FileBatch, at: number, pathAt: number, report: Float64Array,
 *           stamp?: Uint8Array): number
 *
 * For each picked entry of the folder (picks[k] indexes names/ends), in order:
 * open it, fstat, and if it is a regular file add it to the batch at the next
 * index from `at` (its path relPrefix + name from `pathAt`), then if it is no
 * bigger than smallMax read it whole, fstat again and, if nothing changed,
 * set its SHA-256 (and MD5 where pickFlags[k] has FLAG_DVC) and head.
 * A negative smallMax lists without opening anything (fstatat, links not
 * followed): a re-scan compares stats and reads only what changed.
 * report[4k..4k+3] = status, errno, bytes read, size after. Returns the number
 * of files added. The caller makes room: `at + picks` files and the paths' bytes.
 * `stamp` (16 bytes, where given): the folder's stamp so far, each file added
 * mixed into it (see stamp_entry); a folder given in several calls carries it over.
 */
static napi_value hash_files(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11) {
    napi_throw_type_error(env, NULL, "hashFiles: 11 arguments, and a stamp");
    return NULL;
  }
  void *folderBytes, *names, *ends, *picks, *pickFlags, *prefix, *report;
  size_t folderLen, namesLen, endsLen, picksLen, pickFlagsLen, prefixLen, reportLen;
  double smallMaxD, atD, pathAtD;
  struct batch b;
  if (bytes_of(env, argv[0], &folderBytes, &folderLen) || bytes_of(env, argv[1], &names, &namesLen) || bytes_of(env, argv[2], &ends, &endsLen) ||
      bytes_of(env, argv[3], &picks, &picksLen) || bytes_of(env, argv[4], &pickFlags, &pickFlagsLen) || bytes_of(env, argv[5], &prefix, &prefixLen) ||
      napi_get_value_double(env, argv[6], &smallMaxD) != napi_ok || batch_of(env, argv[7], &b) || napi_get_value_double(env, argv[8], &atD) != napi_ok ||
      napi_get_value_double(env, argv[9], &pathAtD) != napi_ok || bytes_of(env, argv[10], &report, &reportLen)) {
    napi_throw_type_error(env, NULL, "hashFiles: bad arguments");
    return NULL;
  }
  /* The stamp, carried in the caller's bytes (copied in and out: they need not be aligned). */
  void *stampBytes = NULL;
  size_t stampLen = 0;
  napi_valuetype stampType = napi_undefined;
  if (argc >= 12 && napi_typeof(env, argv[11], &stampType) == napi_ok && stampType != napi_undefined &&
      (bytes_of(env, argv[11], &stampBytes, &stampLen) || stampLen < 16)) {
    napi_throw_type_error(env, NULL, "hashFiles: the stamp must be 16 bytes");
    return NULL;
  }
  uint64_t stamp[2] = {0, 0};
  if (stampBytes) memcpy(stamp, stampBytes, 16);
  size_t count = picksLen / 4, nEntries = endsLen / 4;
  /* Whole, non-negative, and inside the batch (a negative `at` would wrap and pass a sum check). */
  if (!(atD >= 0 && atD <= (double)b.cap && atD == (double)(size_t)atD) || !(pathAtD >= 0 && pathAtD <= (double)b.pathsCap && pathAtD == (double)(size_t)pathAtD) ||
      !(smallMaxD < 0 || smallMaxD == (double)(size_t)smallMaxD)) {
    napi_throw_range_error(env, NULL, "hashFiles: at, pathAt and smallMax must be whole numbers inside the batch");
    return NULL;
  }
  /* A negative limit: list with fstatat alone, open nothing. */
  int statOnly = smallMaxD < 0;
  size_t at = (size_t)atD, pathAt = (size_t)pathAtD, smallMax = statOnly ? 0 : (size_t)smallMaxD;
  const uint32_t *pk = picks, *en = ends;
  const uint8_t *nm = names, *pf = pickFlags, *px = prefix;
  double *rep = report;
  if (pickFlagsLen < count || reportLen < count * 4 * sizeof(double) || count > b.cap - at) {
    napi_throw_range_error(env, NULL, "hashFiles: the batch or the report has no room for every pick");
    return NULL;
  }
  /* Room for the paths, checked up front: nothing is written past the caller's arrays. */
  size_t need = pathAt;
  for (size_t k = 0; k < count; k++) {
    uint32_t i = pk[k];
    if (i >= nEntries) { napi_throw_range_error(env, NULL, "hashFiles: pick out of range"); return NULL; }
    size_t start = i == 0 ? 0 : en[i - 1];
    if (en[i] < start || en[i] > namesLen) { napi_throw_range_error(env, NULL, "hashFiles: bad name ends"); return NULL; }
    need += prefixLen + (en[i] - start);
  }
  if (need > b.pathsCap || need < pathAt) {
    napi_throw_range_error(env, NULL, "hashFiles: the batch's path bytes have no room");
    return NULL;
  }

  char *folder = cstring(folderBytes, folderLen);
  int dirfd = folder ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  free(folder);
  /* Files up to 64 KiB are read into the stack; bigger small files into one buffer made when first needed. */
  uint8_t stackBuf[65536 + 1];
  uint8_t *big = NULL;
  size_t added = 0;
  char name[4096];
  for (size_t k = 0; k < count; k++) {
    double *r = rep + 4 * k;
    r[0] = ST_FALLBACK; r[1] = 0; r[2] = 0; r[3] = 0;
    if (dirfd < 0) continue;
    uint32_t i = pk[k];
    size_t start = i == 0 ? 0 : en[i - 1], len = en[i] - start;
    if (len >= sizeof name) continue;
    memcpy(name, nm + start, len);
    name[len] = 0;
    if (memchr(name, 0, len)) continue;
    struct stat before, after;
    int fd = -1;
    if (statOnly) {
      /* A re-scan: the stat decides whether the file is read at all (by the hash pool, later). */
      if (fstatat(dirfd, name, &before, AT_SYMLINK_NOFOLLOW) != 0) {
        r[0] = errno == ENOENT ? ST_GONE : ST_FALLBACK;
        r[1] = errno;
        continue;
      }
      if (!S_ISREG(before.st_mode)) continue;
    } else {
      fd = open_for_hash(dirfd, name);
      if (fd < 0) {
        r[0] = errno == ENOENT ? ST_GONE : ST_FALLBACK;
        r[1] = errno;
        continue;
      }
      if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        close(fd);
        continue;
      }
    }
    size_t j = at + added++;
    memcpy(b.paths + pathAt, px, prefixLen);
    memcpy(b.paths + pathAt + prefixLen, name, len);
    pathAt += prefixLen + len;
    b.pathEnds[j] = (uint32_t)pathAt;
    b.sizes[j] = (double)before.st_size;
    b.times[2 * j] = ns_of(MTIM(before));
    b.times[2 * j + 1] = ns_of(CTIM(before));
    b.ids[2 * j] = (uint64_t)before.st_ino;
    b.ids[2 * j + 1] = (uint64_t)before.st_dev;
    b.flags[j] = pf[k] | (before.st_nlink > 1 ? FLAG_LINKED : 0);
    b.headLens[j] = 0;
    if (stampBytes) stamp_entry(stamp, name, len, b.flags[j], &before);
    size_t size = (size_t)before.st_size;
    if (statOnly || size > smallMax) {
      r[0] = ST_LISTED;
      if (fd >= 0) close(fd);
      continue;
    }
    uint8_t *buf = stackBuf;
    if (size + 1 > sizeof stackBuf) {
      if (!big) big = malloc(smallMax + 1);
      if (!big) { r[0] = ST_IO; r[1] = ENOMEM; close(fd); continue; }
      buf = big;
    }
    /* One byte more than the stat said may come: the file grew. */
    ssize_t n = read_small(fd, buf, size + 1, size);
    int afterOk = n >= 0 && fstat(fd, &after) == 0;
    int afterErr = errno;
    close(fd);
    if (n < 0) { r[0] = ST_IO; r[1] = (double)-n; continue; }
    if (!afterOk) { r[0] = ST_IO; r[1] = afterErr; continue; }
    r[2] = (double)n;
    r[3] = (double)after.st_size;
    if ((size_t)n != size || after.st_size != before.st_size || ns_of(MTIM(after)) != ns_of(MTIM(before)) || ns_of(CTIM(after)) != ns_of(CTIM(before))) {
      r[0] = ST_UNSTABLE;
      continue;
    }
    pd_sha256(buf, size, b.sha256 + 32 * j);
    if (pf[k] & FLAG_DVC) pd_md5(buf, size, b.md5 + 16 * j);
    size_t h = size < HEAD_BYTES ? size : HEAD_BYTES;
    memcpy(b.heads + HEAD_BYTES * j, buf, h);
    b.headLens[j] = (uint8_t)h;
    b.flags[j] |= FLAG_HASHED;
    r[0] = ST_HASHED;
  }
  if (dirfd >= 0) close(dirfd);
  free(big);
  if (stampBytes) memcpy(stampBytes, stamp, 16);
  return number(env, (double)added);
}

/*
 * backgroundThread(nice): lowers the calling thread's priority (Linux: its
 * own nice value; macOS: the background band), so that a scan's threads give
 * way to the UI and to the thread that answers it. Returns 0 or errno.
 * Raising one's nice value needs no privilege; it is never lowered again.
 */
static napi_value background_thread(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t nice = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &nice) != napi_ok) {
    napi_throw_type_error(env, NULL, "backgroundThread(nice: number)");
    return NULL;
  }
  int err = 0;
#if defined(__linux__)
  /* On Linux a thread is scheduled on its own: PRIO_PROCESS with its thread id sets that thread's nice value only. */
  pid_t tid = (pid_t)syscall(SYS_gettid);
  errno = 0;
  int now = getpriority(PRIO_PROCESS, (id_t)tid);
  if (now == -1 && errno != 0) err = errno;
  else if (now < nice && setpriority(PRIO_PROCESS, (id_t)tid, nice) != 0) err = errno;
#elif defined(__APPLE__) && defined(PRIO_DARWIN_THREAD)
  if (setpriority(PRIO_DARWIN_THREAD, 0, PRIO_DARWIN_BG) != 0) err = errno;
#else
  err = ENOSYS;
#endif
  return number(env, (double)err);
}

/* digest(data, 'sha256' | 'md5'): for the tests, which check both against node:crypto. */
static napi_value digest(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t len;
  char algo[8] = {0};
  size_t algoLen;
  if (argc < 2 || bytes_of(env, argv[0], &data, &len) || napi_get_value_string_utf8(env, argv[1], algo, sizeof algo, &algoLen) != napi_ok) {
    napi_throw_type_error(env, NULL, "digest(data: Uint8Array, 'sha256' | 'md5')");
    return NULL;
  }
  uint8_t out[32];
  size_t outLen = strcmp(algo, "md5") == 0 ? 16 : 32;
  if (outLen == 16) pd_md5(data, len, out);
  else pd_sha256(data, len, out);
  napi_value v;
  void *copy;
  CHECK(napi_create_buffer_copy(env, outLen, out, &copy, &v));
  return v;
}

NAPI_MODULE_INIT() {
  const char *noTypes = getenv("PEDIGREE_NATIVE_TEST_NO_DTYPE");
  __atomic_store_n(&no_dtype, noTypes && *noTypes && *noTypes != '0', __ATOMIC_RELAXED);
  napi_property_descriptor props[] = {
    {"listFolder", NULL, list_folder, NULL, NULL, NULL, napi_enumerable, NULL},
    {"hashFiles", NULL, hash_files, NULL, NULL, NULL, napi_enumerable, NULL},
    {"digest", NULL, digest, NULL, NULL, NULL, napi_enumerable, NULL},
    {"backgroundThread", NULL, background_thread, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value accelerated;
  napi_get_boolean(env, pd_sha256_accelerated(), &accelerated);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_set_named_property(env, exports, "sha256Accelerated", accelerated);
  napi_value stampVersion;
  napi_create_uint32(env, STAMP_VERSION, &stampVersion);
  napi_set_named_property(env, exports, "stampVersion", stampVersion);
  return exports;
}
