/** The stuck-interrupt detector: 99,900 unhandled of 100,000 and "nobody cared". */
import { pick, round, type Lesson } from "./lesson.js";

export const spuriousIrq: Lesson = {
  name: "spurious-irq",
  title: "Spurious interrupts and \"nobody cared\"",
  summary: "note_interrupt counts IRQ_NONE per 100,000: over 99,900 and the line is disabled",
  setup(seed) {
    const rate = pick(seed, "rate", [500_000, 700_000, 1_000_000]);
    const handled = pick(seed, "handled", [0, 0.0002, 0.0005, 0.002, 0.01]);
    return {
      text:
        `sensor0 on IRQ 19 (CPU1) raises ${rate} interrupts/s for 250 ms; its handler returns IRQ_HANDLED for a fraction\n` +
        `${handled} of them and IRQ_NONE otherwise. kernel/irq/spurious.c note_interrupt counts each line's interrupts in\n` +
        `windows of 100,000; if more than 99,900 of a window were unhandled it prints "irq 19: nobody cared" and disables it.`,
      runs: { main: { scenario: "spurious-irq", duration: "250ms", sets: [`devices.sensor0.rate=${rate}`, `devices.sensor0.handled=${handled}`] } },
      questions: [
        {
          text: "Was IRQ 19 disabled?",
          choices: ["yes", "no"],
          answer: (r) => ({ value: r.main!.devices.sensor0!.type === "noisy" && r.main!.devices.sensor0!.line_disabled ? "a" : "b", why: "devices.sensor0.line_disabled / 'Disabling IRQ #19' in dmesg" }),
        },
        {
          text: "How many of sensor0's interrupts went unhandled (IRQ_NONE) before the run ended or the line was disabled?",
          unit: "interrupts",
          tolerance: { rel: 0.02 },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name === "sensor0")!.unhandled, why: "irqs[sensor0].unhandled" }),
        },
        {
          text: "At what time (ms) did the kernel print 'nobody cared'? (-1 if it never did)",
          unit: "ms",
          tolerance: { abs: 2 },
          answer: (r) => {
            const line = r.main!.dmesg.find((l) => l.includes("nobody cared"));
            const m = line === undefined ? null : /^\[\s*([0-9.]+)\]/.exec(line);
            return { value: m === null ? -1 : round(Number(m[1]) * 1000, 1), why: "the timestamp of 'nobody cared' in dmesg" };
          },
        },
        {
          text: "What percentage of CPU1 went to hardirq context?",
          unit: "%",
          tolerance: { abs: 3 },
          answer: (r) => ({ value: round((100 * r.main!.cpus[1]!.hardirq_ns) / r.main!.simulated_ns, 1), why: "cpus[1].hardirq_ns / simulated_ns" }),
        },
      ],
      expect: [
        {
          what: "the line is disabled exactly when a window of 100,000 had more than 99,900 unhandled",
          holds: (r) => {
            const d = r.main!.devices.sensor0!;
            const disabled = d.type === "noisy" && d.line_disabled;
            return disabled === r.main!.dmesg.some((l) => l.includes("nobody cared")) && (disabled || handled > 0.001);
          },
        },
      ],
    };
  },
};
