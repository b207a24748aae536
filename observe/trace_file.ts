/**
 * A trace file written atomically with bounded memory: text streams into a temporary file
 * next to the target (same directory, so the final rename never crosses a filesystem) in
 * 64 KiB chunks, and only `commit()` makes it appear under its name. `abort()` (an error,
 * Ctrl-C) removes the temporary file, so a reader never finds half a trace.
 *
 * ftrace's header states how many entries follow ("entries-in-buffer/entries-written"),
 * which is known only at the end: `commit(header)` writes the header into a second
 * temporary file and copies the body after it, chunk by chunk, before the rename.
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../sim/input_error.js";

const FLUSH_CHARS = 64 * 1024;
const COPY_BYTES = 1 << 20;

export class TraceFile {
  /** Bytes handed to `write` so far (UTF-16 length; traces are ASCII). */
  chars = 0;
  private readonly bodyPath: string;
  private readonly headPath: string;
  private fd = -1;
  private chunks: string[] = [];
  private pending = 0;
  private state: "open" | "committed" | "aborted" = "open";

  constructor(readonly path: string) {
    const dir = dirname(path);
    const base = basename(path);
    this.bodyPath = join(dir, `.${base}.irqsim-tmp-${process.pid}`);
    this.headPath = join(dir, `.${base}.irqsim-head-${process.pid}`);
    try {
      this.fd = openSync(this.bodyPath, "w");
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Temporary files this trace may leave if the process is killed outright. */
  get tempPaths(): string[] {
    return [this.bodyPath, this.headPath];
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
      for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
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
      if (header === "") {
        fsyncSync(this.fd);
        closeSync(this.fd);
        this.fd = -1;
        renameSync(this.bodyPath, this.path);
      } else {
        closeSync(this.fd);
        this.fd = -1;
        this.prependAndRename(header);
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

  private flush(): void {
    if (this.pending === 0) return;
    const text = this.chunks.join("");
    this.chunks = [];
    this.pending = 0;
    try {
      writeSync(this.fd, text);
    } catch (e) {
      throw this.fail(e);
    }
  }

  private prependAndRename(header: string): void {
    const out = openSync(this.headPath, "w");
    try {
      writeSync(out, header);
      const src = openSync(this.bodyPath, "r");
      try {
        const buf = Buffer.allocUnsafe(COPY_BYTES);
        for (let pos = 0; ; ) {
          const n = readSync(src, buf, 0, COPY_BYTES, pos);
          if (n === 0) break;
          writeSync(out, buf, 0, n);
          pos += n;
        }
      } finally {
        closeSync(src);
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(this.headPath, this.path);
    rmSync(this.bodyPath, { force: true });
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
    rmSync(this.bodyPath, { force: true });
    rmSync(this.headPath, { force: true });
  }

  /** Removes the temporary files and turns an fs error into the one-line input error. */
  private fail(e: unknown): InputError {
    this.state = "aborted";
    this.cleanup();
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return new InputError(`${this.path}: cannot write the trace (${code})`);
  }
}
