/**
 * The dashboard's building blocks: a line is a list of styled segments, a panel is a title
 * rule plus lines cut to a fixed height. Panels compute their lines as plain data first
 * (so the layout knows their height before drawing), then draw them here. With `color`
 * false nothing is coloured (NO_COLOR); focus and state still show through characters.
 */
import { Box, Text } from "ink";
import type { ContextKind, Snapshot } from "../observe/snapshot.js";

export type Colour = "red" | "yellow" | "blue" | "green" | "gray" | "magenta" | "cyan" | "white";

export interface Seg {
  text: string;
  color?: Colour;
  bold?: boolean;
  dim?: boolean;
}

export type Line = Seg[];


/** Colours per context, shared by the CPU lanes, the strips and the help legend. */
export const CONTEXT_COLOUR: Record<ContextKind | "system" | "user", Colour> = {
  hardirq: "red",
  softirq: "yellow",
  switch: "magenta",
  thread: "blue",
  system: "blue",
  user: "green",
  idle: "gray",
};

/** Strip characters (see observe/snapshot.ts STRIP_CHARS) to colours. */
export function stripColour(ch: string): Colour {
  switch (ch.toUpperCase()) {
    case "H":
      return "red";
    case "S":
      return "yellow";
    case "K":
      return "blue";
    case "U":
      return "green";
    default:
      return "gray";
  }
}

export function LineView({ line, color }: { line: Line; color: boolean }) {
  if (line.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) =>
        color ? (
          <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim}>
            {s.text}
          </Text>
        ) : (
          <Text key={i} bold={s.bold}>
            {s.text}
          </Text>
        ),
      )}
    </Text>
  );
}

/** `── IRQs ────` (or `══ IRQs ═══` with a marker when focused), exactly `width` wide. */
export function titleText(title: string, width: number, focused: boolean): string {
  const rule = focused ? "═" : "─";
  const head = `${rule}${rule}${focused ? "▶" : " "}${title} `;
  return head.length >= width ? head.slice(0, Math.max(0, width)) : head + rule.repeat(width - head.length);
}

/** What every panel component takes: a plain snapshot and the box it must fit. */
export interface PanelComponentProps {
  snap: Snapshot;
  width: number;
  /** Rows including the title. */
  height: number;
  focused?: boolean;
  /** False: no colour at all (NO_COLOR, not a terminal). */
  color?: boolean;
}

export interface PanelProps {
  title: string;
  lines: Line[];
  width: number;
  /** Rows including the title. */
  height: number;
  focused: boolean;
  color: boolean;
}

/** Lines past the height are cut, the last visible one saying how many are hidden. */
export function fitLines(lines: Line[], rows: number): Line[] {
  if (rows <= 0) return [];
  if (lines.length <= rows) return lines;
  const kept = lines.slice(0, rows - 1);
  kept.push([{ text: `… ${lines.length - rows + 1} more`, dim: true }]);
  return kept;
}

export function Panel({ title, lines, width, height, focused, color }: PanelProps) {
  const body = fitLines(lines, height - 1);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate-end" bold={focused} color={color && focused ? "cyan" : undefined}>
        {titleText(title, width, focused)}
      </Text>
      {body.map((l, i) => (
        <LineView key={i} line={l} color={color} />
      ))}
    </Box>
  );
}
