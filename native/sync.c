/*
 * mlv's optional native helper, part five: make written files durable, then place them, off the main
 * thread.
 *
 *   syncFileSystem(dir[, from, to]) -> Promise<void>
 *       syncfs(2) on the file system holding `dir`, then — only once that succeeded — renames each
 *       from[i] to to[i] (two arrays of paths of one length), in order, on a libuv worker. Rejects with
 *       an fs-like error: code, syscall "syncfs" and path `dir` when the sync failed (nothing renamed),
 *       or syscall "rename", path from[i] and dest to[i] for the first rename that failed (the ones
 *       before it are done, the rest not).
 *
 * A batch of small objects (up to 4,096 temp files) is made durable by one file-system sync and only
 * then renamed into place. mlv ran `sync -f <dir>` for the sync — a fork of the Node process, which cost
 * the main thread ~17-25 ms each time at ~200 MB resident on this project's VM — and the renames on the
 * main thread (~18 µs each, ~75 ms a batch), while it could have been reading and hashing the next files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <unistd.h>
#include <node_api.h>

#include "native.h"

typedef struct {
  char *dir;
  char **from, **to;
  uint32_t count;
  int err;
  int64_t failed; /* the rename that failed, or -1: the sync */
  napi_deferred deferred;
  napi_async_work work;
} sync_job_t;

static void free_sync_job(sync_job_t *job) {
  mlv_free_strings(job->from, 0);
  mlv_free_strings(job->to, 0);
  free(job->dir);
  free(job);
}

static void sync_execute(napi_env env, void *data) {
  (void)env;
  sync_job_t *job = data;
  int fd = open(job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    job->err = errno;
    return;
  }
  int synced = syncfs(fd);
  job->err = synced < 0 ? errno : 0;
  close(fd);
  if (synced < 0) return;
  for (uint32_t i = 0; i < job->count; i++) {
    if (rename(job->from[i], job->to[i]) < 0) {
      job->err = errno;
      job->failed = i;
      return;
    }
  }
}

static void sync_complete(napi_env env, napi_status status, void *data) {
  sync_job_t *job = data;
  if (status == napi_ok && !job->err) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, job->deferred, undefined);
  } else if (job->failed >= 0) {
    napi_value error = mlv_errno_error(env, job->err, "rename", job->from[job->failed]), dest;
    napi_create_string_utf8(env, job->to[job->failed], NAPI_AUTO_LENGTH, &dest);
    napi_set_named_property(env, error, "dest", dest);
    napi_reject_deferred(env, job->deferred, error);
  } else {
    napi_reject_deferred(env, job->deferred, mlv_errno_error(env, job->err ? job->err : EIO, "syncfs", job->dir));
  }
  napi_delete_async_work(env, job->work);
  free_sync_job(job);
}

static napi_value sync_file_system(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  sync_job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  job->failed = -1; /* (also when the work never runs: a cancelled job failed no rename) */
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      !(job->dir = mlv_string_arg(env, argv[0], "syncFileSystem(dir[, from, to]) needs a folder path"))) {
    free(job);
    return NULL; /* (the exception is pending) */
  }
  if (argc >= 3) {
    const char *what = "syncFileSystem: from and to must be arrays of paths of one length";
    uint32_t n_to = 0;
    if (!(job->from = mlv_strings_arg(env, argv[1], 0, what, &job->count)) || !(job->to = mlv_strings_arg(env, argv[2], 0, what, &n_to))) {
      free_sync_job(job); /* (the exception is pending) */
      return NULL;
    }
    if (n_to != job->count) {
      free_sync_job(job);
      napi_throw_type_error(env, NULL, what);
      return NULL;
    }
  }
  bool queued;
  napi_value promise = mlv_queue_work(env, "mlv:syncFileSystem", sync_execute, sync_complete, job, &job->deferred, &job->work, &queued);
  if (promise && !queued) napi_reject_deferred(env, job->deferred, mlv_errno_error(env, ENOMEM, "syncfs", job->dir));
  if (!queued) free_sync_job(job);
  return promise;
}

void mlv_register_sync(napi_env env, napi_value exports) {
  mlv_export(env, exports, "syncFileSystem", sync_file_system);
}
