/* Shared between the parts of mlv's native helper (scan.c registers everything). */
#ifndef MLV_NATIVE_H
#define MLV_NATIVE_H
#include <stdbool.h>
#include <stdint.h>
#include <node_api.h>

/* The errno name Node uses for `err` (ENOENT, EACCES, ENOSPC…), EIO for the rest. */
const char *mlv_errno_code(int err);

/* An Error like fs's: `code` is the errno name, with `path` and `syscall`. */
napi_value mlv_errno_error(napi_env env, int e, const char *syscall, const char *path);

/* A string argument as a new C string; NULL, with a JS exception pending (TypeError `what`), when it is
   not a string or memory is short. */
char *mlv_string_arg(napi_env env, napi_value v, const char *what);

/* The strings of JS array `v` as new C strings, after `lead` empty slots and followed by a NULL; `*count`
   is how many. NULL, with a JS exception pending (TypeError `what`), when `v` is not an array of strings
   or memory is short. Free with mlv_free_strings(strings, lead). */
char **mlv_strings_arg(napi_env env, napi_value v, uint32_t lead, const char *what, uint32_t *count);
void mlv_free_strings(char **strings, uint32_t lead);

/* Makes a promise (`*deferred`, for `complete` to settle) and queues `execute`, then `complete`, with
   `data` on a libuv worker (`*work`). Returns the promise, or NULL when none could be made. `*queued`
   says whether the work was queued; when it was not, the caller rejects `*deferred` (if there is a
   promise) and frees `data`. */
napi_value mlv_queue_work(napi_env env, const char *name, napi_async_execute_callback execute, napi_async_complete_callback complete,
                          void *data, napi_deferred *deferred, napi_async_work *work, bool *queued);

/* Sets `exports[name]` to a function calling `fn`. */
void mlv_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Adds queueWrite and drainWrites (writer.c) to the module's exports. */
void mlv_register_writer(napi_env env, napi_value exports);

/* Adds copyFileInSteps and openForWriting (copy.c) to the module's exports. */
void mlv_register_copy(napi_env env, napi_value exports);

/* Adds spawnCapture (spawn.c) to the module's exports where the C library offers what it needs. */
void mlv_register_spawn(napi_env env, napi_value exports);

/* Adds syncFileSystem (sync.c) to the module's exports. */
void mlv_register_sync(napi_env env, napi_value exports);

/* Adds spreadSubfolders (dirs.c) to the module's exports. */
void mlv_register_dirs(napi_env env, napi_value exports);

#endif
