import { main } from "../../cli/main.js";
import type { Io } from "../../cli/output.js";

/** Runs the irqsim CLI in-process, capturing what it prints and its exit code. */
export async function cli(args: string[], env: Record<string, string | undefined> = {}, isTTY = false) {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY,
    stderrIsTTY: false,
    env,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
