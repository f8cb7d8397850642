// check-page.mjs - open a page bindlab wrote in headless Chromium (Debian's)
// and say what the browser saw, as JSON on stdout:
//
//   node check-page.mjs page FILE.html [--screenshot OUT.png] [--count SELECTOR]...
//       -> {"errors": [...], "counts": {"SELECTOR": n}, "text": "...", "requests": [...]}
//   node check-page.mjs mermaid FILE.mmd [--count SELECTOR]... [--screenshot OUT.png]
//       -> {"ok": true, "type": "sequence", "counts": {...}, "texts": [...]}
//          or {"ok": false, "error": "..."}
//          counts and texts are of the SVG mermaid drew, put in the page:
//          texts is the text of every <text> element, as a reader sees it
//
// errors: script errors and console errors; requests: every URL the page
// asked for other than itself (a self-contained page asks for none).
// The Mermaid check runs the real mermaid package (node_modules) inside the
// browser: mermaid.parse() accepts or rejects the diagram as GitHub would.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const [mode, file, ...rest] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  if (mode === "page") {
    const url = pathToFileURL(path.resolve(file)).href;
    page.on("request", (r) => { if (r.url() !== url) requests.push(r.url()); });
    await page.goto(url, { waitUntil: "load" });
    // a standalone SVG (--svg) has no body, and Chromium cannot take a
    // full-page screenshot of one: its viewport, and its text content
    const isSvg = await page.evaluate(
      () => document.documentElement.namespaceURI === "http://www.w3.org/2000/svg");
    if (isSvg) {
      const box = await page.evaluate(() => [document.documentElement.width.baseVal.value,
                                             document.documentElement.height.baseVal.value]);
      await page.setViewportSize({ width: Math.ceil(box[0]) || 1280,
                                   height: Math.min(Math.ceil(box[1]) || 900, 16000) });
    }
    const counts = {};
    const tabs = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--count") {
        const sel = rest[++i];
        counts[sel] = await page.locator(sel).count();
      } else if (rest[i] === "--screenshot") {
        await page.screenshot({ path: rest[++i], fullPage: !isSvg });
      } else if (rest[i] === "--tab") {
        // the keyboard alone: press Tab N times, and say after each press
        // which element has the focus and what the page's detail line says
        const n = Number(rest[++i]);
        for (let k = 0; k < n; k++) {
          await page.keyboard.press("Tab");
          tabs.push(await page.evaluate(() => {
            const a = document.activeElement;
            const d = a && a.closest("section") && a.closest("section").querySelector(".detail");
            return { tag: a ? a.tagName.toLowerCase() : "",
                     cls: a && a.getAttribute ? a.getAttribute("class") || "" : "",
                     detail: d ? d.textContent : "" };
          }));
        }
      }
    }
    const text = await page.evaluate(
      () => document.body ? document.body.innerText : document.documentElement.textContent);
    console.log(JSON.stringify({ errors, counts, text, requests, tabs }));
  } else if (mode === "mermaid") {
    const src = readFileSync(file, "utf8");
    await page.setContent("<!DOCTYPE html><html><body></body></html>");
    await page.addScriptTag({ path: path.join(here, "node_modules/mermaid/dist/mermaid.min.js") });
    const sels = rest.filter((a, i) => rest[i - 1] === "--count");
    const res = await page.evaluate(async ([text, sels]) => {
      try {
        window.mermaid.initialize({ startOnLoad: false });
        const r = await window.mermaid.parse(text);
        const { svg } = await window.mermaid.render("d", text);
        document.body.innerHTML = svg;
        const counts = {};
        for (const s of sels) counts[s] = document.querySelectorAll(s).length;
        const texts = [...document.querySelectorAll("svg text")].map((t) => t.textContent);
        return { ok: !!r, type: r && r.diagramType, svg_bytes: svg.length, counts, texts };
      } catch (e) {
        return { ok: false, error: String(e && e.message || e) };
      }
    }, [src, sels]);
    const shot = rest.indexOf("--screenshot");
    if (shot >= 0 && res.ok)
      await page.screenshot({ path: rest[shot + 1], fullPage: true });
    res.errors = errors;
    console.log(JSON.stringify(res));
  } else {
    console.error("usage: check-page.mjs page FILE [--count SEL] [--screenshot PNG] | mermaid FILE");
    process.exit(2);
  }
} finally {
  await browser.close();
}
