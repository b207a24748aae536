/**
 * A line chart for the terminal (asciichart draws the lines and the y axis). Sweep points
 * need not be evenly spaced, so each series is resampled onto evenly spaced columns by
 * linear interpolation between measured points; the x axis marks the measured values.
 * With colour, all series share one chart; without it (a pipe, NO_COLOR) lines could not
 * be told apart, so each series gets its own chart on the same scale.
 */
import * as asciichart from "asciichart";

export interface Series {
  name: string;
  /** (x, y) points; any order. */
  points: [number, number][];
}

export interface ChartOptions {
  width?: number;
  height?: number;
  color: boolean;
  xLabel: string;
  yLabel: string;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
}

const COLORS = [asciichart.blue, asciichart.red, asciichart.green, asciichart.magenta, asciichart.cyan, asciichart.yellow];

/** Linear interpolation of `points` at `width` evenly spaced x values over [minX, maxX]. */
export function resample(points: [number, number][], minX: number, maxX: number, width: number): number[] {
  const pts = [...points].sort((a, b) => a[0] - b[0]);
  const span = maxX - minX || 1;
  return Array.from({ length: width }, (_, c) => {
    const x = minX + (c / (width - 1)) * span;
    let i = 0;
    while (i < pts.length - 2 && pts[i + 1]![0] < x) i++;
    const [x0, y0] = pts[i]!;
    const [x1, y1] = pts[Math.min(i + 1, pts.length - 1)]!;
    return x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  });
}

export function lineChart(series: Series[], opts: ChartOptions): string {
  const width = opts.width ?? 64;
  const fmtY = opts.formatY ?? ((y: number) => y.toFixed(0));
  const fmtX = opts.formatX ?? ((x: number) => String(x));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  // Loops, not Math.min(...xs): spreading 100,000+ points (a big merge) overflows the stack.
  const minX = xs.reduce((a, b) => Math.min(a, b), Infinity);
  const maxX = xs.reduce((a, b) => Math.max(a, b), -Infinity);
  const lines = series.map((s) => resample(s.points, minX, maxX, width));
  const maxY = lines.reduce((m, l) => l.reduce((a, b) => Math.max(a, b), m), 1);
  const labelWidth = Math.max(fmtY(maxY).length, fmtY(0).length) + 1;

  const draw = (group: number[][], colors: (string | undefined)[]): string => {
    const chart = asciichart.plot(group, {
      height: opts.height ?? 12,
      min: 0,
      max: maxY,
      colors,
      format: (y: number) => fmtY(y).padStart(labelWidth),
    });
    const firstRow = chart.split("\n")[0]!.replace(/\x1b\[[0-9;]*m/g, "");
    const axisAt = Math.max(firstRow.indexOf("┤"), firstRow.indexOf("┼"));
    return [" ".repeat(Math.max(0, axisAt - opts.yLabel.length)) + opts.yLabel, chart, ...xAxis(axisAt)].join("\n");
  };

  // Labels are placed in absolute columns, each centred on its tick (the first may reach
  // left into the y-label gutter), so every label sits under the point it names.
  const xAxis = (axisAt: number): string[] => {
    const span = maxX - minX || 1;
    const axis = Array.from({ length: width }, () => "─");
    const labels = Array.from({ length: axisAt + 1 + width + 12 }, () => " ");
    let freeFrom = 0;
    for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
      const c = Math.round(((x - minX) / span) * (width - 1));
      axis[c] = "┴";
      const text = fmtX(x);
      const start = Math.max(0, axisAt + 1 + c - Math.floor((text.length - 1) / 2));
      if (start < freeFrom) continue;
      for (let i = 0; i < text.length; i++) labels[start + i] = text[i]!;
      freeFrom = start + text.length + 1;
    }
    const pad = " ".repeat(axisAt);
    return [`${pad}└${axis.join("")}`, labels.join("").trimEnd(), `${pad} ${opts.xLabel}`];
  };

  if (opts.color || series.length === 1) {
    const chart = draw(lines, series.map((_, i) => (opts.color ? COLORS[i % COLORS.length] : undefined)));
    if (series.length === 1) return chart;
    const legend = series.map((s, i) => `${asciichart.colored("──", COLORS[i % COLORS.length])} ${s.name}`).join("   ");
    return `${chart}\n${" ".repeat(labelWidth + 2)}${legend}`;
  }
  return series.map((s, i) => `${s.name}\n${draw([lines[i]!], [undefined])}`).join("\n\n");
}
