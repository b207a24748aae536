/**
 * The trace of the last few milliseconds of simulated time, as ftrace text, for the
 * dashboard's `w` key: the lines the event log formats anyway, kept with their times while
 * they are younger than `keepNs` (and at most `maxLines` of them, so a flood of events
 * cannot grow it without bound -- like the kernel's ring buffer, the oldest go first).
 */
import { ftraceHeader } from "./ftrace.js";

export class RecentTrace {
  private times: number[] = [];
  private lines: string[] = [];
  private head = 0;
  /** Lines ever pushed (ftrace's entries-written). */
  written = 0;

  constructor(
    readonly keepNs: number,
    private readonly maxLines: number,
  ) {}

  push(time: number, line: string): void {
    this.times.push(time);
    this.lines.push(line);
    this.written++;
    // Drop what is too old or too many, compacting now and then rather than per line.
    while (this.head < this.times.length && (this.times[this.head]! < time - this.keepNs || this.times.length - this.head > this.maxLines)) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** The lines of the last `ns` before `now`, oldest first. */
  since(now: number, ns: number): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.times.length; i++) if (this.times[i]! >= now - ns) out.push(this.lines[i]!);
    return out;
  }

  /** `/sys/kernel/tracing/trace` for the last `ns` (header included). */
  ftraceText(now: number, ns: number, cpus: number): string {
    const lines = this.since(now, ns);
    return ftraceHeader(lines.length, this.written, cpus) + lines.map((l) => `${l}\n`).join("");
  }
}
