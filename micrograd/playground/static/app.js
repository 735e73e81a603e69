// micrograd playground: what both labs share (API calls, numbers, colours, the URL, tabs).
"use strict";

const MG = {
  meta: null,
  labs: {},
  // ------------------------------------------------------------ the API
  // The page's only way to the Python side (besides /api/meta): a static site can replace
  // this one function with a Web Worker running the same Python, and nothing else changes.
  // ``options.keepalive``: the request may outlive the page (closing a tab's run).
  async api(path, body, options = {}) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        keepalive: Boolean(options.keepalive),
      });
    } catch (err) {
      const error = new Error(
        "The playground server does not answer. Is `micrograd playground` still running in " +
        "its terminal? Start it again, then reload this page.");
      error.status = 0;
      throw error;
    }
    let payload;
    try {
      payload = await response.json();
    } catch (err) {
      payload = { error: `the server answered ${response.status} without JSON` };
    }
    if (!response.ok) {
      const error = new Error(payload.error || `HTTP ${response.status}`);
      error.status = response.status;
      error.payload = payload;
      throw error;
    }
    return payload;
  },

  // ------------------------------------------------------------ numbers
  // The same format as micrograd.viz.spec.fmt: four decimals, scientific when tiny or huge.
  fmt(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    const a = Math.abs(x);
    if (x === 0 || (a >= 1e-3 && a < 1e5)) return x.toFixed(4);
    const [m, e] = x.toExponential(3).split("e");
    const exp = Number(e);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  },
  short(x, digits = 3) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    const a = Math.abs(x);
    if (x === 0) return "0";
    if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(digits)));
    return x.toExponential(1);
  },
  pct(x) {
    return x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`;
  },

  // ------------------------------------------------------------ colours (micrograd.viz.palette)
  rgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  },
  hex(rgb) {
    return "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
  },
  mix(a, b, t) {
    return a.map((v, i) => v + (b[i] - v) * t);
  },
  // palette.grad_color: linear in |grad| / scale, blue < 0 < red, near-white at 0.
  gradColor(grad, scale) {
    const p = MG.meta.palette;
    if (!(scale > 0) || grad === 0) return p.neutral;
    const t = Math.min(Math.abs(grad) / scale, 1);
    const end = MG.rgb(grad > 0 ? p.positive : p.negative);
    return MG.hex(MG.rgb(p.neutral).map((n, i) => Math.round(n + (end[i] - n) * t)));
  },
  // The decision-boundary map of viz.boundary: class 0's colour, white, class 1's colour (pale).
  classRamp(t) {
    const c = MG.meta.palette.classes;
    const pale = (hex) => MG.mix([255, 255, 255], MG.rgb(hex), 0.55);
    const end = t < 0 ? pale(c[0]) : pale(c[1]);
    return MG.mix([255, 255, 255], end, Math.min(Math.abs(t), 1));
  },

  // ------------------------------------------------------------ the URL holds the state
  params: new URLSearchParams(location.search),
  setParams(entries) {
    for (const [key, value] of Object.entries(entries)) {
      if (value === null || value === undefined || value === "") MG.params.delete(key);
      else MG.params.set(key, value);
    }
    history.replaceState(null, "", `${location.pathname}?${MG.params.toString()}`);
  },

  // ------------------------------------------------------------ tabs
  showTab(name) {
    for (const button of document.querySelectorAll(".tabs button")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === name));
      button.tabIndex = button.dataset.tab === name ? 0 : -1; // one stop in the Tab order
    }
    for (const lab of document.querySelectorAll(".lab")) lab.hidden = lab.dataset.lab !== name;
    MG.setParams({ tab: name === "expr" ? null : name });
    const lab = MG.labs[name];
    if (lab && lab.shown) lab.shown();
  },

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  },
};

window.addEventListener("DOMContentLoaded", async () => {
  try {
    const response = await fetch("/api/meta");
    MG.meta = await response.json();
  } catch (err) {
    const box = MG.el("p", { class: "error", role: "alert",
      text: "The playground server does not answer. Start it again with `micrograd playground`, then reload this page." });
    document.querySelector("main").prepend(box);
    return;
  }
  const p = MG.meta.palette;
  const root = document.documentElement.style;
  root.setProperty("--class0", p.classes[0]);
  root.setProperty("--class1", p.classes[1]);
  root.setProperty("--negative", p.negative);
  root.setProperty("--positive", p.positive);
  root.setProperty("--neutral", p.neutral);
  root.setProperty("--current", p.current);
  root.setProperty("--highlight", p.highlight);
  root.setProperty("--edge", p.edge); // the dark scheme overrides --edge and --text in app.css
  root.setProperty("--text", p.text);
  const tabs = [...document.querySelectorAll(".tabs button")];
  for (const button of tabs) {
    button.addEventListener("click", () => MG.showTab(button.dataset.tab));
    // The tab list's keys: ← and → move to the neighbouring tab and show it.
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      event.stopPropagation();
      const next = tabs[(tabs.indexOf(button) + step + tabs.length) % tabs.length];
      next.focus();
      MG.showTab(next.dataset.tab);
    });
  }
  for (const lab of Object.values(MG.labs)) lab.init();
  MG.showTab(MG.params.get("tab") === "net" ? "net" : "expr");
});
