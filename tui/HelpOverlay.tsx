/**
 * The `?` overlay: every key, and how to read the CPU lanes (strip letters upper and
 * lower case, flags). README's Dashboard section says the same.
 */
import { Box } from "ink";
import { fitLines, LineView, type Line } from "./line.js";

export const HELP_LINES: Line[] = [
  [{ text: "Keys", bold: true }],
  [{ text: "  space    pause / resume" }],
  [{ text: "  n        step to the next meaningful event (pauses first); what happened and why, in kernel terms" }],
  [{ text: "  .        step exactly one event        S W D B  step to the next softirq / wake-up / drop / BUG" }],
  [{ text: "  /        filter the event log: cpu1 irq24 softirq_entry, a comm, an skbaddr (all terms; enter, esc)" }],
  [{ text: "  [ / ]    scroll the event log back / forward through the last 10 ms; esc clears filter and scroll" }],
  [{ text: "  w        write the ftrace text of the last 10 ms of simulated time to <scenario>-seed<N>-<ns>ns.trace.txt" }],
  [{ text: "  + / -    faster / slower: simulated time per real second (1/100000 of real time up to max)" }],
  [{ text: "  tab      focus the next panel (shift-tab: previous); a focused panel is never dropped" }],
  [{ text: "Live changes (each a fault at the current simulated time; --record FILE saves them for irqsim run)", bold: true }],
  [{ text: "  r / R    every NIC's sender twice / half as fast (set_rate; not replayed traffic)" }],
  [{ text: "  a        every NIC queue's IRQ to the next CPU (set_affinity: smp_affinity_list)" }],
  [{ text: "  m / M    every workqueue's max_active doubled / halved (set_max_active; not ordered ones)" }],
  [{ text: "  c / C    every NIC's rx-usecs one step up / down: 0 10 25 50 100 200 500 1000 us (set_coalesce)" }],
  [{ text: "  b        every NIC driver without / with its dma_rmb() and wmb() (set_barriers)" }],
  [{ text: "  f        a burst that fills every NIC's rings (traffic_burst)" }],
  [{ text: "           (the NIC's mode is fixed when the driver probes: change it with --set, not live)" }],
  [{ text: "  ?, esc   this help" }],
  [{ text: "  q        quit (Ctrl-C too)" }],
  [],
  [{ text: "CPU lanes", bold: true }],
  [
    { text: "  strip: " },
    { text: "H", color: "red", bold: true },
    { text: " hardirq  " },
    { text: "S", color: "yellow", bold: true },
    { text: " softirq  " },
    { text: "K", color: "blue", bold: true },
    { text: " kernel/kthread  " },
    { text: "U", color: "green", bold: true },
    { text: " user  " },
    { text: ".", color: "gray" },
    { text: " idle" },
  ],
  [{ text: "         one cell per sample (a frame): the busiest context in it; UPPER case: the CPU was busy at least" }],
  [{ text: "         half of the sample, lower case (h s k u): busy less than half of it, mostly idle" }],
  [{ text: "  flags: ftrace's  d = IRQs off,  h/s/b = hardirq / serving softirq / BH disabled,  digit = preempt depth" }],
  [{ text: "  hi si sy us: share of the window in hardirq, softirq, system, user; rq: runnable threads waiting" }],
];

/** The most the help can be scrolled in `height` rows (0 when it fits). */
export function helpMaxOffset(height: number): number {
  return Math.max(0, HELP_LINES.length - height);
}

export function HelpOverlay({ width, height, offset = 0, color = true }: { width: number; height: number; offset?: number; color?: boolean }) {
  const from = Math.min(Math.max(0, offset), helpMaxOffset(height));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {fitLines(HELP_LINES.slice(from), height).map((l, i) => (
        <LineView key={i} line={l} color={color} />
      ))}
    </Box>
  );
}
