/**
 * The live dashboard: runs the simulation in slices between turns of the event loop, draws
 * from snapshots at most 15 times a second (a fast simulation is not slowed by drawing),
 * and handles the keys. Everything about pacing, stepping and faults is in LiveRun; this
 * component only schedules it and keeps what is on screen.
 */
import { useApp, useInput, useStdout, type Key } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Snapshot } from "../observe/snapshot.js";
import { bodyRowsFor, Dashboard } from "./Dashboard.js";
import { helpMaxOffset } from "./HelpOverlay.js";
import { FOCUS_ORDER, type PanelId } from "./layout.js";
import type { LiveRun } from "./live_run.js";
import { fmtNs } from "./format.js";
import { logWindow } from "./log_filter.js";

/** At most 15 frames a second. */
export const FRAME_MS = Math.ceil(1000 / 15);

export type QuitReason = "quit" | "interrupt";

export interface AppProps {
  run: LiveRun;
  color: boolean;
  /** A fixed size (tests); by default the terminal's, following resizes. */
  columns?: number;
  rows?: number;
  frameMs?: number;
  onQuit?: (reason: QuitReason) => void;
  /** Writes a file atomically (the CLI's writer); `w` is refused without one. */
  writeFile?: (path: string, text: string) => void;
  /** Exit when the run finishes (dashboard --loop starts the next seed). */
  exitOnFinish?: boolean;
}

function useTerminalSize(fixedColumns?: number, fixedRows?: number): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = useCallback(
    () => ({ columns: fixedColumns ?? (stdout.columns || 80), rows: fixedRows ?? (stdout.rows || 24) }),
    [stdout, fixedColumns, fixedRows],
  );
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout, read]);
  return size;
}

function nextFocus(f: PanelId, dir: number): PanelId {
  const i = FOCUS_ORDER.indexOf(f);
  return FOCUS_ORDER[(i + dir + FOCUS_ORDER.length) % FOCUS_ORDER.length]!;
}

export function App({ run, color, columns, rows, frameMs = FRAME_MS, onQuit, writeFile, exitOnFinish = false }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(columns, rows);
  const [snap, setSnap] = useState<Snapshot>(() => run.snapshot());
  const [focus, setFocus] = useState<PanelId>("cpus");
  const [help, setHelp] = useState(false);
  const [helpOffset, setHelpOffset] = useState(0);
  const [notice, setNotice] = useState("");
  // The event log's filter (tui/log_filter.ts), the text being typed after `/` (null when
  // not typing), and how far back it is scrolled.
  const [filter, setFilter] = useState("");
  const [typing, setTyping] = useState<string | null>(null);
  const typingRef = useRef<string | null>(null);
  const [back, setBack] = useState(0);
  // Bumped when LiveRun state shown on screen (paused, speed) changes.
  const [, setVersion] = useState(0);
  const bump = (): void => setVersion((v) => v + 1);
  const lastFrame = useRef(run.clock());

  const redraw = useCallback(() => {
    lastFrame.current = run.clock();
    setSnap(run.snapshot());
  }, [run]);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let immediate: ReturnType<typeof setImmediate> | undefined;
    let finishShown = run.finished;
    const loop = (): void => {
      if (!alive) return;
      let more: boolean;
      try {
        more = run.pump();
      } catch (e) {
        // A simulator bug: stop drawing and let the caller restore the terminal and report.
        alive = false;
        exit(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (run.finished && exitOnFinish) {
        alive = false;
        exit();
        return;
      }
      if (run.finished && !finishShown) {
        finishShown = true;
        setNotice(run.finishNotice());
        redraw();
      } else if (run.state === "running" && run.clock() - lastFrame.current >= frameMs) redraw();
      if (more) immediate = setImmediate(loop);
      else timer = setTimeout(loop, run.state === "running" ? 4 : frameMs);
    };
    loop();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
    };
  }, [run, frameMs, redraw, exit, exitOnFinish]);

  const quit = (reason: QuitReason): void => {
    onQuit?.(reason);
    exit();
  };

  const onKey = (input: string, key: Key): void => {
    if (key.ctrl && input === "c") return quit("interrupt");
    // Keys can arrive faster than renders: the text typed so far lives in a ref.
    const typed = typingRef.current;
    if (typed !== null) {
      const set = (t: string | null): void => {
        typingRef.current = t;
        setTyping(t);
      };
      if (key.return) {
        set(null);
        setFilter(typed);
        setBack(0);
        return setNotice("");
      }
      if (key.escape) return set(null);
      if (key.backspace || key.delete) return set(typed.slice(0, -1));
      if (input !== "" && !key.ctrl && !key.meta) return set(typed + input);
      return;
    }
    if (!help && key.escape && (filter !== "" || back > 0)) {
      setFilter("");
      setBack(0);
      return setNotice("event log: filter and scroll cleared");
    }
    if (help && (key.escape || input === "?")) return setHelp(false);
    if (help && (input === "[" || input === "]" || key.upArrow || key.downArrow)) {
      const step = input === "[" || key.upArrow ? -1 : 1;
      return setHelpOffset((o) => Math.min(helpMaxOffset(bodyRowsFor(size.rows)), Math.max(0, o + step * Math.max(1, Math.floor(size.rows / 2)))));
    }
    if (key.tab) return setFocus((f) => nextFocus(f, key.shift ? -1 : 1));
    switch (input) {
      case "q":
        return quit("quit");
      case " ":
        run.togglePause();
        setNotice(run.paused ? "paused: n steps one event, space resumes" : "");
        // Draw the instant it stopped at, not the last frame before it.
        return run.paused ? redraw() : bump();
      case "n":
        setNotice(run.stepTo("meaningful"));
        return redraw();
      case ".":
        setNotice(run.step());
        return redraw();
      case "S":
        setNotice(run.stepTo("softirq"));
        return redraw();
      case "W":
        setNotice(run.stepTo("wakeup"));
        return redraw();
      case "D":
        setNotice(run.stepTo("drop"));
        return redraw();
      case "B":
        setNotice(run.stepTo("BUG"));
        return redraw();
      case "+":
      case "=":
        run.faster();
        setNotice(run.describeSpeed());
        return bump();
      case "-":
      case "_":
        run.slower();
        setNotice(run.describeSpeed());
        return bump();
      case "f":
        return setNotice(run.injectFault());
      case "r":
      case "R":
        setNotice(run.steer((st) => st.scaleRate(input === "r" ? 2 : 0.5)));
        return redraw();
      case "a":
        setNotice(run.steer((st) => st.rotateAffinity()));
        return redraw();
      case "m":
      case "M":
        setNotice(run.steer((st) => st.scaleMaxActive(input === "m" ? 2 : 0.5)));
        return redraw();
      case "b":
        setNotice(run.steer((st) => st.toggleBarriers()));
        return redraw();
      case "c":
      case "C":
        setNotice(run.steer((st) => st.stepCoalesce(input === "c" ? 1 : -1)));
        return redraw();
      case "w": {
        if (writeFile === undefined) return setNotice("w: no place to write files here");
        const t = run.recentTrace();
        try {
          writeFile(t.file, t.text);
          return setNotice(`wrote ${t.file}: the ftrace text of the last ${fmtNs(run.history.recent.keepNs)} (${t.lines} lines)`);
        } catch (e) {
          return setNotice(`w: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      case "?":
        setHelpOffset(0);
        return setHelp((h) => !h);
      case "/":
        typingRef.current = filter;
        return setTyping(filter);
      case "[":
        if (!run.paused) run.togglePause();
        return setBack((b) => b + Math.max(1, Math.floor(size.rows / 4)));
      case "]":
        return setBack((b) => Math.max(0, b - Math.max(1, Math.floor(size.rows / 4))));
    }
  };

  useInput((input, key) => {
    try {
      onKey(input, key);
    } catch (e) {
      exit(e instanceof Error ? e : new Error(String(e)));
    }
  });

  // A filter or a scroll shows the kept trace (the last 10 ms) instead of the live tail.
  let shown = snap;
  let footer = notice;
  if (filter.trim() !== "" || back > 0) {
    const w = logWindow(run.history.recent.since(snap.time_ns, run.history.recent.keepNs), filter, back, size.rows);
    shown = { ...snap, log: w.lines };
    if (notice === "") footer = `event log${filter.trim() ? ` "${filter.trim()}"` : ""}: ${w.matched} lines in the last ${fmtNs(run.history.recent.keepNs)}${w.back > 0 ? `, ${w.back} back` : ""}; [ ] scroll, / filter, esc clears`;
  }
  if (help && helpMaxOffset(bodyRowsFor(size.rows)) > 0) footer = "help: [ ] (or up/down) scroll, ? or esc closes";
  if (typing !== null) footer = `filter the event log (cpu1 irq24 softirq_entry a comm, an skbaddr): ${typing}█  (enter applies, esc cancels)`;
  return (
    <Dashboard
      snap={shown}
      columns={size.columns}
      rows={size.rows}
      focus={focus}
      help={help}
      helpOffset={helpOffset}
      state={run.state}
      speed={run.speed}
      notice={footer}
      color={color}
    />
  );
}
