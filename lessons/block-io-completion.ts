/** Block I/O completion: the device's MSI, nvme_irq, the BLOCK softirq, and closed-loop throughput. */
import { round, usText, type Lesson } from "./lesson.js";

/** Think time (tasks.fio.think) plus the completion path (IRQ, BLOCK softirq, wake-up, resubmit). */
const THINK_NS = 5000;
const PATH_NS = 5000;

export const blockIoCompletion: Lesson = {
  name: "block-io-completion",
  title: "Block I/O completion and queue depth",
  summary: "fio-style synchronous readers: IOPS = jobs / (service + completion path), p50 of an exponential service",
  setup(d) {
    const jobs = d.pick("jobs", [1, 2, 3, 4]);
    const service = d.pick("service_us", [100, 200, 400]);
    const ms = 20;
    const cycle = service * 1000 + THINK_NS + PATH_NS;
    const done = (jobs * ms * 1e6) / cycle;
    const p50 = service * Math.LN2;
    return {
      text:
        `${jobs} thread(s) on CPU1 each keep one synchronous read outstanding to an NVMe-like SSD (fio --numjobs=${jobs} --iodepth=1),\n` +
        `for ${ms} ms. The device has 32 tags and serves requests in parallel, each taking an exponentially distributed time\n` +
        `with mean ${service} us. Each completion raises the device's MSI on CPU0; the top half (nvme_irq) reaps the completion\n` +
        `queue, the BLOCK softirq ends the request and wakes its thread on CPU1, which thinks ${usText(THINK_NS)} and submits again.\n` +
        `The completion path (interrupt, softirq, cross-CPU wake-up, submission) adds about ${usText(PATH_NS)} per request; with\n` +
        `this few jobs CPU1 is mostly idle, so a woken thread does not wait for it.`,
      runs: { main: { scenario: "block-io", duration: `${ms}ms`, sets: [`tasks.fio.jobs=${jobs}`, `devices.nvme0.service=${service}us`] } },
      questions: [
        {
          text: "How many requests completed?",
          unit: "requests",
          tolerance: { rel: 0.08, sigmas: 3 },
          derive: { estimate: round(done), text: `a closed loop: each job completes one request per service + think + path = ${usText(cycle)}; ${jobs} x ${ms} ms / ${usText(cycle)} = ${round(done)}` },
          answer: (r) => {
            const dv = r.main!.devices.nvme0!;
            return { value: dv.type === "block" ? dv.completed : -1, why: "devices.nvme0.completed" };
          },
        },
        {
          text: "What is the median (p50) request latency, in us?",
          unit: "us",
          tolerance: { rel: 0.15, abs: 5 },
          derive: { estimate: round(p50, 1), text: `with tags to spare nobody queues: the latency is the service time; the median of an exponential with mean ${service} us is ${service} x ln 2 = ${round(p50, 1)} us` },
          answer: (r) => {
            const dv = r.main!.devices.nvme0!;
            return { value: dv.type === "block" ? round(dv.request_latency_ns.p50 / 1e3, 1) : -1, why: "devices.nvme0.request_latency_ns.p50" };
          },
        },
        {
          text: "How many times did the BLOCK softirq run on CPU0?",
          unit: "runs",
          tolerance: { rel: 0.1, sigmas: 3 },
          derive: { estimate: round(done), text: "one per completion interrupt, and with few requests in flight an interrupt rarely finds two completions: about one per request" },
          answer: (r) => ({ value: r.main!.softirqs.BLOCK!.per_cpu[0]!, why: "softirqs.BLOCK.per_cpu[0]" }),
        },
      ],
      expect: [{ what: "the BLOCK softirq runs on the CPU that took the completion interrupt", holds: (r) => r.main!.softirqs.BLOCK!.per_cpu[0]! > 0 && r.main!.softirqs.BLOCK!.per_cpu[1] === 0 }],
    };
  },
};
