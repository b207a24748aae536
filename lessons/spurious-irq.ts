/** The stuck-interrupt detector: 99,900 unhandled of 100,000 and "nobody cared". */
import { costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const WINDOW = 100_000;
const LIMIT = 99_900;
const PER_IRQ = ["irq_entry", "mmio_read", "irq_exit"] as const;

export const spuriousIrq: Lesson = {
  name: "spurious-irq",
  title: 'Spurious interrupts and "nobody cared"',
  summary: "note_interrupt counts IRQ_NONE per 100,000: over 99,900 and the line is disabled",
  setup(d) {
    const rate = d.pick("rate", [250_000, 330_000, 400_000]);
    const handled = d.pick("handled", [0, 0.0002, 0.0005, 0.002, 0.01]);
    const c = PER_IRQ.reduce((a, k) => a + costOf(k), 0);
    // Just past the first window (at the rate the interrupts are delivered): the run stays short.
    const ms = Math.ceil((1.1 * WINDOW * 1000) / rate);
    // Asserts while one is already pending merge: of the m = rate x c arrivals during one
    // handler, all but the first are lost (m - P(at least one) per interrupt).
    const m = (rate * c) / 1e9;
    const mergePer = m - (1 - Math.exp(-m));
    const delivered = rate / (1 + mergePer);
    const disabled = WINDOW * (1 - handled) > LIMIT;
    const atMs = (WINDOW / delivered) * 1000;
    const total = disabled ? WINDOW : (delivered * ms) / 1000;
    const unhandled = total * (1 - handled);
    const pct = (100 * total * c) / (ms * 1e6);
    return {
      text:
        `sensor0 on IRQ 19 (CPU1) raises ${rate} interrupts/s (Poisson) for ${ms} ms; its handler returns IRQ_HANDLED for a\n` +
        `fraction ${handled} of them and IRQ_NONE otherwise. kernel/irq/spurious.c note_interrupt counts each line's interrupts in\n` +
        `windows of ${WINDOW.toLocaleString("en-US")}; if more than ${LIMIT.toLocaleString("en-US")} of a window were unhandled it prints "irq 19: nobody cared" and disables\n` +
        `the line for good. ${costTable(PER_IRQ)}; one interrupt costs ${usText(c)} of hardirq time. An assert while one is\n` +
        `already pending merges into it: of the m = rate x c = ${round(m, 3)} arrivals during a handler, m - (1 - e^-m) = ${round(mergePer, 3)} are\n` +
        `lost per interrupt, so interrupts are delivered at ${round(delivered, -2)}/s.`,
      runs: { main: { scenario: "spurious-irq", duration: `${ms}ms`, sets: [`devices.sensor0.rate=${rate}`, `devices.sensor0.handled=${handled}`, "devices.nic0.traffic.rate=2000"] } },
      questions: [
        {
          text: "Was IRQ 19 disabled?",
          choices: ["yes", "no"],
          derive: { estimate: disabled ? "a" : "b", text: `a window holds about ${WINDOW} x ${handled} = ${round(WINDOW * handled)} handled, so ${round(WINDOW * (1 - handled))} unhandled: ${disabled ? "over" : "not over"} ${LIMIT}` },
          answer: (r) => ({ value: r.main!.devices.sensor0!.type === "noisy" && r.main!.devices.sensor0!.line_disabled ? "a" : "b", why: "devices.sensor0.line_disabled / 'Disabling IRQ #19' in dmesg" }),
        },
        {
          text: "How many of sensor0's interrupts went unhandled (IRQ_NONE) before the run ended or the line was disabled?",
          unit: "interrupts",
          tolerance: { rel: 0.01, sigmas: 3 },
          derive: {
            estimate: round(unhandled),
            text: disabled ? `the first window ends the line: ${WINDOW} x (1 - ${handled}) = ${round(unhandled)}` : `all ${round(delivered, -2)}/s x ${ms} ms = ${round(total)} interrupts x (1 - ${handled}) = ${round(unhandled)}`,
          },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name === "sensor0")!.unhandled, why: "irqs[sensor0].unhandled" }),
        },
        {
          text: "At what time (ms) did the kernel print 'nobody cared'? (-1 if it never did)",
          unit: "ms",
          tolerance: { rel: 0.02, abs: 1 },
          derive: { estimate: disabled ? round(atMs, 1) : -1, text: disabled ? `after ${WINDOW} interrupts: ${WINDOW} / ${round(delivered, -2)}/s = ${round(atMs, 1)} ms` : "never: no window passes the limit" },
          answer: (r) => {
            const line = r.main!.dmesg.find((l) => l.includes("nobody cared"));
            const m = line === undefined ? null : /^\[\s*([0-9.]+)\]/.exec(line);
            return { value: m === null ? -1 : round(Number(m[1]) * 1000, 1), why: "the timestamp of 'nobody cared' in dmesg" };
          },
        },
        {
          text: "What percentage of CPU1 went to hardirq context?",
          unit: "%",
          tolerance: { rel: 0.05, abs: 1 },
          derive: { estimate: round(pct, 1), text: `${round(total)} interrupts x ${usText(c)} over ${ms} ms = ${round(pct, 1)}%` },
          answer: (r) => ({ value: round((100 * r.main!.cpus[1]!.hardirq_ns) / r.main!.simulated_ns, 1), why: "cpus[1].hardirq_ns / simulated_ns" }),
        },
      ],
      expect: [
        {
          what: "the line is disabled exactly when a window of 100,000 had more than 99,900 unhandled",
          holds: (r) => {
            const dv = r.main!.devices.sensor0!;
            const dis = dv.type === "noisy" && dv.line_disabled;
            return dis === r.main!.dmesg.some((l) => l.includes("nobody cared")) && (dis || handled > 0.001);
          },
        },
      ],
    };
  },
};
