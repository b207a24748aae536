/**
 * A trace file written atomically with bounded memory: text streams into a temporary file
 * next to the target (same directory, so the final rename never crosses a filesystem) in
 * 64 KiB chunks, and only `commit()` makes it appear under its name. `abort()` (an error,
 * Ctrl-C, SIGTERM) removes the temporary file, so a reader never finds half a trace.
 * Every write is checked (short writes continued, fsync/close errors reported) through
 * atomic_write.ts; a target that is a device or pipe (/dev/stdout) is written directly.
 *
 * ftrace's header states how many entries follow ("entries-in-buffer/entries-written"),
 * which is known only at the end: `commit(header)` writes the header into a second
 * temporary file and copies the body after it, chunk by chunk, before the rename.
 */
import { closeSync, constants, fsyncSync, openSync, readSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";
import { keepMode, openTemp, outputError, ownDescriptor, outputTarget, releaseTemp, syncFd, writeAll, type OutputError } from "./atomic_write.js";

const FLUSH_CHARS = 64 * 1024;
const COPY_BYTES = 1 << 20;

export class TraceFile {
  /** Bytes handed to `write` so far (UTF-16 length; traces are ASCII). */
  chars = 0;
  private bodyPath = "";
  private headPath = "";
  private fd = -1;
  private chunks: string[] = [];
  private pending = 0;
  private state: "open" | "committed" | "aborted" = "open";
  /** Renamed onto at commit; null when the target is a device or pipe written directly. */
  private readonly real: string | null;
  private readonly mode: number | null;

  constructor(readonly path: string) {
    try {
      const target = outputTarget(path);
      this.real = target.direct ? null : target.real;
      this.mode = target.direct ? null : target.mode;
      // A device target still gets its body staged (the header comes first), in $TMPDIR.
      const tmp = openTemp(this.real ?? join(tmpdir(), "irqsim-trace"), "tmp");
      this.fd = tmp.fd;
      this.bodyPath = tmp.path;
    } catch (e) {
      // Nothing written yet: an unusable --trace path is bad input (exit 2), not a failed write.
      this.fail(e);
      throw new InputError(`${quote(path)}: cannot write the trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /** Temporary files this trace may leave if the process is killed outright. */
  get tempPaths(): string[] {
    return [this.bodyPath, this.headPath].filter((p) => p !== "");
  }

  write(text: string): void {
    if (this.state !== "open") return;
    this.chunks.push(text);
    this.pending += text.length;
    this.chars += text.length;
    if (this.pending >= FLUSH_CHARS) this.flush();
  }

  /** Binary data (trace.dat pages), after any text written before it. */
  writeBytes(data: Uint8Array): void {
    if (this.state !== "open") return;
    this.flush();
    try {
      writeAll(this.fd, data);
    } catch (e) {
      throw this.fail(e);
    }
    this.chars += data.length;
  }

  /** Makes the file appear under its name, with `header` (if any) before the body. */
  commit(header = ""): void {
    if (this.state !== "open") throw new Error(`trace file ${this.path} already ${this.state}`);
    try {
      this.flush();
      if (header === "" && this.real !== null) {
        keepMode(this.fd, this.mode);
        fsyncSync(this.fd);
        this.closeFd();
        renameSync(this.bodyPath, this.real);
        releaseTemp(this.bodyPath);
      } else {
        this.closeFd();
        this.prependAndPlace(header);
      }
      this.state = "committed";
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Drops everything written: no file appears, no temporary file stays. */
  abort(): void {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.cleanup();
  }

  private closeFd(): void {
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }

  private flush(): void {
    if (this.pending === 0) return;
    const text = this.chunks.join("");
    this.chunks = [];
    this.pending = 0;
    try {
      writeAll(this.fd, text);
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** header + body into a second temporary file renamed onto the target, or straight into a device. */
  private prependAndPlace(header: string): void {
    let out: number;
    const own = this.real === null ? ownDescriptor(this.path) : null;
    if (own !== null) out = own;
    else if (this.real === null) out = openSync(this.path, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOCTTY | constants.O_NONBLOCK);
    else {
      const tmp = openTemp(this.real, "head");
      this.headPath = tmp.path;
      out = tmp.fd;
      keepMode(out, this.mode);
    }
    try {
      writeAll(out, header);
      const src = openSync(this.bodyPath, "r");
      try {
        const buf = Buffer.allocUnsafe(COPY_BYTES);
        for (let pos = 0; ; ) {
          const n = readSync(src, buf, 0, COPY_BYTES, pos);
          if (n === 0) break;
          writeAll(out, buf.subarray(0, n));
          pos += n;
        }
      } finally {
        closeSync(src);
      }
      if (own === null) syncFd(out);
    } catch (e) {
      try {
        if (own === null) closeSync(out);
      } catch {
        // the write error is the one to report
      }
      throw e;
    }
    if (own === null) closeSync(out);
    if (this.real !== null) {
      renameSync(this.headPath, this.real);
      releaseTemp(this.headPath);
    }
    rmSync(this.bodyPath, { force: true });
    releaseTemp(this.bodyPath);
  }

  private cleanup(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed: nothing to release
      }
      this.fd = -1;
    }
    for (const p of this.tempPaths) {
      rmSync(p, { force: true });
      releaseTemp(p);
    }
  }

  /** Removes the temporary files and turns an fs error into the one-line output error (exit 1). */
  private fail(e: unknown): OutputError {
    this.state = "aborted";
    this.cleanup();
    if ((e as Error).name === "OutputError") return e as OutputError;
    return outputError(this.path, e, "cannot write the trace");
  }
}
