// The playground's engine in the browser: the page's JavaScript is the package's own,
// unchanged; this shim, loaded before it, answers its calls to the local server's API
// (`fetch("/api/...")`, which `MG.api` and the page's start-up use) from a module Web
// Worker that runs micrograd's Python code under Pyodide. Training in a worker keeps
// the page responsive. The shim also says what is happening while the engine loads,
// and what to do when the page was opened from a file, where browsers refuse workers.
"use strict";

(() => {
  const served = location.protocol === "http:" || location.protocol === "https:";
  const started = performance.now();
  const pending = new Map(); // request id -> resolve
  let nextId = 1;
  let worker = null;

  // ------------------------------------------------------------ what the learner sees
  const card = document.createElement("div");
  card.className = "engine-status";
  card.dataset.testid = "engine-status";
  card.setAttribute("role", "status");
  card.setAttribute("aria-live", "polite");
  document.body.append(card);
  // A way back to the course: in the page's header bar when it has one, else in a corner.
  const back = document.createElement("a");
  back.href = "../index.html";
  back.textContent = "course & docs";
  back.dataset.testid = "site-home";
  const header = document.querySelector("header");
  back.className = header ? "engine-home in-header" : "engine-home";
  (header || document.body).append(back);

  function show(state, title, detail = "") {
    card.dataset.state = state;
    card.replaceChildren();
    const head = document.createElement("b");
    head.textContent = title;
    card.append(head);
    if (detail) {
      const p = document.createElement("div");
      if (detail instanceof Node) p.append(detail);
      else p.textContent = detail;
      card.append(p);
    }
    // For tests and benchmarks/site.py: the state, and how long after the shim ran.
    window.MG_ENGINE = { state, title, ms: Math.round(performance.now() - started) };
  }

  // ------------------------------------------------------------ the worker
  function answer(status, body) {
    return new Response(body, { status, headers: { "Content-Type": "application/json" } });
  }

  function call(path, body) {
    if (!worker) return new Promise(() => {}); // from a file: nothing will answer, say so above
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ id, path, body: typeof body === "string" ? body : "" });
    });
  }

  if (!served) {
    const how = document.createElement("div");
    how.innerHTML =
      "Browsers do not run this page from a file. From the folder that holds the site, run " +
      "<code>python -m http.server -d &lt;folder&gt; 8000</code> and open " +
      "<code>http://127.0.0.1:8000/playground/index.html</code>.";
    show("file", "This page must be served, not opened as a file", how);
  } else {
    show("loading", "Loading the engine…", "Starting Python in your browser (a few seconds; about 6 MB on a first visit).");
    worker = new Worker(new URL("worker.mjs", document.baseURI), { type: "module" });
    worker.addEventListener("message", (event) => {
      const m = event.data;
      if (m.kind === "answer") {
        const resolve = pending.get(m.id);
        pending.delete(m.id);
        if (resolve) resolve(answer(m.status, m.body));
      } else if (m.kind === "progress") {
        show("loading", "Loading the engine…", m.text);
      } else if (m.kind === "ready") {
        show("ready", "Engine ready", `micrograd on Python ${m.python} (Pyodide ${m.pyodide}), in your browser`);
        setTimeout(() => card.classList.add("quiet"), 5000); // then out of the way
      } else if (m.kind === "failed") {
        show("failed", "The engine did not load", `${m.error} Reload the page to try again.`);
      }
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      show("failed", "The engine did not load", `${event.message || "the worker could not start"}. Reload the page to try again.`);
    });
  }

  // ------------------------------------------------------------ fetch("/api/...") -> worker
  const networkFetch = window.fetch.bind(window);
  window.fetch = (input, init = {}) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith("/api/")) return networkFetch(input, init);
    return call(url.split("?")[0], init.body);
  };
})();
