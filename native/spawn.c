/*
 * mlv's optional native helper, part four: run a program and collect what it prints, without forking
 * Node.
 *
 *   spawnCapture(file, args, cwd[, input]) -> Promise<{ status, signal, stdout, stderr }>
 *       starts `file` (looked up on PATH) with `args` in folder `cwd` by posix_spawn, stdin from `input`
 *       (a Buffer; /dev/null without one), and reads its stdout and stderr on a thread of its own.
 *       Resolves when the program has ended and both are closed: `status` is its exit code (-1 when a
 *       signal ended it), `signal` that signal's number (0 when none), stdout and stderr Buffers. A
 *       program that cannot be started rejects with an fs-like error (code ENOENT, EACCES…, syscall
 *       "spawn <file>", path `file`), as child_process does.
 *
 * Why: mlv asks `git ls-files` where the pointers are at the start of every `status` and `add`. Node's
 * child_process forks the whole Node process (copying its page tables) and waits on the main thread
 * until the child has called exec, then sets up a stream per pipe: ~10-17 ms of the main thread on this
 * project's 2-core VM, where `mlv status` costs ~110 ms above Node's own start-up. glibc's posix_spawn
 * starts the child with vfork semantics (no copy) and returns in well under a millisecond, and the
 * output is read here instead of through Node streams.
 *
 * The child gets what libuv gives children: every signal at its default action, none blocked, and only
 * the three standard descriptors (every descriptor mlv and Node open is close-on-exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>

#include "native.h"

/* posix_spawn_file_actions_addchdir_np came with glibc 2.29; without it, spawnCapture is left out and
   mlv uses child_process. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define MLV_HAVE_SPAWN 1

extern char **environ;

typedef struct {
  char *data;
  size_t len, cap;
} out_buf_t;

typedef struct {
  pid_t pid;
  int out_fd, err_fd, in_fd; /* -1 once closed */
  char *input;
  size_t input_len, input_done;
  out_buf_t out, err;
  int status, signal, read_err;
  napi_deferred deferred;
  napi_threadsafe_function done;
} spawn_job_t;

static void free_job(spawn_job_t *job) {
  if (job->out_fd >= 0) close(job->out_fd);
  if (job->err_fd >= 0) close(job->err_fd);
  if (job->in_fd >= 0) close(job->in_fd);
  free(job->input);
  free(job->out.data);
  free(job->err.data);
  free(job);
}

/* Appends what `fd` has to `buf`: false at its end (or an error, kept in job->read_err). */
static bool read_some(spawn_job_t *job, int fd, out_buf_t *buf) {
  if (buf->cap - buf->len < 65536) {
    size_t cap = buf->cap ? buf->cap * 2 : 65536;
    char *data = realloc(buf->data, cap);
    if (!data) {
      job->read_err = ENOMEM;
      return false;
    }
    buf->data = data;
    buf->cap = cap;
  }
  ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);
  if (n > 0) {
    buf->len += (size_t)n;
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n < 0) job->read_err = errno;
  return false;
}

/* The reader thread: feeds stdin, drains stdout and stderr until both close, then reaps the child. */
static void *collect(void *data) {
  spawn_job_t *job = data;
  while (job->out_fd >= 0 || job->err_fd >= 0) {
    struct pollfd fds[3];
    int n = 0, out_i = -1, err_i = -1, in_i = -1;
    if (job->out_fd >= 0) fds[out_i = n++] = (struct pollfd){ .fd = job->out_fd, .events = POLLIN };
    if (job->err_fd >= 0) fds[err_i = n++] = (struct pollfd){ .fd = job->err_fd, .events = POLLIN };
    if (job->in_fd >= 0) fds[in_i = n++] = (struct pollfd){ .fd = job->in_fd, .events = POLLOUT };
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      job->read_err = errno;
      break;
    }
    if (out_i >= 0 && fds[out_i].revents && !read_some(job, job->out_fd, &job->out)) {
      close(job->out_fd);
      job->out_fd = -1;
    }
    if (err_i >= 0 && fds[err_i].revents && !read_some(job, job->err_fd, &job->err)) {
      close(job->err_fd);
      job->err_fd = -1;
    }
    if (in_i >= 0 && fds[in_i].revents) {
      bool gone = !(fds[in_i].revents & POLLOUT); /* POLLERR, POLLHUP: the child closed its stdin */
      if (!gone) {
        ssize_t w = write(job->in_fd, job->input + job->input_done, job->input_len - job->input_done);
        if (w > 0) job->input_done += (size_t)w;
        else if (w < 0 && errno != EINTR && errno != EAGAIN) gone = true; /* EPIPE (SIGPIPE is ignored in Node) */
      }
      if (gone || job->input_done == job->input_len) {
        close(job->in_fd);
        job->in_fd = -1;
      }
    }
  }
  /* Ends left open by a failed poll are closed before the wait: a child blocked writing to a full pipe
     nobody reads would never exit. */
  int *fds[3] = { &job->in_fd, &job->out_fd, &job->err_fd };
  for (int i = 0; i < 3; i++) {
    if (*fds[i] >= 0) close(*fds[i]);
    *fds[i] = -1;
  }
  int wstatus = 0;
  while (waitpid(job->pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  job->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  job->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  napi_threadsafe_function done = job->done; /* (`finish` frees the job, maybe before the call returns) */
  napi_call_threadsafe_function(done, job, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static void free_buffer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* A Buffer that takes over `buf`'s memory. */
static napi_value take_buffer(napi_env env, out_buf_t *buf) {
  napi_value v;
  if (buf->len > 0 && napi_create_external_buffer(env, buf->len, buf->data, free_buffer, NULL, &v) == napi_ok) {
    buf->data = NULL;
    return v;
  }
  void *copy;
  napi_create_buffer_copy(env, buf->len, buf->data ? buf->data : "", &copy, &v);
  return v;
}

/* On the JS thread, once the reader thread is done: settles the promise. */
static void finish(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)context;
  spawn_job_t *job = data;
  if (env) {
    if (job->read_err) {
      napi_reject_deferred(env, job->deferred, mlv_errno_error(env, job->read_err, "read", "child process output"));
    } else {
      napi_value result, v;
      napi_create_object(env, &result);
      napi_create_int32(env, job->status, &v);
      napi_set_named_property(env, result, "status", v);
      napi_create_int32(env, job->signal, &v);
      napi_set_named_property(env, result, "signal", v);
      napi_set_named_property(env, result, "stdout", take_buffer(env, &job->out));
      napi_set_named_property(env, result, "stderr", take_buffer(env, &job->err));
      napi_resolve_deferred(env, job->deferred, result);
    }
  }
  free_job(job);
}

/* Starts the child with its ends of the pipes: 0 or an errno. */
static int start_child(spawn_job_t *job, const char *file, char **argv, const char *cwd, int in_r, int out_w, int err_w) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t all, none;
  int err = posix_spawn_file_actions_init(&actions);
  if (err) return err;
  if ((err = posix_spawnattr_init(&attr))) {
    posix_spawn_file_actions_destroy(&actions);
    return err;
  }
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  if (!(err = in_r >= 0 ? posix_spawn_file_actions_adddup2(&actions, in_r, 0) : posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) &&
      !(err = posix_spawn_file_actions_adddup2(&actions, out_w, 1)) &&
      !(err = posix_spawn_file_actions_adddup2(&actions, err_w, 2)) &&
      !(err = posix_spawn_file_actions_addchdir_np(&actions, cwd)) &&
      !(err = posix_spawnattr_setsigdefault(&attr, &all)) &&
      !(err = posix_spawnattr_setsigmask(&attr, &none)) &&
      !(err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))) {
    err = posix_spawnp(&job->pid, file, &actions, &attr, argv, environ);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return err;
}

static napi_value spawn_capture(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv_js[4];
  if (napi_get_cb_info(env, info, &argc, argv_js, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "spawnCapture(file, args, cwd[, input]) needs a program, its arguments and a folder");
    return NULL;
  }
  spawn_job_t *job = calloc(1, sizeof *job);
  char *file = NULL, *cwd = NULL, **args = NULL;
  napi_value promise = NULL;
  int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }; /* stdin, stdout, stderr */
  if (!job) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  job->out_fd = job->err_fd = job->in_fd = -1;
  uint32_t n_args = 0;
  if (!(file = mlv_string_arg(env, argv_js[0], "spawnCapture: file must be a string")) ||
      !(args = mlv_strings_arg(env, argv_js[1], 1, "spawnCapture: args must be an array of strings", &n_args)) ||
      !(cwd = mlv_string_arg(env, argv_js[2], "spawnCapture: cwd must be a string"))) {
    goto done; /* (the exception is pending) */
  }
  args[0] = file; /* (argv[0], not owned by `args`) */
  napi_valuetype input_type = napi_undefined;
  if (argc > 3) napi_typeof(env, argv_js[3], &input_type);
  if (input_type != napi_undefined) {
    void *data = NULL;
    bool is_buffer = false;
    if (napi_is_buffer(env, argv_js[3], &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, argv_js[3], &data, &job->input_len) != napi_ok) {
      napi_throw_type_error(env, NULL, "spawnCapture: input must be a Buffer");
      goto done;
    }
    if (!(job->input = malloc(job->input_len ? job->input_len : 1))) {
      napi_throw_error(env, "ENOMEM", "out of memory");
      goto done;
    }
    memcpy(job->input, data, job->input_len);
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) goto done;
  int err = 0;
  for (int i = 0; i < 3 && !err; i++) {
    if (i == 0 && !job->input) continue;
    if (pipe2(pipes[i], O_CLOEXEC) < 0) err = errno;
  }
  if (!err) err = start_child(job, file, args, cwd, pipes[0][0], pipes[1][1], pipes[2][1]);
  /* The child's ends are its own now (or no child): ours are closed. */
  if (pipes[0][0] >= 0) close(pipes[0][0]);
  if (pipes[1][1] >= 0) close(pipes[1][1]);
  if (pipes[2][1] >= 0) close(pipes[2][1]);
  job->in_fd = pipes[0][1];
  job->out_fd = pipes[1][0];
  job->err_fd = pipes[2][0];
  if (job->in_fd >= 0) fcntl(job->in_fd, F_SETFL, O_NONBLOCK);
  if (err) {
    char syscall[300];
    snprintf(syscall, sizeof syscall, "spawn %s", file);
    napi_reject_deferred(env, job->deferred, mlv_errno_error(env, err, syscall, file));
    free_job(job);
    job = NULL;
    goto done;
  }
  napi_value name;
  pthread_t id;
  pthread_attr_t attr;
  napi_create_string_utf8(env, "mlv:spawnCapture", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, finish, &job->done) == napi_ok) {
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&id, &attr, collect, job);
    pthread_attr_destroy(&attr);
    if (!err) {
      job = NULL; /* the thread has it */
      goto done;
    }
    napi_release_threadsafe_function(job->done, napi_tsfn_abort);
  } else {
    err = ENOMEM;
  }
  /* No thread to read: the child is stopped and reaped here, and the promise rejected. */
  kill(job->pid, SIGKILL);
  while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR) {
  }
  napi_reject_deferred(env, job->deferred, mlv_errno_error(env, err, "pthread_create", file));
  free_job(job);
  job = NULL;
done:
  if (job) free_job(job);
  mlv_free_strings(args, 1);
  free(file);
  free(cwd);
  return promise;
}
#endif

void mlv_register_spawn(napi_env env, napi_value exports) {
#ifdef MLV_HAVE_SPAWN
  mlv_export(env, exports, "spawnCapture", spawn_capture);
#else
  (void)env;
  (void)exports;
#endif
}
