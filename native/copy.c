/*
 * mlv's optional native helper, part three: copy a range of one file into another in the kernel, off
 * the main thread.
 *
 *   copyRange(inFd, outFd, offset, length, src, dest[, writeBack]) -> Promise<number>
 *       copies up to `length` bytes at `offset` of `inFd` to the same offset of `outFd` with
 *       copy_file_range (sendfile where the kernel refuses it, e.g. across file systems) on a libuv
 *       worker; resolves to the bytes copied (less than `length` only at the end of the source, 0 past
 *       it). `writeBack` starts writing the copied range to the disk
 *       (sync_file_range), so that an fsync at the end has little left to wait for. A failure rejects with an fs-like error (code, syscall "copyfile", path `src`, dest `dest`).
 *
 * Node's fs.copyFile also copies in the kernel, but only a whole file in one call, which cannot be
 * stopped: Ctrl-C during a 1 GiB copy had to wait ~1 s for it. Copied in ranges, a copy stops after the
 * range in flight, and the part already copied can be hashed while the kernel copies the next one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#include "native.h"

typedef struct {
  int in_fd, out_fd;
  int64_t offset, length;
  int64_t copied;
  bool write_back;
  int err;
  char *src, *dest;
  napi_deferred deferred;
  napi_async_work work;
} copy_job_t;

/* Copies with sendfile from `off` on: the fallback where copy_file_range is refused. */
static int copy_by_sendfile(copy_job_t *job, off_t off, int64_t left) {
  if (lseek(job->out_fd, off, SEEK_SET) < 0) return errno;
  while (left > 0) {
    ssize_t n = sendfile(job->out_fd, job->in_fd, &off, (size_t)(left > (1 << 30) ? (1 << 30) : left));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    job->copied += n;
    left -= n;
  }
  return 0;
}

static void copy_execute(napi_env env, void *data) {
  (void)env;
  copy_job_t *job = data;
  off_t off_in = (off_t)job->offset, off_out = (off_t)job->offset;
  int64_t left = job->length;
  while (left > 0) {
    ssize_t n = copy_file_range(job->in_fd, &off_in, job->out_fd, &off_out, (size_t)left, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        job->err = copy_by_sendfile(job, off_in, left);
      } else {
        job->err = errno;
      }
      return;
    }
    if (n == 0) {
      /* The end of the source — or a file system whose copy_file_range copies nothing (some virtual
         ones): sendfile settles which. */
      struct stat st;
      if (fstat(job->in_fd, &st) == 0 && st.st_size > off_in) job->err = copy_by_sendfile(job, off_in, left);
      return;
    }
    job->copied += n;
    left -= n;
  }
  /* Start writing the range to the disk now: the caller's fsync at the end then waits only for the
     last range, not for all of them (best effort: an error here shows again at that fsync). */
  if (job->write_back && job->copied > 0) sync_file_range(job->out_fd, job->offset, job->copied, SYNC_FILE_RANGE_WRITE);
}

static void free_copy_job(copy_job_t *job) {
  free(job->src);
  free(job->dest);
  free(job);
}

static void copy_complete(napi_env env, napi_status status, void *data) {
  copy_job_t *job = data;
  if (status == napi_ok && !job->err) {
    napi_value n;
    napi_create_double(env, (double)job->copied, &n);
    napi_resolve_deferred(env, job->deferred, n);
  } else {
    napi_value error = mlv_errno_error(env, job->err ? job->err : EIO, "copyfile", job->src);
    napi_value dest;
    napi_create_string_utf8(env, job->dest, NAPI_AUTO_LENGTH, &dest);
    napi_set_named_property(env, error, "dest", dest);
    napi_reject_deferred(env, job->deferred, error);
  }
  napi_delete_async_work(env, job->work);
  free_copy_job(job);
}

/* A copy of the JavaScript string `v` (NULL if it is not a string or memory is short). */
static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s && napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

static napi_value copy_range(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  copy_job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 ||
      napi_get_value_int32(env, argv[0], &job->in_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &job->out_fd) != napi_ok ||
      napi_get_value_int64(env, argv[2], &job->offset) != napi_ok ||
      napi_get_value_int64(env, argv[3], &job->length) != napi_ok || job->offset < 0 || job->length < 0 ||
      !(job->src = string_arg(env, argv[4])) || !(job->dest = string_arg(env, argv[5]))) {
    free_copy_job(job);
    napi_throw_type_error(env, NULL, "copyRange(inFd, outFd, offset, length, src, dest[, writeBack]) needs two fds, two non-negative numbers and two paths");
    return NULL;
  }
  if (argc > 6) napi_get_value_bool(env, argv[6], &job->write_back);
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free_copy_job(job);
    return NULL;
  }
  napi_create_string_utf8(env, "mlv:copyRange", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, copy_execute, copy_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_reject_deferred(env, job->deferred, mlv_errno_error(env, ENOMEM, "copyfile", job->src));
    free_copy_job(job);
  }
  return promise;
}

void mlv_register_copy(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "copyRange", NAPI_AUTO_LENGTH, copy_range, NULL, &fn);
  napi_set_named_property(env, exports, "copyRange", fn);
}
