/**
 * The one way irqsim reads a file it was given (scenario, replay CSV, litmus test, sweep
 * shard): it must be a readable regular file no bigger than a cap, or the read is refused
 * with one line (exit 2). A FIFO would block a plain read forever and /dev/zero never ends,
 * so the file is opened with O_NONBLOCK and fstat'ed BEFORE anything is read: the checks
 * see the very node that is read (no stat-then-open race), and opening a FIFO this way
 * returns at once instead of waiting for a writer.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";

export interface CheckedReadOptions {
  /** Largest accepted size in bytes; bigger is "not a <what>". */
  maxBytes: number;
  /** What the file should be, for messages: "a .yaml file", "a replay CSV". */
  what: string;
  /** What an oversized file is not, if not `what`: "a scenario file". */
  tooBigFor?: string;
  /** How the file is named in messages (default: the path, quoted if it needs it). */
  label?: string;
  encoding?: BufferEncoding;
}

function sizeText(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`;
}

/** Reads `file` whole, or throws a one-line InputError saying why it is not acceptable. */
export function readCheckedFile(file: string, opts: CheckedReadOptions): string {
  const label = opts.label ?? quote(file);
  const notA = opts.tooBigFor ?? opts.what;
  if (file === "") throw new InputError(`expected a file name for ${opts.what}, got ''`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new InputError(`${label}: no such file`);
    if (code === "EACCES" || code === "EPERM") throw new InputError(`${label}: permission denied`);
    if (code === "ELOOP") throw new InputError(`${label}: too many levels of symbolic links`);
    if (code === "EISDIR") throw new InputError(`${label}: is a directory, expected ${opts.what}`);
    throw new InputError(`${label}: cannot read (${code ?? "error"})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${label}: is a directory, expected ${opts.what}`);
    if (!st.isFile()) {
      const kind = st.isFIFO() ? "a FIFO" : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device" : st.isSocket() ? "a socket" : "not a regular file";
      throw new InputError(`${label}: ${kind.startsWith("not") ? kind : `is ${kind}`}, expected ${opts.what} (a regular file)`);
    }
    if (st.size > opts.maxBytes) throw new InputError(`${label}: larger than ${sizeText(opts.maxBytes)} (${st.size} bytes), not ${notA}`);
    // Read at most maxBytes + 1: a file growing while it is read is caught, not followed.
    const buf = Buffer.allocUnsafe(Math.min(opts.maxBytes + 1, Math.max(st.size + 1, 4096)));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        // Full: either past the cap, or the file grew after fstat (being written to).
        if (n > opts.maxBytes) throw new InputError(`${label}: larger than ${sizeText(opts.maxBytes)}, not ${notA}`);
        throw new InputError(`${label}: changed while being read, expected ${opts.what}`);
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > opts.maxBytes) throw new InputError(`${label}: larger than ${sizeText(opts.maxBytes)}, not ${notA}`);
    return buf.toString(opts.encoding ?? "utf8", 0, n);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new InputError(`${label}: is a directory, expected ${opts.what}`);
    throw new InputError(`${label}: cannot read (${code ?? "error"})`);
  } finally {
    closeSync(fd);
  }
}
