/**
 * Writing an output file so that it is either complete or absent, never half there:
 *
 * - every write is checked and short writes are continued (fs.writeSync writes what the
 *   kernel took, which on a nearly full file system is less than asked, with no error);
 *   fsync and close errors count too (NFS and some FUSE file systems report ENOSPC there);
 * - a regular target is written to a temporary file beside it and renamed over it, and
 *   any failure removes the temporary file, leaving the target untouched;
 * - a target that is not a regular file (a character device such as /dev/null or a tty,
 *   /dev/stdout, a pipe from `>(...)`, or a symlink to one) is written directly, as `cat >`
 *   would: renaming over it would replace the device node with a regular file. It is
 *   opened O_NONBLOCK, so a FIFO nobody reads fails at once (ENXIO) instead of hanging;
 * - temporary files are registered, so a signal handler or process exit removes them.
 *
 * A failure is an OutputError: one line, exit 1 (the input was fine, the world was not).
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { quote } from "../sim/quote.js";

/** An output could not be written. Exit 1, one line. */
export class OutputError extends Error {
  override readonly name = "OutputError";
  readonly exitCode = 1;
}

/** The one-line error for a failed write of `path`. */
export function outputError(path: string, e: unknown, what = "cannot write"): OutputError {
  // The errno name (ENOSPC, EDQUOT, EIO) is what a kernel user searches for.
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new OutputError(`${quote(path)}: ${what} (${code})`);
}

const temps = new Set<string>();

/** Temporary files that exist right now (removed on exit or by a signal handler). */
export function registerTemp(path: string): void {
  temps.add(path);
}

export function releaseTemp(path: string): void {
  temps.delete(path);
}

/** Removes every registered temporary file (synchronously: safe in exit and signal handlers). */
export function removeTemps(): void {
  for (const p of temps) rmSync(p, { force: true });
  temps.clear();
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data` to `fd`, continuing after short writes; throws the errno error. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  for (let off = 0; off < buf.length; ) {
    let n: number;
    try {
      n = writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      // stdout may be a non-blocking pipe that is full for now: wait for the reader.
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1);
      continue;
    }
    // A zero-byte write of a non-empty buffer would loop forever; the device is full.
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "ENOSPC" });
    off += n;
  }
}

/** fsync, tolerating targets that cannot be synced (character devices, pipes). */
export function syncFd(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EROFS") throw e;
  }
}

/**
 * Where to write `path`: directly (a device, a pipe, /dev/stdout) or via a temporary file
 * renamed onto `real` (the path with symlinks resolved, so a symlink stays a symlink and
 * its target is replaced). Throws OutputError for a directory.
 */
export function outputTarget(path: string): { direct: true } | { direct: false; real: string; mode: number | null } {
  let lst;
  try {
    lst = lstatSync(path);
  } catch {
    return { direct: false, real: path, mode: null }; // a new file
  }
  let st = lst;
  if (lst.isSymbolicLink()) {
    try {
      st = statSync(path);
    } catch {
      return { direct: false, real: path, mode: null }; // dangling symlink: replace the link
    }
  }
  if (st.isDirectory()) throw new OutputError(`${quote(path)}: is a directory, expected a file name`);
  if (!st.isFile()) return { direct: true };
  let real = path;
  if (lst.isSymbolicLink()) {
    try {
      real = realpathSync(path);
    } catch {
      return { direct: true };
    }
    // /dev/stdout -> /proc/self/fd/1 -> a file the shell opened: write through the descriptor's path.
    if (real.startsWith("/proc/") || real.startsWith("/dev/")) return { direct: true };
  }
  return { direct: false, real, mode: st.mode & 0o7777 };
}

/** A temporary file next to `real`, created exclusively (never through a planted symlink). */
export function openTemp(real: string, tag = "tmp"): { fd: number; path: string } {
  const base = join(dirname(real), `.${basename(real)}.irqsim-${tag}-${process.pid}`);
  for (let i = 0; ; i++) {
    const path = i === 0 ? base : `${base}.${i}`;
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
      registerTemp(path);
      return { fd, path };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || i >= 100) throw e;
    }
  }
}

/** Gives the temp file the replaced file's permissions, so an overwrite keeps them. */
export function keepMode(fd: number, mode: number | null): void {
  if (mode === null) return;
  try {
    if ((fstatSync(fd).mode & 0o7777) !== mode) fchmodSync(fd, mode);
  } catch {
    // best effort: a file system without modes keeps the default
  }
}

/**
 * The descriptor a path names in this process (/dev/stdout, /dev/fd/3, /proc/self/fd/1),
 * or null. Written through the descriptor itself: opening /proc/self/fd/N again fails for
 * a socket (ENXIO) and would truncate a file the shell opened for appending.
 */
export function ownDescriptor(path: string): number | null {
  if (path === "/dev/stdout") return 1;
  if (path === "/dev/stderr") return 2;
  const m = /^\/(?:dev|proc\/self)\/fd\/(\d{1,4})$/.exec(path);
  return m === null ? null : Number(m[1]);
}

/** Writes `text` to `path` completely or not at all; OutputError (exit 1) on failure. */
export function writeFileAtomic(path: string, text: string): void {
  const own = ownDescriptor(path);
  if (own !== null) {
    try {
      writeAll(own, text);
    } catch (e) {
      throw outputError(path, e);
    }
    return;
  }
  const target = outputTarget(path);
  if (target.direct) {
    let fd = -1;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOCTTY | constants.O_NONBLOCK);
      writeAll(fd, text);
      syncFd(fd);
      const closing = fd;
      fd = -1;
      closeSync(closing);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      throw outputError(path, e);
    }
    return;
  }
  let tmp: { fd: number; path: string } | null = null;
  try {
    tmp = openTemp(target.real);
    keepMode(tmp.fd, target.mode);
    writeAll(tmp.fd, text);
    fsyncSync(tmp.fd);
    const fd = tmp.fd;
    tmp.fd = -1;
    closeSync(fd);
    renameSync(tmp.path, target.real);
    releaseTemp(tmp.path);
  } catch (e) {
    if (tmp !== null) {
      if (tmp.fd >= 0) {
        try {
          closeSync(tmp.fd);
        } catch {
          // the write error is the one to report
        }
      }
      rmSync(tmp.path, { force: true });
      releaseTemp(tmp.path);
    }
    throw outputError(path, e);
  }
}
