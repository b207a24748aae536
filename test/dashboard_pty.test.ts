/**
 * The dashboard in a real terminal, in continuous mode (--duration forever): tmux gives it
 * a pseudo-terminal of 120x40; the test
 * types keys, resizes the window, makes a live change, quits, and checks the line printed
 * after the screen is restored against `irqsim run` of the file --record wrote. Waits poll
 * the pane (bounded); nothing asserts on how long anything took. Skipped, with the reason
 * printed, where tmux is not installed.
 */
import { afterAll, describe, expect, test } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers/cli.js";

const hasTmux = spawnSync("tmux", ["-V"], { encoding: "utf8" }).status === 0;
if (!hasTmux) console.log("dashboard_pty: skipped: tmux is not installed (apt-get install tmux)");

const session = `irqsim-pty-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "irqsim-pty-"));
const tmux = (...args: string[]): string => execFileSync("tmux", args, { encoding: "utf8" });
const pane = (): string => tmux("capture-pane", "-p", "-J", "-t", session);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the pane until `ok` holds (at most `ms`), returning the last capture. */
async function waitFor(ok: (screen: string) => boolean, what: string, ms = 45_000): Promise<string> {
  let screen = "";
  for (let waited = 0; waited < ms; waited += 200) {
    screen = pane();
    if (ok(screen)) return screen;
    await sleep(200);
  }
  throw new Error(`pane never showed ${what}; last screen:\n${screen}`);
}

afterAll(() => {
  if (hasTmux) spawnSync("tmux", ["kill-session", "-t", session]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)("dashboard in a pseudo-terminal (tmux)", () => {
  test("start, keys, resize, a live change, quit: the printed fingerprint is the replay's", { timeout: 120_000 }, async () => {
    const record = join(dir, "session.yaml");
    // The pane is a real terminal even when the suite runs in CI, so the CI variables that make
    // the dashboard refuse to start are taken out of its environment.
    const cmd = `env -u CI -u CONTINUOUS_INTEGRATION ${process.execPath} --import tsx cli/bin.ts dashboard nic-basic --duration forever --speed 0.05 --record ${record}; echo "exit=$?"; sleep 120`;
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", process.cwd(), cmd);
    let screen = await waitFor((s) => /nic-basic seed 1 t=\d+\.\d{6} ms/.test(s) && s.includes("── Threads"), "the first frame");
    expect(screen).toContain("══▶CPUs");
    tmux("send-keys", "-t", session, "?");
    screen = await waitFor((s) => s.includes("r / R    every NIC's sender"), "the help overlay");
    tmux("send-keys", "-t", session, "Escape");
    await waitFor((s) => s.includes("── IRQs"), "the panels again");
    tmux("send-keys", "-t", session, "r");
    screen = await waitFor((s) => /traffic nic0 50\.0k -> 100\.0k pkt\/s \(set_rate, recorded\)/.test(s), "the live change's notice");
    tmux("resize-window", "-t", session, "-x", "80", "-y", "24");
    screen = await waitFor((s) => s.trimEnd().split("\n").length <= 24 && s.includes("── IRQs") && s.split("\n").every((l) => l.length <= 80) && !s.includes("── Threads ("), "a frame redrawn for 80x24");
    tmux("send-keys", "-t", session, "q");
    screen = await waitFor((s) => s.includes("exit="), "the shell after quit");
    const quit = /irqsim dashboard: nic-basic seed 1 quit at (\d+\.\d{6}) ms of 86400\.000 s \(\d+ events\), fingerprint ([0-9a-f]{16}); replay: irqsim run (\S+)/.exec(screen);
    expect(quit, screen).not.toBeNull();
    expect(screen).toContain("exit=0");
    expect(screen).not.toContain("── IRQs"); // the alternate screen is gone
    expect(quit![3]).toBe(record);
    expect(readFileSync(record, "utf8")).toContain("kind: set_rate");
    const replay = await cli(["run", record, "--json"]);
    const result = JSON.parse(replay.stdout) as { fingerprint: string; simulated_ns: number };
    expect(result.fingerprint).toBe(quit![2]);
    expect((result.simulated_ns / 1e6).toFixed(6)).toBe(quit![1]);
  });
});
