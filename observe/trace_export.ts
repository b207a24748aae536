/**
 * `run --trace FILE`: attaches the chosen exporter (ftrace text or Chrome Trace JSON) to a
 * booted system before the run, and at the end either renames its file into place and
 * reports what was written, or (error, Ctrl-C) removes it.
 */
import type { System } from "../system/boot.js";
import { ChromeTraceWriter } from "./chrome_trace.js";
import { FtraceWriter, type TraceCounts } from "./ftrace.js";
import { TraceDatWriter } from "./trace_dat.js";
import { TraceFile } from "./trace_file.js";
import type { TraceWindow } from "./trace_window.js";

export const TRACE_FORMATS = ["ftrace", "chrome", "dat"] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface TraceOptions {
  file: string;
  format: TraceFormat;
  window: TraceWindow;
  /** Most lines (ftrace), trace events (chrome) or events (dat) to write. */
  limit: number;
}

/** What `run` reports about the trace (the `trace` key of `--json`). */
export interface TraceReport {
  file: string;
  format: TraceFormat;
  /** "written": the file is in place; "removed": the run stopped early and left no file. */
  status: "written" | "removed";
  /** What `written`, `dropped` and `outside_window` count. */
  unit: "lines" | "events";
  window_ns: { from: number; to: number | null };
  limit: number;
  written: number;
  /** Cut by the limit. */
  dropped: number;
  /** Before or after the window. */
  outside_window: number;
}

/** `.json` means Chrome JSON, `.dat` trace-cmd's trace.dat; anything else ftrace text, unless the format is given. */
export function traceFormatFor(file: string, format: TraceFormat | undefined): TraceFormat {
  if (format !== undefined) return format;
  const f = file.toLowerCase();
  return f.endsWith(".json") ? "chrome" : f.endsWith(".dat") ? "dat" : "ftrace";
}

export class TraceExport {
  private readonly writer: FtraceWriter | ChromeTraceWriter | TraceDatWriter;

  constructor(
    sys: System,
    readonly opts: TraceOptions,
  ) {
    const file = new TraceFile(opts.file);
    try {
      this.writer =
        opts.format === "ftrace"
          ? new FtraceWriter(sys, file, opts.window, opts.limit)
          : opts.format === "dat"
            ? new TraceDatWriter(sys, file, opts.window, opts.limit)
            : new ChromeTraceWriter(sys, file, opts.window, opts.limit);
    } catch (e) {
      file.abort(); // never leave the temporary file behind
      throw e;
    }
  }

  /** The run ended normally at `endNs`: write the file into place. */
  finish(endNs: number): TraceReport {
    const w = this.writer;
    const counts = w instanceof ChromeTraceWriter ? w.finish(endNs) : w.finish();
    return this.report("written", counts);
  }

  /** The run stopped early or failed: no trace file, no temporary file. */
  abort(): TraceReport {
    this.writer.abort();
    return this.report("removed", this.writer.counts);
  }

  private report(status: TraceReport["status"], c: TraceCounts): TraceReport {
    const o = this.opts;
    return {
      file: o.file,
      format: o.format,
      status,
      unit: o.format === "ftrace" ? "lines" : "events",
      window_ns: { from: o.window.from, to: Number.isFinite(o.window.to) ? o.window.to : null },
      limit: o.limit,
      written: c.written,
      dropped: c.dropped,
      outside_window: c.outside_window,
    };
  }
}
