/*
 * mlv's optional native helper, part five: flush a whole file system off the main thread.
 *
 *   syncFileSystem(dir) -> Promise<void>
 *       syncfs(2) on the file system holding `dir`, on a libuv worker. Rejects with an fs-like error
 *       (code, syscall "syncfs", path `dir`).
 *
 * A batch of small objects (up to 4,096 files) is made durable by one file-system sync before it is
 * renamed into place. Without this, mlv runs `sync -f <dir>`: a fork of the Node process, which cost the
 * main thread ~17-25 ms each time at ~200 MB resident on this project's VM (5 batches in an add of
 * 20,000 files).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <node_api.h>

#include "native.h"

typedef struct {
  char *dir;
  int err;
  napi_deferred deferred;
  napi_async_work work;
} sync_job_t;

static void sync_execute(napi_env env, void *data) {
  (void)env;
  sync_job_t *job = data;
  int fd = open(job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    job->err = errno;
    return;
  }
  if (syncfs(fd) < 0) job->err = errno;
  close(fd);
}

static void sync_complete(napi_env env, napi_status status, void *data) {
  sync_job_t *job = data;
  if (status == napi_ok && !job->err) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, job->deferred, undefined);
  } else {
    napi_reject_deferred(env, job->deferred, mlv_errno_error(env, job->err ? job->err : EIO, "syncfs", job->dir));
  }
  napi_delete_async_work(env, job->work);
  free(job->dir);
  free(job);
}

static napi_value sync_file_system(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, promise, name;
  sync_job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1 ||
      !(job->dir = mlv_string_arg(env, arg, "syncFileSystem(dir) needs a folder path"))) {
    free(job);
    return NULL; /* (the exception is pending) */
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free(job->dir);
    free(job);
    return NULL;
  }
  napi_create_string_utf8(env, "mlv:syncFileSystem", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, sync_execute, sync_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_reject_deferred(env, job->deferred, mlv_errno_error(env, ENOMEM, "syncfs", job->dir));
    free(job->dir);
    free(job);
  }
  return promise;
}

void mlv_register_sync(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "syncFileSystem", NAPI_AUTO_LENGTH, sync_file_system, NULL, &fn);
  napi_set_named_property(env, exports, "syncFileSystem", fn);
}
