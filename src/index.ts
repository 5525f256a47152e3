/** mlv's public library API: every CLI command is a thin wrapper over one of these operations. */
export { MlvError, UsageError, PointerError, CorruptObjectError } from './core/errors.js';
export type { Reporter, ProgressEvent } from './core/events.js';
export { openRepo, findGitRoot, type Repo } from './core/workspace/repo.js';
export { loadConfig, type MlvConfig, type LinkMode } from './core/workspace/config.js';
export { parsePointer, serializePointer, type Pointer } from './core/objects/pointer.js';
export { parseTree, serializeTree, type TreeEntry } from './core/objects/tree.js';
export { ObjectStore } from './core/objects/store.js';
export { hashFile, hashBytes } from './core/objects/hash.js';
export { formatOid, parseOid, objectKey, type HashAlgo } from './core/objects/oid.js';
export { init, type InitResult } from './core/api/init.js';
export { add, type AddOptions } from './core/api/add.js';
export { status, type StatusEntry, type ArtifactState } from './core/api/status.js';
export { commit } from './core/api/commit.js';
export { checkout, type CheckoutOptions, type CheckoutResult } from './core/api/checkout.js';
export { remove } from './core/api/remove.js';
export { unprotect } from './core/api/unprotect.js';
export { cacheVerify, type CacheVerifyResult } from './core/api/cache-verify.js';
export type { RecordResult } from './core/workspace/record.js';
