/**
 * Core code never prints. Long operations report progress and messages through a Reporter that the
 * caller (the CLI, a test, a library user) passes in; every callback is optional.
 */
export interface ProgressEvent {
  /** What is happening, e.g. 'hashing', 'checking out', 'verifying'. */
  phase: string;
  /** Units done so far (files or objects). */
  done: number;
  /** Total units when known. */
  total?: number;
  /** Bytes processed so far, when the phase moves bytes. */
  bytes?: number;
  /** Total bytes when known. */
  totalBytes?: number;
}

export interface Reporter {
  progress?(event: ProgressEvent): void;
  /** A phase is over; a renderer can clear its line. */
  progressEnd?(phase: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export const silentReporter: Reporter = {};

/** Throttles progress events so hot loops can call it for every file. */
export class ProgressTicker {
  private last = 0;
  done = 0;
  bytes = 0;
  constructor(
    private readonly reporter: Reporter,
    private readonly phase: string,
    public total?: number,
    public totalBytes?: number,
  ) {}

  tick(units = 1, bytes = 0): void {
    this.done += units;
    this.bytes += bytes;
    if (!this.reporter.progress) return;
    const now = Date.now();
    if (now - this.last < 100 && this.done !== this.total) return;
    this.last = now;
    this.reporter.progress({ phase: this.phase, done: this.done, total: this.total, bytes: this.bytes, totalBytes: this.totalBytes });
  }

  addBytes(bytes: number): void {
    this.tick(0, bytes);
  }

  end(): void {
    this.reporter.progressEnd?.(this.phase);
  }
}
