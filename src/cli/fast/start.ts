/**
 * What bin/run.js loads first for a fast-path command, as one small CommonJS bundle (dist/fast/start.cjs,
 * loaded with `require`: no ES module loader to wait for): the prefetch that starts scans and Git runs,
 * and the loader of the command's own bundle. The command bundle is handed these very module instances
 * (under the names `mlv:prefetch` and `mlv:git-process`), so it takes up the runs started here.
 */
export * as prefetch from '../../core/workspace/prefetch.js';
export * as gitProcess from '../../core/git/git-process.js';
export { loadBundle } from '../load-bundle.js';
