/**
 * Planted bugs (`--plant`): each deliberately breaks the simulated kernel, and the run must
 * exit 70 with one line naming the invariant or WARN check that caught it. Every plant on
 * at least two scenarios; a plant whose code path a scenario never runs is refused (exit 2),
 * never silently ignored. Short durations: every plant fires within the first milliseconds.
 */
import { describe, expect, test } from "vitest";
import { cli } from "./helpers/cli.js";
import { PLANT_NAMES, type PlantName } from "../sim/plant.js";

/** For each plant: the scenarios it is tried on, and what the one line must say. */
const CASES: Record<PlantName, { scenarios: string[]; line: RegExp }> = {
  "leak-skb": { scenarios: ["nic-basic", "workqueue-rx", "threaded-irq"], line: /packets: skb nic0#6 leaked: its owner nic0 rx ring does not hold it; last touched at event #\d+/ },
  "double-deliver": { scenarios: ["nic-basic", "livelock", "tasklet-serial"], line: /WARNING: an skb has exactly one owner: skb nic\d#\d+ delivered by task app\d?, but it was already delivered/ },
  "skip-cpu-time": { scenarios: ["nic-basic", "block-io"], line: /cpu0: \/proc\/stat softirq \d+ ns != \d+ ns of softirq segments/ },
  "lost-work": { scenarios: ["workqueue-rx", "sleep-in-atomic --set devices.nic1.bug=none --set devices.nic1.mode=workqueue --set devices.nic1.workqueue=events"], line: /work \d+ \(nic\d_rx_work\) lost: queued at event #\d+ onto pool \d+ worklist, but on no list/ },
  "stuck-softirq": { scenarios: ["nic-basic", "block-io", "tasklet-serial"], line: /NOHZ tick-stop error: local softirq work is pending, handler #\d\d!!!|softirq work is pending .* but ksoftirqd sleeps/ },
  "unbalanced-preempt": { scenarios: ["nic-basic", "livelock", "missing-barrier"], line: /WARNING: preempt_count balanced on softirq exit: huh, entered softirq 3 NET_RX with preempt_count 00000100, exited with 00000101\?/ },
};

describe("--plant: every planted bug is caught", () => {
  test("the cases cover every plant", () => {
    expect(Object.keys(CASES).sort()).toEqual([...PLANT_NAMES].sort());
  });

  for (const name of PLANT_NAMES) {
    for (const sc of CASES[name].scenarios) {
      test(`${name} on ${sc}: exit 70, one line naming the broken invariant`, async () => {
        const [ref, ...sets] = sc.split(" ");
        const r = await cli(["run", ref!, ...sets, "--duration", "5ms", "--plant", name, "--json"]);
        expect(r.code, r.stderr).toBe(70);
        const lines = r.stderr.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^irqsim: invariant violated in \S+ with seed 1 at event #\d+ \(\d+ ns\): /);
        expect(lines[0]).toMatch(CASES[name].line);
        const json = JSON.parse(r.stdout) as { invariants: { ok: boolean } };
        expect(json.invariants.ok).toBe(false);
      });
    }
  }

  test("a plant whose code never runs in the scenario is refused, not ignored", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "5ms", "--plant", "lost-work"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("irqsim: --plant lost-work: does not apply to nic-basic: the planted bug never fired (queue_work() marks every 3rd work item pending but puts it on no list, so it never runs)\n");
  });

  test("plants combine, --plant list lists them, an unknown one is bad input", async () => {
    const both = await cli(["run", "nic-basic", "--duration", "5ms", "--plant", "unbalanced-preempt", "--plant", "leak-skb"]);
    expect(both.code).toBe(70);
    const list = await cli(["run", "nic-basic", "--plant", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout.trimEnd().split("\n").map((l) => l.split(" ")[0])).toEqual(PLANT_NAMES);
    const bad = await cli(["run", "nic-basic", "--plant", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^irqsim: --plant: unknown bug "nope"; expected one of: leak-skb, /);
  });

  test("without a plant the same scenarios keep every invariant", async () => {
    for (const sc of ["nic-basic", "workqueue-rx", "block-io", "tasklet-serial"]) {
      const r = await cli(["run", sc, "--duration", "5ms", "--json"]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
