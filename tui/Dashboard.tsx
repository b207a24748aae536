/**
 * The whole screen for one snapshot: the status line (seed and simulated time always on
 * it), the panels laid out for the terminal's size (tui/layout.ts), and a footer with the
 * last notice (a stepped event explained, a speed change) or the key hints. Pure: the same
 * props draw the same frame.
 */
import { Box } from "ink";
import type { ReactElement } from "react";
import type { Snapshot } from "../observe/snapshot.js";
import { CpuLanes, cpuLaneLines } from "./CpuLanes.js";
import { DevicePanel, devicePanelLines } from "./DevicePanel.js";
import { EventLog, eventLogLines } from "./EventLog.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { IrqPanel, irqPanelLines } from "./IrqPanel.js";
import { LatencyPanel, latencyPanelLines } from "./LatencyPanel.js";
import { DmesgPanel, dmesgPanelLines } from "./DmesgPanel.js";
import { ChartsPanel, chartsPanelLines } from "./ChartsPanel.js";
import { gridColumnsFor, LAYOUT_GAP, planLayout, type PanelId, type PlacedPanel } from "./layout.js";
import { MemoryPanel, memoryPanelLines } from "./MemoryPanel.js";
import { panelPriority, panelSays } from "./salience.js";
import { ThreadsPanel, threadsPanelLines } from "./ThreadsPanel.js";
import { LineView, type Line, type PanelComponentProps } from "./line.js";
import { NapiPanel, napiPanelLines } from "./NapiPanel.js";
import { SoftirqPanel, softirqPanelLines } from "./SoftirqPanel.js";
import { StatusBar, type RunState } from "./StatusBar.js";
import { wrapText } from "./format.js";
import { WorkqueuePanel, workqueuePanelLines } from "./WorkqueuePanel.js";

export const KEY_HINTS = "space pause · n step · +/- speed · tab focus · ramcbf steer · ? help · q quit";

const PANELS: Record<PanelId, { lines: (snap: Snapshot, width: number) => Line[]; view: (p: PanelComponentProps) => ReactElement }> = {
  cpus: { lines: cpuLaneLines, view: CpuLanes },
  irqs: { lines: irqPanelLines, view: IrqPanel },
  softirqs: { lines: softirqPanelLines, view: SoftirqPanel },
  napi: { lines: napiPanelLines, view: NapiPanel },
  workqueues: { lines: workqueuePanelLines, view: WorkqueuePanel },
  devices: { lines: devicePanelLines, view: DevicePanel },
  threads: { lines: threadsPanelLines, view: ThreadsPanel },
  charts: { lines: chartsPanelLines, view: ChartsPanel },
  memory: { lines: memoryPanelLines, view: MemoryPanel },
  latency: { lines: latencyPanelLines, view: LatencyPanel },
  dmesg: { lines: dmesgPanelLines, view: DmesgPanel },
  log: { lines: eventLogLines, view: EventLog },
};

export interface DashboardProps {
  snap: Snapshot;
  columns: number;
  rows: number;
  focus: PanelId;
  help: boolean;
  /** Help lines scrolled past (`[`/`]` while the help shows). */
  helpOffset?: number;
  state: RunState;
  speed: number;
  /** One line for the footer; empty shows the key hints. */
  notice: string;
  color: boolean;
}

/** Rows below the status line and above the footer; one row stays free so a frame never scrolls. */
export function bodyRowsFor(rows: number): number {
  return Math.max(0, rows - 3);
}

/** Rows each panel would like at this terminal width (grid panels at a grid cell's width), its title included. */
export function naturalHeights(snap: Snapshot, width: number): Record<PanelId, number> {
  const cols = gridColumnsFor(width);
  const cell = Math.floor((width - (cols - 1) * LAYOUT_GAP) / cols);
  const h = {} as Record<PanelId, number>;
  for (const id of Object.keys(PANELS) as PanelId[]) h[id] = PANELS[id].lines(snap, id === "cpus" || id === "log" ? width : cell).length + 1;
  return h;
}

function PanelAt({ placed, snap, focus, color }: { placed: PlacedPanel; snap: Snapshot; focus: PanelId; color: boolean }) {
  const View = PANELS[placed.id].view;
  return <View snap={snap} width={placed.width} height={placed.height} focused={placed.id === focus} color={color} />;
}

export function Dashboard({ snap, columns, rows, focus, help, helpOffset = 0, state, speed, notice, color }: DashboardProps) {
  const width = Math.max(1, columns);
  // A notice (a stepped event explained) is wrapped, never cut: it takes the rows it needs,
  // up to a third of the screen.
  const footerLines: Line[] = notice
    ? wrapText(notice, width, "    ")
        .slice(0, Math.max(1, Math.floor(rows / 3)))
        .map((t) => [{ text: t, color: "cyan" }])
    : [[{ text: KEY_HINTS, color: "gray" }]];
  const body = Math.max(0, bodyRowsFor(rows) - (footerLines.length - 1));
  const plan = planLayout(naturalHeights(snap, width), width, body, focus, LAYOUT_GAP, panelPriority(snap), panelSays(snap));
  return (
    <Box flexDirection="column" width={width}>
      <StatusBar snap={snap} state={state} speed={speed} width={width} color={color} />
      {help ? (
        <HelpOverlay width={width} height={body} offset={helpOffset} color={color} />
      ) : (
        plan.rows.map((row, i) => (
          <Box key={i} flexDirection="row" height={row.height} width={width}>
            {row.panels.map((p, j) => (
              <Box key={p.id} width={p.width} marginRight={j < row.panels.length - 1 ? LAYOUT_GAP : 0}>
                <PanelAt placed={p} snap={snap} focus={focus} color={color} />
              </Box>
            ))}
          </Box>
        ))
      )}
      {footerLines.map((l, i) => (
        <LineView key={`f${i}`} line={l} color={color} />
      ))}
    </Box>
  );
}
