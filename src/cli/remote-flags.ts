import { Flags } from '@oclif/core';

/** Flags shared by push, fetch, pull, remote verify and status --remote. */
export const remoteFlag = {
  remote: Flags.string({ char: 'r', description: 'remote name (default: core.remote, or the only remote)' }),
};

export const jobsFlag = {
  jobs: Flags.integer({ char: 'j', description: 'transfers at once (default suits the remote kind)', min: 1 }),
};
