/**
 * Starts the live dashboard on the terminal: the alternate screen (so the shell's
 * scrollback is left as it was), ink in raw mode, and on the way out (q, Ctrl-C, SIGTERM,
 * SIGHUP) the terminal restored: ink gives back the cursor and cooked mode, then the
 * alternate screen is left.
 */
import { render } from "ink";
import type { Simulation } from "../system/run.js";
import type { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { App, type QuitReason } from "./App.js";
import { LiveRun } from "./live_run.js";

const ENTER_ALT_SCREEN = "\x1b[?1049h\x1b[H\x1b[2J";
const LEAVE_ALT_SCREEN = "\x1b[?1049l";

export interface LiveOptions {
  sim: Simulation;
  history: SnapshotHistory;
  speed: number;
  color: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Atomic file writer for the `w` key. */
  writeFile?: (path: string, text: string) => void;
  /** Leave when the run finishes (--loop), instead of showing the end until q. */
  exitOnFinish?: boolean;
}

export interface LiveResult {
  reason: QuitReason;
  run: LiveRun;
}

export async function runLive(opts: LiveOptions): Promise<LiveResult> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const run = new LiveRun(opts.sim, opts.history, { speed: opts.speed });
  let reason: QuitReason = "quit";
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT_SCREEN);
  };
  stdout.write(ENTER_ALT_SCREEN);
  process.once("exit", restore);
  const app = render(
    <App
      run={run}
      color={opts.color}
      writeFile={opts.writeFile}
      exitOnFinish={opts.exitOnFinish}
      onQuit={(r) => {
        reason = r;
      }}
    />,
    { stdout, stdin, exitOnCtrlC: false, maxFps: 15, incrementalRendering: false, patchConsole: true },
  );
  const onSignal = (): void => {
    reason = "interrupt";
    app.unmount();
  };
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGINT"];
  for (const s of signals) process.on(s, onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.off("exit", restore);
    restore();
    opts.history.dispose();
  }
  return { reason, run };
}
