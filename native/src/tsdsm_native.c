/*
 * tsdsm native addon: mechanism only, no coherence decision (STYLE.md, point 8).
 *
 * A region is a memfd of pages * pageSize bytes mapped twice: the application view, whose
 * pages the protocol guards with mprotect (every page starts PROT_READ and zero-filled), and
 * an always-writable alias through which the protocol installs and copies page bytes.
 *
 * Theory of a fault. The faulting thread enters on_segv (installed with SA_SIGINFO, chained:
 * an address outside every region goes to the previous handler, e.g. Node's WebAssembly trap
 * handler). It takes the process's one fault slot, writes the fault record (region, offset,
 * read or write) into `control`, writes one byte to the wake pipe (the protocol thread reads
 * the pipe in its event loop; write() is async-signal-safe) and sleeps on a futex until the
 * protocol thread calls grant(). The handler then returns and the instruction retries.
 *
 * The protocol must know when the retried access has run: until then, a later effect could
 * take the page away again (CpuDriver holds such effects back until `afterResume`). So the
 * handler returns with the x86 trap flag set: the CPU runs exactly the faulting instruction,
 * then raises SIGTRAP, whose handler clears the flag, counts a step, frees the fault slot and
 * wakes the protocol thread again. If the retried instruction faults instead (a store after a
 * read was granted, an access spanning two pages), that fault counts as the step.
 *
 * One step covers an access of ONE instruction (a typed-array element load or store, which is
 * how V8 compiles a[i] and the accessor's typed get/set). An access of several instructions (a
 * byte-range copy, a DataView builtin storing a word byte by byte, TypedArray set/fill) would
 * count as done after its first instruction, and the page could leave before the rest ran:
 * those run pinned instead (native/pin.ts), which this file knows nothing about.
 *
 * For tests only, setStepDelay(us) makes the trap handler sleep after each step, so that the
 * protocol thread serves whatever is waiting before the program's next instruction: it turns
 * the rare interleaving in which a page leaves between two instructions of one access into
 * the one that always happens (test/native/split-access.test.ts).
 *
 * Everything in the handlers is async-signal-safe: atomics, write(2), futex(2), gettid(2),
 * nanosleep(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <node_api.h>

#if !defined(__x86_64__) || !defined(__linux__)
#error "tsdsm native: only Linux on x86-64 is supported (fault decoding uses REG_ERR, stepping uses EFLAGS.TF)"
#endif

#define REGIONS_MAX 64
#define EFLAGS_TF 0x100

typedef struct {
  _Atomic uintptr_t base; /* application view; 0 when the slot is free */
  _Atomic size_t bytes;
  uint8_t *alias;
  size_t page_size;
  uint32_t pages;
} region_t;

static region_t regions[REGIONS_MAX];
static _Atomic int region_count;

/* The control block, shared with JavaScript as an Int32Array (see native/addon.d.ts). */
enum {
  C_STATE = 0,     /* 0 idle, 1 fault pending, 2 granted */
  C_REGION = 1,    /* region id of the pending fault */
  C_OFFSET = 2,    /* byte offset of the faulting address in the region */
  C_WRITE = 3,     /* 1 when the pending fault is a write */
  C_FAULTS = 4,    /* faults posted so far */
  C_STEPS = 5,     /* granted accesses that have run (steps) so far */
  C_SLOT = 6,      /* tid of the thread that holds the fault slot, 0 when free */
  C_STEPPING = 7,  /* tid of the thread stepping over its granted access, 0 when none */
  C_WORDS = 16
};
static _Atomic int32_t control[C_WORDS] __attribute__((aligned(64)));

/* Microseconds the trap handler sleeps after a step (tests only; 0 in normal runs). */
static _Atomic int32_t step_delay_us;

static int wake_read_fd = -1;
static int wake_write_fd = -1;
static int handlers_installed;
static struct sigaction prev_segv;
static struct sigaction prev_trap;

static long futex_wait(_Atomic int32_t *addr, int32_t expected) {
  return syscall(SYS_futex, (int32_t *)addr, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static long futex_wake(_Atomic int32_t *addr, int count) {
  return syscall(SYS_futex, (int32_t *)addr, FUTEX_WAKE, count, NULL, NULL, 0);
}

static void kick(void) {
  char byte = 1;
  /* A full pipe already holds a wake-up; the record itself lives in `control`. */
  ssize_t ignored = write(wake_write_fd, &byte, 1);
  (void)ignored;
}

static int find_region(uintptr_t address) {
  int n = atomic_load(&region_count);
  for (int i = 0; i < n; i++) {
    uintptr_t base = atomic_load(&regions[i].base);
    size_t bytes = atomic_load(&regions[i].bytes);
    if (base != 0 && address >= base && address < base + bytes) return i;
  }
  return -1;
}

static void chain(const struct sigaction *prev, int sig, siginfo_t *info, void *uctx) {
  if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction) prev->sa_sigaction(sig, info, uctx);
    return;
  }
  if (prev->sa_handler == SIG_IGN) return;
  if (prev->sa_handler == SIG_DFL) {
    /* Restore the default action and let the fault (or trap) happen again: the process ends as it would without us. */
    signal(sig, SIG_DFL);
    if (sig == SIGTRAP) raise(sig);
    return;
  }
  prev->sa_handler(sig);
}

static void release_slot(void) {
  atomic_store(&control[C_SLOT], 0);
  futex_wake(&control[C_SLOT], 1);
}

static void on_segv(int sig, siginfo_t *info, void *uctx) {
  ucontext_t *uc = (ucontext_t *)uctx;
  int saved_errno = errno;
  int region = find_region((uintptr_t)info->si_addr);
  if (region < 0) {
    chain(&prev_segv, sig, info, uctx);
    errno = saved_errno;
    return;
  }
  int32_t tid = (int32_t)syscall(SYS_gettid);
  if (atomic_load(&control[C_STEPPING]) == tid) {
    /* The granted access faulted again before completing: as far as the protocol is concerned, it ran. */
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
    atomic_store(&control[C_STEPPING], 0);
    atomic_fetch_add(&control[C_STEPS], 1);
  } else {
    for (;;) {
      int32_t expected = 0;
      if (atomic_compare_exchange_strong(&control[C_SLOT], &expected, tid)) break;
      futex_wait(&control[C_SLOT], expected);
    }
  }
  uintptr_t base = atomic_load(&regions[region].base);
  atomic_store(&control[C_REGION], region);
  atomic_store(&control[C_OFFSET], (int32_t)((uintptr_t)info->si_addr - base));
  atomic_store(&control[C_WRITE], (uc->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0);
  atomic_fetch_add(&control[C_FAULTS], 1);
  atomic_store(&control[C_STATE], 1);
  kick();
  for (;;) {
    int32_t state = atomic_load(&control[C_STATE]);
    if (state == 2) break;
    futex_wait(&control[C_STATE], state);
  }
  atomic_store(&control[C_STATE], 0);
  atomic_store(&control[C_STEPPING], tid);
  uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
  errno = saved_errno;
}

static void on_trap(int sig, siginfo_t *info, void *uctx) {
  ucontext_t *uc = (ucontext_t *)uctx;
  int saved_errno = errno;
  int32_t tid = (int32_t)syscall(SYS_gettid);
  if (atomic_load(&control[C_STEPPING]) != tid) {
    chain(&prev_trap, sig, info, uctx);
    errno = saved_errno;
    return;
  }
  uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
  atomic_store(&control[C_STEPPING], 0);
  atomic_fetch_add(&control[C_STEPS], 1);
  release_slot();
  kick();
  int32_t delay = atomic_load(&step_delay_us);
  if (delay > 0) {
    struct timespec ts = {delay / 1000000, (long)(delay % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  errno = saved_errno;
}

/* ------------------------------------------------------------------ the JavaScript surface */

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "tsdsm native: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value throw_usage(napi_env env, const char *usage) {
  napi_throw_type_error(env, "ERR_TSDSM_NATIVE_USAGE", usage);
  return NULL;
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "tsdsm native: %s failed: %s", what, strerror(errno));
  napi_throw_error(env, "ERR_TSDSM_NATIVE_SYSCALL", message);
  return NULL;
}

/* Reads between `min` and `max` (at most 4) uint32 arguments; how many, or -1 (with nothing thrown) when the count or a type is wrong. */
static long get_uint32_args_between(napi_env env, napi_callback_info info, size_t min, size_t max, uint32_t *out) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < min || argc > max) return -1;
  for (size_t i = 0; i < argc; i++) {
    napi_valuetype type;
    double d;
    if (napi_typeof(env, argv[i], &type) != napi_ok || type != napi_number) return -1;
    if (napi_get_value_double(env, argv[i], &d) != napi_ok) return -1;
    if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return -1;
    out[i] = (uint32_t)d;
  }
  return (long)argc;
}

/* Reads `count` uint32 arguments; false (with nothing thrown) when the count or a type is wrong. */
static int get_uint32_args(napi_env env, napi_callback_info info, size_t count, uint32_t *out) {
  return get_uint32_args_between(env, info, count, count, out) == (long)count;
}

static napi_value make_uint32(napi_env env, uint32_t value) {
  napi_value out;
  CHECK(napi_create_uint32(env, value, &out));
  return out;
}

static napi_value make_int32(napi_env env, int32_t value) {
  napi_value out;
  CHECK(napi_create_int32(env, value, &out));
  return out;
}

static napi_value make_external(napi_env env, void *data, size_t bytes) {
  napi_value out;
  CHECK(napi_create_external_arraybuffer(env, data, bytes, NULL, NULL, &out));
  return out;
}

static int install_handlers(void) {
  if (handlers_installed) return 0;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  wake_read_fd = fds[0];
  wake_write_fd = fds[1];
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, &prev_segv) != 0) return -1;
  sa.sa_sigaction = on_trap;
  if (sigaction(SIGTRAP, &sa, &prev_trap) != 0) return -1;
  handlers_installed = 1;
  return 0;
}

/* createRegion(pages, pageSize) -> region id */
static napi_value create_region(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: createRegion(pages: integer >= 1, pageSize: power of two, a multiple of the system page size, fd?: a memfd of at least pages * pageSize bytes, which the region takes over)";
  uint32_t a[3];
  long argc = get_uint32_args_between(env, info, 2, 3, a);
  if (argc < 0) return throw_usage(env, usage);
  uint32_t pages = a[0], page_size = a[1];
  long system_page = sysconf(_SC_PAGESIZE);
  if (pages == 0 || page_size == 0 || (page_size & (page_size - 1)) != 0 || page_size % (uint32_t)system_page != 0) {
    return throw_usage(env, usage);
  }
  size_t bytes = (size_t)pages * page_size;
  if (bytes > ((size_t)1 << 31)) return throw_usage(env, usage);
  if (atomic_load(&region_count) >= REGIONS_MAX) {
    napi_throw_error(env, "ERR_TSDSM_NATIVE_LIMIT", "tsdsm native: createRegion: at most 64 regions per process");
    return NULL;
  }
  int fd;
  if (argc == 3) {
    struct stat st;
    fd = (int)a[2];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < bytes) return throw_usage(env, usage);
  } else {
    fd = memfd_create("tsdsm-region", MFD_CLOEXEC);
    if (fd < 0) return throw_errno(env, "memfd_create");
    if (ftruncate(fd, (off_t)bytes) != 0) {
      close(fd);
      return throw_errno(env, "ftruncate");
    }
  }
  if (install_handlers() != 0) {
    close(fd);
    return throw_errno(env, "installing the SIGSEGV/SIGTRAP handlers");
  }
  void *view = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) {
    close(fd);
    return throw_errno(env, "mmap (view)");
  }
  void *alias = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (alias == MAP_FAILED) {
    munmap(view, bytes);
    return throw_errno(env, "mmap (alias)");
  }
  int id = atomic_load(&region_count);
  regions[id].alias = alias;
  regions[id].page_size = page_size;
  regions[id].pages = pages;
  atomic_store(&regions[id].bytes, bytes);
  atomic_store(&regions[id].base, (uintptr_t)view);
  atomic_store(&region_count, id + 1);
  return make_uint32(env, (uint32_t)id);
}

static region_t *region_arg(napi_env env, uint32_t id, const char *usage) {
  if (id >= (uint32_t)atomic_load(&region_count) || atomic_load(&regions[id].base) == 0) {
    throw_usage(env, usage);
    return NULL;
  }
  return &regions[id];
}

/* Reads `count` uint32 arguments, the first a region id: the region, or NULL with a usage error thrown. */
static region_t *region_args(napi_env env, napi_callback_info info, size_t count, uint32_t *a, const char *usage) {
  if (!get_uint32_args(env, info, count, a)) {
    throw_usage(env, usage);
    return NULL;
  }
  return region_arg(env, a[0], usage);
}

/* view(region) -> ArrayBuffer over the application view */
static napi_value view(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: view(region: id from createRegion)";
  uint32_t a[1];
  region_t *r = region_args(env, info, 1, a, usage);
  if (!r) return NULL;
  return make_external(env, (void *)atomic_load(&r->base), atomic_load(&r->bytes));
}

/* alias(region) -> ArrayBuffer over the always-writable alias */
static napi_value alias(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: alias(region: id from createRegion)";
  uint32_t a[1];
  region_t *r = region_args(env, info, 1, a, usage);
  if (!r) return NULL;
  return make_external(env, r->alias, atomic_load(&r->bytes));
}

/* mprotect of pages [first, first + count) of the view to access `code` (checked by the callers) */
static napi_value protect(napi_env env, region_t *r, uint32_t first, uint32_t count, uint32_t code) {
  static const int prot[3] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE};
  uint8_t *page = (uint8_t *)atomic_load(&r->base) + (size_t)first * r->page_size;
  if (mprotect(page, (size_t)count * r->page_size, prot[code]) != 0) return throw_errno(env, "mprotect");
  return NULL;
}

/* setAccess(region, page, access 0 none | 1 read | 2 write) */
static napi_value set_access(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: setAccess(region: id, page: integer below the region's pages, access: 0 (none) | 1 (read) | 2 (write))";
  uint32_t a[3];
  region_t *r = region_args(env, info, 3, a, usage);
  if (!r) return NULL;
  if (a[1] >= r->pages || a[2] > 2) return throw_usage(env, usage);
  return protect(env, r, a[1], 1, a[2]);
}

/* setAccessRange(region, first, count, access): one mprotect for `count` consecutive pages */
static napi_value set_access_range(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: setAccessRange(region: id, first: page, count: integer >= 1 with first + count at most the region's pages, access: 0 (none) | 1 (read) | 2 (write))";
  uint32_t a[4];
  region_t *r = region_args(env, info, 4, a, usage);
  if (!r) return NULL;
  if (a[2] == 0 || a[1] >= r->pages || a[2] > r->pages - a[1] || a[3] > 2) return throw_usage(env, usage);
  return protect(env, r, a[1], a[2], a[3]);
}

/* control() -> ArrayBuffer of C_WORDS int32 control words (the fault record) */
static napi_value control_buffer(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 0, a)) return throw_usage(env, "usage: control() takes no arguments");
  return make_external(env, (void *)control, sizeof control);
}

/* wakeFd() -> the read end of the wake pipe (non-blocking); -1 before the first region */
static napi_value wake_fd(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 0, a)) return throw_usage(env, "usage: wakeFd() takes no arguments");
  return make_int32(env, wake_read_fd);
}

/* grant(): the pending fault may retry. */
static napi_value grant(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 0, a)) return throw_usage(env, "usage: grant() takes no arguments");
  if (atomic_load(&control[C_STATE]) != 1) {
    napi_throw_error(env, "ERR_TSDSM_NATIVE_STATE", "tsdsm native: grant() with no pending fault");
    return NULL;
  }
  atomic_store(&control[C_STATE], 2);
  futex_wake(&control[C_STATE], 1);
  return NULL;
}

/* setStepDelay(us): tests only; see the header. */
static napi_value set_step_delay(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: setStepDelay(us: integer 0..10000000)";
  uint32_t a[1];
  if (!get_uint32_args(env, info, 1, a) || a[0] > 10000000) return throw_usage(env, usage);
  atomic_store(&step_delay_us, (int32_t)a[0]);
  return NULL;
}

/* systemPageSize() -> bytes */
static napi_value system_page_size(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 0, a)) return throw_usage(env, "usage: systemPageSize() takes no arguments");
  return make_uint32(env, (uint32_t)sysconf(_SC_PAGESIZE));
}

/* ------------------------------------------------------------------ the protocol thread's loop
 *
 * What the protocol thread's blocking loop needs (native/wait-loop.ts): a mapping shared
 * between the CPU processes of one host (the transport rings and doorbells, never page data),
 * a FIFO per CPU that other processes write a byte to when that CPU sleeps (its doorbell's
 * kernel half), poll(2) over every descriptor it waits on at once, and a way for the main
 * thread to wake it (the same wake pipe the fault handler writes to). */

/* Reads a string argument into `out` (NUL-terminated); false when it is missing or too long. */
static int get_string_arg(napi_env env, napi_value value, char *out, size_t size) {
  napi_valuetype type;
  size_t length;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) return 0;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) return 0;
  return length > 0 && length < size - 1;
}

/* mapShared(path, bytes) -> ArrayBuffer over the file's first `bytes`, MAP_SHARED (never unmapped) */
static napi_value map_shared(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: mapShared(path: string, bytes: integer >= 1, at most the file's size)";
  size_t argc = 2;
  napi_value argv[2];
  char path[4096];
  double d;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return throw_usage(env, usage);
  if (!get_string_arg(env, argv[0], path, sizeof path)) return throw_usage(env, usage);
  if (napi_get_value_double(env, argv[1], &d) != napi_ok || !(d >= 1 && d <= 1073741824.0) || d != (double)(size_t)d) return throw_usage(env, usage);
  size_t bytes = (size_t)d;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open (shared mapping)");
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < bytes) {
    close(fd);
    return throw_usage(env, usage);
  }
  void *at = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (at == MAP_FAILED) return throw_errno(env, "mmap (shared mapping)");
  return make_external(env, at, bytes);
}

/* createMemfd(bytes) -> fd of a new zero-filled memfd of `bytes` bytes (close-on-exec): a CPU's
 * region made by the cluster, which hands it to the CPU's process and maps it too */
static napi_value create_memfd(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: createMemfd(bytes: integer >= 1)";
  size_t argc = 1;
  napi_value argv[1];
  double d;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return throw_usage(env, usage);
  if (napi_get_value_double(env, argv[0], &d) != napi_ok || !(d >= 1 && d <= 4294967296.0 * 2) || d != (double)(size_t)d) return throw_usage(env, usage);
  int fd = memfd_create("tsdsm-region", MFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "memfd_create");
  if (ftruncate(fd, (off_t)d) != 0) {
    close(fd);
    return throw_errno(env, "ftruncate");
  }
  return make_int32(env, fd);
}

/* unmap(buffer): detaches an ArrayBuffer that mapShared returned (so that any view of it reads
 * as empty instead of faulting) and unmaps its bytes */
static napi_value unmap(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: unmap(buffer: an ArrayBuffer from mapShared)";
  size_t argc = 1;
  napi_value argv[1];
  bool is_buffer = false;
  void *data;
  size_t bytes;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return throw_usage(env, usage);
  if (napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) return throw_usage(env, usage);
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  if (data == NULL || bytes == 0) return NULL; /* already detached */
  CHECK(napi_detach_arraybuffer(env, argv[0]));
  if (munmap(data, bytes) != 0) return throw_errno(env, "munmap");
  return NULL;
}

/* openBell(path) -> fd: makes the FIFO if it is not there and opens it for reading and
 * writing, non-blocking (so opening never waits for a writer and the reader never sees EOF) */
static napi_value open_bell(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: openBell(path: string)";
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return throw_usage(env, usage);
  if (!get_string_arg(env, argv[0], path, sizeof path)) return throw_usage(env, usage);
  if (mkfifo(path, 0600) != 0 && errno != EEXIST) return throw_errno(env, "mkfifo (doorbell)");
  int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open (doorbell)");
  return make_int32(env, fd);
}

/* ring(fd): writes one byte, never blocking (a full FIFO or pipe already holds a wake-up) */
static napi_value ring_fd(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 1, a)) return throw_usage(env, "usage: ring(fd: integer)");
  const char byte = 1;
  ssize_t ignored = write((int)a[0], &byte, 1);
  (void)ignored;
  return NULL;
}

/* wake(): what the fault handler does, for the main thread (a sync call, a program's end) */
static napi_value wake(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 0, a)) return throw_usage(env, "usage: wake() takes no arguments");
  if (wake_write_fd < 0) {
    napi_throw_error(env, "ERR_TSDSM_NATIVE_STATE", "tsdsm native: wake() before the first region");
    return NULL;
  }
  kick();
  return NULL;
}

/* drain(fd) -> bytes read until it would block (discarded); -1 at end of file */
static napi_value drain(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!get_uint32_args(env, info, 1, a)) return throw_usage(env, "usage: drain(fd: integer)");
  char buf[256];
  double total = 0;
  for (;;) {
    ssize_t n = read((int)a[0], buf, sizeof buf);
    if (n > 0) {
      total += (double)n;
      continue;
    }
    if (n == 0) {
      total = -1;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return throw_errno(env, "read (drain)");
  }
  napi_value out;
  CHECK(napi_create_double(env, total, &out));
  return out;
}

/* Int32Array argument -> its elements; false when it is not one. */
static int get_int32_array(napi_env env, napi_value value, int32_t **data, size_t *length) {
  bool is;
  napi_typedarray_type type;
  void *raw;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_int32_array) return 0;
  *data = raw;
  return 1;
}

/* waitFds(fds: Int32Array, ready: Int32Array, timeoutMs) -> how many are ready: poll(2) on
 * every fd at once for input; ready[i] gets fd i's revents (0 when quiet). EINTR counts as 0. */
#define WAIT_FDS_MAX 1024
static napi_value wait_fds(napi_env env, napi_callback_info info) {
  static const char usage[] = "usage: waitFds(fds: Int32Array, ready: Int32Array of the same length, timeoutMs: integer 0..2^31-1)";
  size_t argc = 3;
  napi_value argv[3];
  int32_t *fds, *ready;
  size_t n, m;
  double timeout;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return throw_usage(env, usage);
  if (!get_int32_array(env, argv[0], &fds, &n) || !get_int32_array(env, argv[1], &ready, &m) || n != m || n > WAIT_FDS_MAX) return throw_usage(env, usage);
  if (napi_get_value_double(env, argv[2], &timeout) != napi_ok || !(timeout >= 0 && timeout <= 2147483647.0)) return throw_usage(env, usage);
  struct pollfd p[WAIT_FDS_MAX];
  for (size_t i = 0; i < n; i++) {
    p[i].fd = fds[i];
    p[i].events = POLLIN;
    p[i].revents = 0;
  }
  int got = poll(p, (nfds_t)n, (int)timeout);
  if (got < 0 && errno != EINTR) return throw_errno(env, "poll");
  for (size_t i = 0; i < n; i++) ready[i] = got > 0 ? p[i].revents : 0;
  return make_uint32(env, got > 0 ? (uint32_t)got : 0);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"createRegion", NULL, create_region, NULL, NULL, NULL, napi_enumerable, NULL},
    {"view", NULL, view, NULL, NULL, NULL, napi_enumerable, NULL},
    {"alias", NULL, alias, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setAccess", NULL, set_access, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setAccessRange", NULL, set_access_range, NULL, NULL, NULL, napi_enumerable, NULL},
    {"control", NULL, control_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
    {"wakeFd", NULL, wake_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"grant", NULL, grant, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setStepDelay", NULL, set_step_delay, NULL, NULL, NULL, napi_enumerable, NULL},
    {"systemPageSize", NULL, system_page_size, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mapShared", NULL, map_shared, NULL, NULL, NULL, napi_enumerable, NULL},
    {"openBell", NULL, open_bell, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ring", NULL, ring_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"wake", NULL, wake, NULL, NULL, NULL, napi_enumerable, NULL},
    {"drain", NULL, drain, NULL, NULL, NULL, napi_enumerable, NULL},
    {"waitFds", NULL, wait_fds, NULL, NULL, NULL, napi_enumerable, NULL},
    {"createMemfd", NULL, create_memfd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unmap", NULL, unmap, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
