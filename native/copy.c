/*
 * mlv's optional native helper, part three: copy one file into another in the kernel, off the main
 * thread, in steps that can be followed and stopped.
 *
 *   copyFileInSteps(inFd, outFd, src, dest, control, writeBack) -> Promise<number>
 *       copies `inFd` from its start to the same offsets of `outFd` with copy_file_range (sendfile where
 *       the kernel refuses it, e.g. across file systems) on a libuv worker, COPY_STEP bytes at a time.
 *       `control` is a BigInt64Array of 2 shared with the caller: after each step the worker stores the
 *       bytes copied so far in control[1], and it stops before the next step once control[0] is not 0
 *       (an abort). `writeBack` starts writing each step to the disk (sync_file_range), so that an fsync
 *       at the end has little left to wait for. Resolves to the bytes copied (all of them unless
 *       stopped); a failure rejects with an fs-like error (code, syscall "copyfile", path `src`, dest
 *       `dest`).
 *
 *   openForWriting(fd) -> boolean | undefined
 *       whether any process (this one included) has the file of `fd` (opened read-only) open for writing
 *       or mapped writable, asked of the kernel by taking a read lease (refused while a writer exists)
 *       and dropping it at once. undefined where leases are not offered (NFS, another owner's file).
 *       A writer opening the file in between breaks the lease with SIGURG, which is ignored by default,
 *       not with the default SIGIO, which would end the process.
 *
 * Node's fs.copyFile also copies in the kernel, but in one call that cannot be stopped: Ctrl-C during a
 * 1 GiB copy had to wait ~1 s for it. Here the copy runs on without waiting for the main thread (which
 * may be busy with many small files), while the caller hashes what control[1] says is already copied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#include "native.h"

#define COPY_STEP ((int64_t)64 << 20)

typedef struct {
  int in_fd, out_fd;
  int64_t *control; /* [0] abort flag (set by the caller), [1] bytes copied (set here) */
  napi_ref control_ref;
  bool write_back, use_sendfile;
  int64_t copied;
  int err;
  char *src, *dest;
  napi_deferred deferred;
  napi_async_work work;
} copy_job_t;

/* Copies up to `len` bytes at `off` (same offset in both files): the bytes copied (0 at the end of the
   source), or -errno. */
static int64_t copy_step(copy_job_t *job, int64_t off, int64_t len) {
  int64_t done = 0;
  while (done < len) {
    ssize_t n;
    if (!job->use_sendfile) {
      off_t off_in = (off_t)(off + done), off_out = off_in;
      n = copy_file_range(job->in_fd, &off_in, job->out_fd, &off_out, (size_t)(len - done), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        job->use_sendfile = true;
        continue;
      }
      if (n == 0 && done == 0) {
        /* The end of the source — or a file system whose copy_file_range copies nothing (some virtual
           ones): sendfile settles which. */
        struct stat st;
        if (fstat(job->in_fd, &st) == 0 && st.st_size > off) {
          job->use_sendfile = true;
          continue;
        }
      }
    } else {
      off_t off_in = (off_t)(off + done);
      if (lseek(job->out_fd, off_in, SEEK_SET) < 0) return -errno;
      n = sendfile(job->out_fd, job->in_fd, &off_in, (size_t)(len - done));
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += n;
  }
  return done;
}

static void copy_execute(napi_env env, void *data) {
  (void)env;
  copy_job_t *job = data;
  while (__atomic_load_n(&job->control[0], __ATOMIC_ACQUIRE) == 0) {
    int64_t n = copy_step(job, job->copied, COPY_STEP);
    if (n < 0) {
      job->err = (int)-n;
      return;
    }
    if (n == 0) return;
    /* Start writing the step to the disk now (best effort: an error shows again at the caller's fsync). */
    if (job->write_back) sync_file_range(job->out_fd, job->copied, n, SYNC_FILE_RANGE_WRITE);
    job->copied += n;
    __atomic_store_n(&job->control[1], job->copied, __ATOMIC_RELEASE);
    if (n < COPY_STEP) return; /* the end of the source */
  }
}

static void free_copy_job(napi_env env, copy_job_t *job) {
  if (job->control_ref) napi_delete_reference(env, job->control_ref);
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
  free_copy_job(env, job);
}

/* The BigInt64Array of at least 2 elements `v` (its memory), or NULL. */
static int64_t *control_arg(napi_env env, napi_value v) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_bigint64_array || length < 2) return NULL;
  return data;
}

static napi_value copy_file_in_steps(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  copy_job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      napi_get_value_int32(env, argv[0], &job->in_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &job->out_fd) != napi_ok ||
      !(job->control = control_arg(env, argv[4])) ||
      napi_create_reference(env, argv[4], 1, &job->control_ref) != napi_ok) {
    free_copy_job(env, job);
    napi_throw_type_error(env, NULL, "copyFileInSteps(inFd, outFd, src, dest, control[, writeBack]) needs two fds, two paths and a BigInt64Array of 2");
    return NULL;
  }
  if (!(job->src = mlv_string_arg(env, argv[2], "copyFileInSteps: src must be a string")) ||
      !(job->dest = mlv_string_arg(env, argv[3], "copyFileInSteps: dest must be a string"))) {
    free_copy_job(env, job); /* (the exception is pending) */
    return NULL;
  }
  if (argc > 5) napi_get_value_bool(env, argv[5], &job->write_back);
  bool queued;
  napi_value promise = mlv_queue_work(env, "mlv:copyFileInSteps", copy_execute, copy_complete, job, &job->deferred, &job->work, &queued);
  if (promise && !queued) napi_reject_deferred(env, job->deferred, mlv_errno_error(env, ENOMEM, "copyfile", job->src));
  if (!queued) free_copy_job(env, job);
  return promise;
}

static napi_value open_for_writing(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "openForWriting: fd must be a file descriptor");
    return NULL;
  }
  if (fcntl(fd, F_SETSIG, SIGURG) != 0) {
    napi_get_undefined(env, &result);
    return result;
  }
  if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    fcntl(fd, F_SETLEASE, F_UNLCK);
    napi_get_boolean(env, false, &result);
  } else if (errno == EAGAIN) {
    napi_get_boolean(env, true, &result);
  } else {
    napi_get_undefined(env, &result);
  }
  fcntl(fd, F_SETSIG, 0);
  return result;
}

void mlv_register_copy(napi_env env, napi_value exports) {
  mlv_export(env, exports, "copyFileInSteps", copy_file_in_steps);
  mlv_export(env, exports, "openForWriting", open_for_writing);
}
