/**
 * Where the panels go for a given terminal size. Pure arithmetic on heights, so the plan
 * is testable without drawing: the CPU lanes come first at full width; the other panels
 * sit in a grid of 1, 2 or 3 columns by width, and the least important are dropped when
 * rows run out (a focused panel never is); the event log takes the rows that are left.
 * The whole body never exceeds `bodyRows`, so the frame never scrolls the terminal.
 */

export type PanelId = "cpus" | "charts" | "irqs" | "softirqs" | "napi" | "workqueues" | "devices" | "threads" | "memory" | "latency" | "dmesg" | "log";

/** Tab order, which is also the display order. */
export const FOCUS_ORDER: readonly PanelId[] = ["cpus", "charts", "irqs", "softirqs", "napi", "workqueues", "devices", "threads", "memory", "latency", "dmesg", "log"];

/**
 * Grid panels, most important first when each has something to say: the first to stay
 * when rows are short. tui/salience.ts reorders them per snapshot (panels with nothing to
 * say for this scenario go last; a BUG in dmesg or a corrupt delivery goes first).
 */
export const GRID_PRIORITY: readonly PanelId[] = ["irqs", "devices", "softirqs", "napi", "workqueues", "threads", "dmesg", "memory", "charts", "latency"];

/** Columns between panels side by side. */
export const LAYOUT_GAP = 2;

/** The event log is worth showing with at least this many rows (title + 2 lines). */
export const LOG_MIN_ROWS = 3;

export interface PlacedPanel {
  id: PanelId;
  width: number;
  height: number;
}

export interface LayoutRow {
  height: number;
  panels: PlacedPanel[];
}

export interface LayoutPlan {
  /** Grid columns used for the middle panels. */
  gridColumns: number;
  rows: LayoutRow[];
  /** Panels that did not fit. */
  dropped: PanelId[];
}

/** Grid columns for a terminal width. */
export function gridColumnsFor(width: number): number {
  return width >= 150 ? 3 : width >= 96 ? 2 : 1;
}

function rowOf(ids: PanelId[], natural: Record<PanelId, number>, width: number, gap: number): LayoutRow {
  const m = ids.length;
  const w = Math.floor((width - (m - 1) * gap) / m);
  const panels = ids.map((id, i) => ({ id, width: i === m - 1 ? width - (m - 1) * (w + gap) : w, height: 0 }));
  const height = Math.max(...ids.map((id) => natural[id]));
  for (const p of panels) p.height = height;
  return { height, panels };
}

function gridRows(ids: PanelId[], natural: Record<PanelId, number>, width: number, cols: number, gap: number): LayoutRow[] {
  const ordered = FOCUS_ORDER.filter((id) => ids.includes(id));
  const rows: LayoutRow[] = [];
  for (let i = 0; i < ordered.length; i += cols) rows.push(rowOf(ordered.slice(i, i + cols), natural, width, gap));
  return rows;
}

/**
 * `natural`: rows each panel wants, title included (the log's is how many lines it could
 * show). `bodyRows`: rows available below the status line and above the footer.
 */
export function planLayout(
  natural: Record<PanelId, number>,
  width: number,
  bodyRows: number,
  focus: PanelId,
  gap = LAYOUT_GAP,
  priority: readonly PanelId[] = GRID_PRIORITY,
  /** Panels with something to say (tui/salience.ts); the others are shown only when focused. */
  says?: Readonly<Record<PanelId, boolean>>,
): LayoutPlan {
  const cols = gridColumnsFor(width);
  const rows: LayoutRow[] = [];
  const dropped: PanelId[] = [];
  if (bodyRows <= 0 || width <= 0) return { gridColumns: cols, rows, dropped: [...FOCUS_ORDER] };

  // CPU lanes: always, full width, cut to what there is.
  const cpusH = Math.min(natural.cpus, bodyRows);
  rows.push({ height: cpusH, panels: [{ id: "cpus", width, height: cpusH }] });
  let left = bodyRows - cpusH;

  const logReserve = focus === "log" ? Math.min(left, Math.max(LOG_MIN_ROWS, Math.floor(left / 2))) : 0;
  const room = left - logReserve;
  const order = priority.filter((id) => natural[id] !== undefined && (says === undefined || says[id] || id === focus));
  const candidates: PanelId[] = order.includes(focus) ? [focus, ...order.filter((id) => id !== focus)] : [...order];
  let grid: LayoutRow[] = [];
  for (let k = candidates.length; k > 0; k--) {
    const tryRows = gridRows(candidates.slice(0, k), natural, width, cols, gap);
    if (tryRows.reduce((s, r) => s + r.height, 0) <= room) {
      grid = tryRows;
      break;
    }
  }
  if (grid.length === 0 && order.includes(focus) && room >= 2) {
    // The focused panel alone does not fit: show it cut to the rows there are.
    grid = [{ height: room, panels: [{ id: focus, width, height: room }] }];
  }
  const shown = new Set(grid.flatMap((r) => r.panels.map((p) => p.id)));
  for (const id of priority) if (!shown.has(id)) dropped.push(id);
  rows.push(...grid);
  left -= grid.reduce((s, r) => s + r.height, 0);

  if (left >= LOG_MIN_ROWS || (focus === "log" && left >= 2)) rows.push({ height: left, panels: [{ id: "log", width, height: left }] });
  else dropped.push("log");
  return { gridColumns: cols, rows, dropped };
}
