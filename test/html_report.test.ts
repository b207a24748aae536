/**
 * The HTML report (`run --html`, `irqsim report`): one self-contained file that renders
 * in a real headless Chromium (Debian's `chromium`, driven by playwright-core) with no
 * console error and no network request, showing the tables, the pictures and the
 * scenario; a screenshot is taken. Without /usr/bin/chromium those checks are skipped and
 * say why; the file checks below run everywhere.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { chromium } from "playwright-core";
import { cli } from "./helpers/cli.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`html_report.test: skipping the browser checks: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

const dir = mkdtempSync(join(tmpdir(), "irqsim-html-"));
/** Screenshots stay in a fixed place to look at after the run. */
const SHOTS = join(tmpdir(), "irqsim-html-screenshots");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Nothing in the page may reach out: no src/href to anything but in-page anchors, no script. */
function expectSelfContained(html: string): void {
  expect(html).toMatch(/^<!DOCTYPE html>/);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  expect(html).not.toMatch(/\b(src|href)\s*=\s*"(?!#)/i);
}

async function render(file: string, shot: string) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    page.on("pageerror", (e) => void errors.push(e.message));
    page.on("request", (r) => void requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: "load" });
    const info = await page.evaluate(() => ({
      title: document.title,
      h2: [...document.querySelectorAll("h2")].map((h) => h.textContent),
      tables: document.querySelectorAll("table").length,
      svgs: [...document.querySelectorAll("figure > svg")].map((s) => {
        const r = s.getBoundingClientRect();
        return { w: r.width, h: r.height, marks: s.querySelectorAll("path, line, text").length };
      }),
      scenario: document.querySelector("pre")?.textContent ?? "",
    }));
    await page.screenshot({ path: shot, fullPage: true });
    return { errors, requests: requests.filter((u) => u !== url), info };
  } finally {
    await browser.close();
  }
}

describe("HTML report", () => {
  test("run --html: tables, the timeline/histogram SVG and the scenario, in one file", async () => {
    const file = join(dir, "run.html");
    const r = await cli(["run", "nic-basic", "--duration", "3ms", "--seed", "4", "--set", "devices.nic0.traffic.rate=80000", "--html", file]);
    expect(r.code).toBe(0);
    const html = readFileSync(file, "utf8");
    expectSelfContained(html);
    expect(html).toContain("<title>irqsim: nic-basic, seed 4</title>");
    expect(html).toMatch(/<h2>Packets<\/h2>[\s\S]*<h2>CPU time<\/h2>[\s\S]*<h2>Latency \(ns\)<\/h2>[\s\S]*<h2>Timeline and latency<\/h2>[\s\S]*<h2>Scenario<\/h2>/);
    expect(html).toMatch(/rate: 80000/); // the scenario as run, --set applied
  });

  test.skipIf(!haveChromium)("renders in headless Chromium without console errors or network requests (screenshot taken)", async () => {
    const file = join(dir, "shown.html");
    await cli(["run", "nic-basic", "--duration", "3ms", "--html", file]);
    const shot = join(SHOTS, "run-report.png");
    rmSync(SHOTS, { recursive: true, force: true });
    const { errors, requests, info } = await render(file, shot);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(info.title).toBe("irqsim: nic-basic, seed 1");
    expect(info.h2).toEqual(["Packets", "CPU time", "Latency (ns)", "Interrupts", "Expectations", "Invariants", "Timeline and latency", "Scenario"]);
    expect(info.tables).toBe(6);
    expect(info.svgs).toHaveLength(1);
    expect(info.svgs[0]!.w).toBeGreaterThan(800);
    expect(info.svgs[0]!.h).toBeGreaterThan(600);
    expect(info.svgs[0]!.marks).toBeGreaterThan(200);
    expect(info.scenario).toMatch(/^name: nic-basic$/m);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(statSync(shot).size).toBeGreaterThan(20_000);
  });

  test.skipIf(!haveChromium)("irqsim report: a run's result re-run to its fingerprint, and a sweep's JSON Lines", async () => {
    const result = join(dir, "r.json");
    expect((await cli(["run", "nic-basic", "--duration", "2ms", "--seed", "5", "--set", "devices.nic0.ring_size=128", "--out", result])).code).toBe(0);
    const page = join(dir, "r.html");
    const r = await cli(["report", result, "-o", page]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fingerprint [0-9a-f]{16} reproduced/);
    expectSelfContained(readFileSync(page, "utf8"));
    expect(readFileSync(page, "utf8")).toMatch(/ring_size: 128/);
    const shown = await render(page, join(SHOTS, "result-report.png"));
    expect(shown.errors).toEqual([]);
    expect(shown.info.svgs).toHaveLength(1);

    const lines = join(dir, "s.jsonl");
    await cli(["sweep", "nic-basic", "--vary", "devices.nic0.mode=irq,napi", "--vary", "devices.nic0.traffic.rate=20000,80000", "--seeds", "2", "--duration", "2ms", "--jobs", "1", "--out", lines]);
    const spage = join(dir, "s.html");
    expect((await cli(["report", lines, "-o", spage])).code).toBe(0);
    const sweep = await render(spage, join(SHOTS, "sweep-report.png"));
    expect(sweep.errors).toEqual([]);
    expect(sweep.requests).toEqual([]);
    expect(sweep.info.h2[0]).toMatch(/^Per point over seeds: mean, 95% confidence interval/);
    expect(sweep.info.svgs).toHaveLength(1);
  });

  test("bad input: one line, exit 2, no file", async () => {
    writeFileSync(join(dir, "bad.json"), "not json");
    for (const args of [
      ["report", join(dir, "bad.json"), "-o", join(dir, "x.html")],
      ["report", join(dir, "missing.json"), "-o", join(dir, "x.html")],
      ["report", join(dir, "bad.json")],
      ["run", "nic-basic", "--duration", "1ms", "--svg", ""],
      ["run", "nic-basic", "--duration", "1ms", "--html", ""],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^irqsim: [^\n]+\n$/);
    }
    expect(existsSync(join(dir, "x.html"))).toBe(false);
  });

  test("a result whose fingerprint the re-run does not reproduce is refused", async () => {
    const result = join(dir, "r2.json");
    await cli(["run", "nic-basic", "--duration", "2ms", "--out", result]);
    const j = JSON.parse(readFileSync(result, "utf8")) as { fingerprint: string };
    j.fingerprint = "0000000000000000";
    writeFileSync(result, JSON.stringify(j));
    const r = await cli(["report", result, "-o", join(dir, "no.html")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irqsim: .*r2\.json: re-running nic-basic with seed 1 gives fingerprint [0-9a-f]{16}, not the result's 0000000000000000/);
    expect(existsSync(join(dir, "no.html"))).toBe(false);
  });
});
