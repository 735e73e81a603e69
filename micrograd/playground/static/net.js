// The network lab: train an MLP live; the server trains, this file draws what it sends.
"use strict";

MG.labs.net = (() => {
  const $ = (id) => document.getElementById(id);
  const NOISE = { moons: 0.1, circles: 0.05, xor: 0.1, spirals: 0.2, blobs: 0.5 };
  const URL_KEYS = { dataset: "ds", noise: "noise", points: "n", test: "test", hidden: "h",
    activation: "act", lr: "lr", schedule: "sch", optimizer: "opt", batch: "bs", l2: "l2", seed: "seed", custom: "pts" };
  const state = {
    session: null, data: null, snap: null, curves: null, hidden: [16, 16],
    playing: false, started: false, rate: [], selected: null, chain: Promise.resolve(),
    custom: [], drawOnly: false,
  };

  // ---------------------------------------------------------------- settings <-> controls <-> URL
  function config() {
    return {
      dataset: $("net-dataset").value,
      noise: Number($("net-noise").value),
      points: Number($("net-points").value),
      test: Number($("net-test").value),
      hidden: [...state.hidden],
      activation: $("net-activation").value,
      lr: Number($("net-lr").value),
      schedule: $("net-schedule").value,
      optimizer: $("net-optimizer").value,
      batch: Math.round(Number($("net-batch").value)),
      l2: Number($("net-l2").value),
      seed: Math.round(Number($("net-seed").value)),
      ...($("net-dataset").value === "custom" ? { custom: state.custom.map((p) => [...p]) } : {}),
    };
  }

  function setControls(c) {
    $("net-dataset").value = c.dataset;
    $("net-noise").value = c.noise;
    $("net-points").value = c.points;
    $("net-test").value = c.test;
    $("net-activation").value = c.activation;
    $("net-lr").value = c.lr;
    $("net-schedule").value = c.schedule;
    $("net-optimizer").value = c.optimizer;
    $("net-batch").value = c.batch;
    $("net-l2").value = c.l2;
    $("net-seed").value = c.seed;
    state.hidden = [...c.hidden];
    showOutputs();
    buildLayerRows();
    showDrawCard();
  }

  // The settings in the link, checked in one place: a value that does not fit is replaced by
  // the nearest one that does, and the learner is told what changed and why (never silently).
  const INTEGER = new Set(["points", "batch", "seed"]);
  const INPUT = { noise: "net-noise", points: "net-points", test: "net-test", lr: "net-lr",
    batch: "net-batch", l2: "net-l2", seed: "net-seed" };

  function fromURL() {
    const m = MG.meta;
    const c = { ...m.defaults, hidden: [...m.defaults.hidden] };
    const p = MG.params;
    const notes = [];
    const note = (key, given, used, why) => notes.push(`${key}=${String(given).slice(0, 40)}: ${why}; using ${used}.`);
    const choice = (key, name, options) => {
      if (!p.has(key)) return;
      if (options.includes(p.get(key))) c[name] = p.get(key);
      else note(key, p.get(key), c[name], `choose one of ${options.join(", ")}`);
    };
    choice("ds", "dataset", m.datasets);
    state.custom = customFromURL(notes);
    choice("act", "activation", m.activations);
    choice("sch", "schedule", m.schedules);
    choice("opt", "optimizer", m.optimizers);
    c.lr = defaultLr(c.optimizer);
    for (const [name, id] of Object.entries(INPUT)) {
      const key = URL_KEYS[name];
      if (!p.has(key) || p.get(key) === "") continue;
      const raw = p.get(key), input = $(id);
      let v = Number(raw);
      if (!Number.isFinite(v)) { note(key, raw, c[name], "not a number"); continue; }
      const lo = Number(input.min), hi = input.max === "" ? Infinity : Number(input.max);
      if (INTEGER.has(name) && !Number.isInteger(v)) {
        note(key, raw, Math.round(v), "give a whole number");
        v = Math.round(v);
      }
      if (v < lo || v > hi) {
        const used = Math.min(hi, Math.max(lo, v));
        note(key, raw, used, `give ${lo} to ${hi}`);
        v = used;
      }
      if (input.type === "range" && input.step !== "any") {
        const step = Number(input.step);
        const snapped = Number((lo + Math.round((v - lo) / step) * step).toFixed(6));
        if (snapped !== v) note(key, v, snapped, `the slider moves in steps of ${step}`);
        v = snapped;
      }
      c[name] = v;
    }
    if (p.has("h")) {
      const given = p.get("h");
      const tokens = given.split(",");
      const sizes = tokens.map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= m.limits.neurons);
      if (sizes.length < tokens.length) {
        note("h", given, sizes.length ? sizes.join(",") : c.hidden.join(","), `each layer needs 1 to ${m.limits.neurons} neurons`);
      }
      if (sizes.length > m.limits.layers) {
        note("h", sizes.join(","), sizes.slice(0, m.limits.layers).join(","), `at most ${m.limits.layers} hidden layers`);
      }
      if (sizes.length) c.hidden = sizes.slice(0, m.limits.layers);
    }
    state.urlNotes = notes;
    return c;
  }

  // What was changed from the link (the page's own checks) and by the server (``adjusted``).
  function showAdjusted(adjusted) {
    const notes = [...(state.urlNotes || [])];
    state.urlNotes = [];
    if (Array.isArray(adjusted)) {
      for (const a of adjusted) notes.push(`${a.field}=${a.given}: ${a.why}; using ${JSON.stringify(a.used)}.`);
    }
    const box = $("net-notice");
    if (!notes.length) return;
    box.textContent = "";
    box.append(MG.el("b", { text: "Some settings from the link were changed to fit:" }));
    const list = MG.el("ul", { "data-testid": "notice-list" });
    for (const n of notes) list.append(MG.el("li", { text: n }));
    const close = MG.el("button", { class: "close", "aria-label": "dismiss", text: "×" });
    close.addEventListener("click", () => { box.hidden = true; });
    box.append(list, close);
    box.hidden = false;
  }

  function toURL(c) {
    const entries = {};
    for (const [name, key] of Object.entries(URL_KEYS)) {
      if (name === "hidden") entries[key] = c.hidden.join(",");
      else if (name === "custom") entries[key] = c.custom ? c.custom.map((p) => p.join(",")).join(";") : null;
      else entries[key] = String(c[name]);
    }
    MG.setParams(entries);
  }

  // ---------------------------------------------------------------- your own data
  // Hand-placed points [x, y, class], kept in the URL as "x,y,c;x,y,c".
  function customFromURL(notes) {
    const text = MG.params.get("pts");
    if (!text) return [];
    const R = MG.meta.limits.customRange || 4, K = MG.meta.limits.customClasses || 2;
    const points = [];
    let bad = 0;
    for (const item of text.split(";")) {
      const [x, y, c] = item.split(",").map(Number);
      if ([x, y].every((v) => Number.isFinite(v) && Math.abs(v) <= R) && Number.isInteger(c) && c >= 0 && c < K) points.push([x, y, c]);
      else bad += 1;
    }
    if (bad) notes.push(`pts: ${bad} point(s) left out; each is x,y,class with |x|, |y| ≤ ${R} and class 0 to ${K - 1}.`);
    const most = MG.meta.limits.customPoints || 200;
    if (points.length > most) notes.push(`pts: kept the first ${most} of ${points.length} points.`);
    return points.slice(0, most);
  }

  const round2 = (v) => Math.round(v * 100) / 100;

  function customReady() {
    return new Set(state.custom.map((p) => p[2])).size >= 2;
  }

  function showDrawCard() {
    const custom = $("net-dataset").value === "custom";
    $("draw-card").hidden = !custom;
    $("boundary-sub").textContent = custom ? "click to add a point, shift-click: the other class" : "click a point";
    $("net-noise").disabled = $("net-points").disabled = custom;
    const n = state.custom.length;
    $("draw-count").textContent = `${n} point${n === 1 ? "" : "s"}${custom && !customReady() ? ": add points of both classes to train." : "."}`;
  }

  function addPoint(event, mx, my, rect) {
    const extent = state.data ? state.data.extent : [-2, 2, -2, 2];
    const [x0, x1, y0, y1] = extent;
    const x = round2(x0 + (mx / rect.width) * (x1 - x0)), y = round2(y1 - (my / rect.height) * (y1 - y0));
    const R = MG.meta.limits.customRange || 4;
    if (Math.abs(x) > R || Math.abs(y) > R) return setStatus(`Points stay within ±${R} on each axis.`);
    if (state.custom.length >= (MG.meta.limits.customPoints || 200)) return setStatus("That is as many points as the lab takes; clear some first.");
    const chosen = Number(document.querySelector("input[name=draw-class]:checked").value);
    state.custom.push([x, y, event.shiftKey ? 1 - Math.min(chosen, 1) : chosen]);
    changed();
  }

  // With fewer than two classes there is nothing to train: draw the points on a blank plane.
  function drawOnlyPlane() {
    const canvas = $("boundary");
    const [ctx, w, h] = scale(canvas);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const classes = MG.meta.palette.classes;
    for (const [x, y, c] of state.custom) {
      const [px, py] = toPixel([x, y], w, h);
      ctx.beginPath(); ctx.arc(px, py, 4.2, 0, 2 * Math.PI);
      ctx.fillStyle = classes[c % classes.length]; ctx.fill();
    }
    ctx.fillStyle = "#667085";
    ctx.font = "13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText("click to add points of both classes", w / 2, 22);
  }

  function showOutputs() {
    $("net-noise-out").textContent = Number($("net-noise").value).toFixed(2);
    $("net-points-out").textContent = $("net-points").value;
    $("net-test-out").textContent = `${Math.round(100 * Number($("net-test").value))}%`;
  }

  function buildLayerRows() {
    const host = $("layer-sizes");
    host.textContent = "";
    $("layer-count").textContent = String(state.hidden.length);
    $("layer-remove").disabled = state.hidden.length <= 1;
    $("layer-add").disabled = state.hidden.length >= MG.meta.limits.layers;
    state.hidden.forEach((size, i) => {
      const minus = MG.el("button", { "aria-label": `fewer neurons in layer ${i + 1}`, "data-testid": `neurons-minus-${i + 1}`, text: "−" });
      const plus = MG.el("button", { "aria-label": `more neurons in layer ${i + 1}`, "data-testid": `neurons-plus-${i + 1}`, text: "+" });
      minus.disabled = size <= 1;
      plus.disabled = size >= MG.meta.limits.neurons;
      minus.addEventListener("click", () => { state.hidden[i] -= 1; changed(); });
      plus.addEventListener("click", () => { state.hidden[i] += 1; changed(); });
      host.append(MG.el("div", { class: "row" }, MG.el("span", { text: `layer ${i + 1} neurons` }),
        MG.el("span", { class: "stepper" }, minus, MG.el("b", { text: String(size) }), plus)));
    });
  }

  function changed() {
    $("net-notice").hidden = true;
    buildLayerRows();
    showOutputs();
    showDrawCard();
    if ($("net-dataset").value === "custom" && !customReady()) {
      pause();
      state.drawOnly = true;
      toURL(config());
      $("train-play").disabled = $("train-step").disabled = true;
      if (state.data) drawOnlyPlane();
      return;
    }
    state.drawOnly = false;
    reset();
  }

  // ---------------------------------------------------------------- talking to the server
  // Requests run one after another, so answers always arrive in the order they were asked.
  function queue(task) {
    state.chain = state.chain.then(task).catch((err) => showTrouble(fromFailure(err)));
    return state.chain;
  }

  function reset() {
    const wasPlaying = state.playing;
    pause();
    return queue(() => resetNow(wasPlaying));
  }

  // After trouble the run starts afresh as a new one (the old one is closed), so a run the
  // server could not stop cleanly never wedges the tab: Reset, then Play, always trains.
  async function resetNow(wasPlaying) {
    const c = config();
    toURL(c);
    const fresh = !state.session || state.trouble;
    try {
      if (fresh && state.session) {
        const old = state.session;
        state.session = null;
        MG.api("/api/net/close", { session: old }).catch(() => null);
      }
      // The first run comes from the link: the server replaces what does not fit (clamp) and
      // says so in ``adjusted``; later changes come from the controls, which only offer what fits.
      const first = !state.created && MG.meta.lrByOptimizer ? { clamp: true } : {};
      const answer = state.session
        ? await MG.api("/api/net/reset", { session: state.session, config: c })
        : await MG.api("/api/net/new", { config: c, ...first });
      state.created = true;
      state.session = answer.session;
      start(answer);
      if (wasPlaying) play();
    } catch (err) {
      if (err.status === 404 && state.session) {
        state.session = null;
        return resetNow(wasPlaying);
      }
      if (err.status === 429) return refused(err.message);
      if (err.status === 422) return showError(err.message);
      showTrouble(fromFailure(err));
    }
  }

  function start(answer) {
    state.data = answer.data;
    state.curves = { loss: [], accuracy: [], test_loss: [], test_accuracy: [], lr: [] };
    state.selected = null;
    state.zeroLoss = null;
    state.rate = [];
    state.stall = null;
    $("inspector").hidden = true;
    showError(null);
    showTrouble(null);
    $("train-play").disabled = state.playing;
    $("train-step").disabled = false;
    setStatus("");
    buildNeurons();
    const n = state.data.train.X.length, m = state.data.test.X.length;
    const batch = state.data.config.batch;
    const whole = `Train loss and accuracy are measured after each step on all ${n} training points` +
      (batch > 0 && batch < n ? `, not only the step's mini-batch of ${batch}` : "") + ".";
    $("curves-note").textContent = m ? `${whole} Test: the ${m} held-out points, never trained on.` : `${whole} No test points (test split 0%).`;
    for (const el of document.querySelectorAll(".train-stat")) el.title = `on all ${n} training points`;
    showAdjusted(answer.adjusted);
    apply(answer.snapshot);
  }

  // ``advance``: while playing, ask for the next picture through /api/net/advance, which on
  // a host without threads (Python in a Web Worker) also trains for a moment first; the
  // local server trains in its own thread and just answers. Older servers: /api/net/step.
  async function step(n, play, advance = false) {
    if (!state.session) return;
    const since = state.curves.loss.length;
    let path = "/api/net/step", body = { session: state.session, steps: n, since };
    if (advance && MG.meta.limits.advanceSeconds) {
      path = "/api/net/advance";
      // 0.3 s of training per picture: under Pyodide a picture costs about 0.13 s, so
      // two thirds of the time trains (measured: 7.9 steps/s at 0.1 s, 10.3 at 0.3 s).
      body = { session: state.session, budget: Math.min(0.3, MG.meta.limits.advanceSeconds), since };
    } else if (play !== undefined) body.play = play;
    try {
      apply(await MG.api(path, body));
    } catch (err) {
      pause(false);
      if (err.status === 404) {
        state.session = null;
        return resetNow(false);
      }
      showTrouble(fromFailure(err));
    }
  }

  // While playing, the server trains in the background; the page fetches a picture
  // whenever it has drawn the last one.
  async function loop() {
    while (state.playing) {
      const asked = performance.now();
      await queue(() => (state.playing ? step(0, undefined, true) : null));
      const wait = 120 - (performance.now() - asked);
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    }
  }

  function play() {
    if (state.playing) return;
    if (!state.session || state.trouble) { // a broken or ended run cannot go on: start afresh
      return reset().then(() => state.session && !state.trouble && play());
    }
    state.playing = true;
    state.rate = [];
    state.stall = null;
    $("train-play").disabled = true;
    $("train-pause").disabled = false;
    setStatus("Training…");
    queue(() => step(0, true));
    loop();
  }

  // ``tell``: ask the server to pause too (not when the server is the one that stopped).
  function pause(tell = true) {
    const was = state.playing;
    state.playing = false;
    $("train-play").disabled = false;
    $("train-pause").disabled = true;
    $("train-rate").textContent = "–";
    if (was) setStatus(`Paused at step ${state.snap ? state.snap.step : 0}.`);
    if (was && tell && state.session) queue(() => step(0, false));
  }

  function showError(message) {
    $("net-error").hidden = !message;
    $("net-error").textContent = message || "";
  }

  function setStatus(text) {
    $("train-status").textContent = text;
  }

  // Each optimiser's usual learning rate: from /api/meta when the server names them.
  function defaultLr(optimizer) {
    const m = MG.meta;
    const named = (m.lrByOptimizer || m.defaultLr || {})[optimizer] ??
      ((m.optimizerDefaults || {})[optimizer] || {}).lr;
    if (typeof named === "number") return named;
    return { sgd: m.defaults.lr, momentum: 0.1, adam: 0.01 }[optimizer] ?? m.defaults.lr;
  }

  // ---------------------------------------------------------------- when training breaks
  // What the learner reads when a number leaves the float range: at which step, what blew
  // up, in which layer, what to lower, and a button that resets with that safer setting.
  const OVERFLOW = /overflow|diverg|finite|\bnan\b|\binf\b|out of range|JSON compliant/i;

  // A setting that usually tames the run: the backend's suggestion when it sends one, else
  // the L2 strength when it is large, else a learning rate ten times smaller.
  function saferSetting(c, suggested) {
    if (suggested && typeof suggested === "object") {
      const known = Object.entries(suggested).filter(([k, v]) => k in URL_KEYS && typeof v === "number");
      if (known.length) return Object.fromEntries(known);
    }
    if (c.l2 >= 0.01) return { l2: MG.meta.defaults.l2 };
    const usual = defaultLr(c.optimizer);
    if (c.lr > usual) return { lr: usual };
    return { lr: Math.max(1e-5, Number((c.lr / 10).toPrecision(2))) };
  }

  const SETTING_NAMES = { lr: "learning rate", l2: "L2 α", batch: "batch size", seed: "seed" };

  function changeText(changes) {
    return Object.entries(changes).map(([k, v]) => `${SETTING_NAMES[k] || k} = ${v}`).join(", ");
  }

  // A divergence from the server: its diagnosis (snapshot.diverged: step, what, layer, lower,
  // safer, message) or, from an older server, only a text.
  const WHAT = { loss: "the loss", gradient: "a gradient", update: "a weight's update" };

  function fromDivergence(info, c) {
    const rich = typeof info === "object" && info !== null;
    const text = rich ? info.cause || info.message || "" : String(info);
    const step = rich && Number.isInteger(info.step) ? info.step
      : Number((text.match(/step (\d+)/) || [])[1] ?? NaN);
    const what = (rich && (WHAT[info.what] || info.what)) ||
      (/\bloss\b/i.test(text) ? "the loss" : "a number in the network");
    const facts = [];
    const shown = state.snap ? state.snap.step : null;
    const range = "left the range a float can hold (about ±1.8e308)";
    if (Number.isFinite(step)) facts.push(`At step ${step}, ${what} ${range}.`);
    else if (shown) facts.push(`After step ${shown}, ${what} ${range}.`);
    else facts.push(`${what[0].toUpperCase()}${what.slice(1)} ${range}.`);
    if (rich && info.layer) {
      const grew = info.growth ? ` (its largest |grad| grew ${MG.short(info.growth, 3)}-fold)` : "";
      const output = state.data && info.layer === state.data.layers.length;
      facts.push(`${output ? "The output layer's" : `Layer ${info.layer}'s`} gradient blew up first${grew}.`);
    }
    if (rich && Array.isArray(info.lower) && info.lower.includes("init")) {
      facts.push("It failed before any update, so the initial weights may be too large.");
    }
    const changes = saferSetting(c, rich ? safer(info.safer, c) : null);
    return { title: "Training diverged", facts, changes, advice: advice(c, changes), raw: text };
  }

  // The backend's safer setting is a whole config: keep only what differs from the run's.
  function safer(config, c) {
    if (!config || typeof config !== "object") return null;
    const out = {};
    for (const [k, v] of Object.entries(config)) if (k in c && typeof v === "number" && v !== c[k]) out[k] = v;
    return out;
  }

  function advice(c, changes) {
    const lrs = state.curves ? state.curves.lr.filter((v) => v !== null) : [];
    const lr = lrs.length ? lrs[lrs.length - 1] : c.lr; // the schedule's rate at the last step
    if ("l2" in changes) {
      return `L2 α = ${c.l2} adds 2·α·w to every weight's gradient, so each step multiplies the weights by ` +
        `about (1 − 2·lr·α) = ${MG.short(1 - 2 * lr * c.l2, 3)} (lr ${MG.short(lr, 3)}). At 0 or below, every step ` +
        "overshoots zero and flips the weights' signs; with the data's own pull the swings grow until the numbers overflow. Lower L2 α.";
    }
    if ("lr" in changes) {
      return `With learning rate ${MG.short(lr, 3)} the steps overshoot: each one lands where the loss is steeper than ` +
        "before, so the next step is larger still, until the numbers overflow. Lower the learning rate.";
    }
    return "The steps grew too large for this problem. Try smaller steps.";
  }

  // A request that failed: say what it means for the learner, never a raw 'internal error'.
  function fromFailure(err) {
    const raw = String(err.message || err).replace(/^.*internal error:\s*/, "");
    if (err.status === 0) return { title: "The server has gone", facts: [], advice: err.message, raw: "" };
    if (OVERFLOW.test(raw)) return fromDivergence(raw, config());
    return {
      title: "Something went wrong on the server",
      facts: [],
      advice: "This run cannot go on. Reset to start it again; if it happens again, the details below help a bug report.",
      raw,
    };
  }

  function showTrouble(trouble) {
    state.trouble = trouble;
    const box = $("net-trouble");
    box.hidden = !trouble;
    if (!trouble) return;
    if (state.playing) pause(false);
    $("train-rate").textContent = "–";
    $("trouble-title").textContent = trouble.title;
    $("trouble-facts").textContent = "";
    for (const fact of trouble.facts) $("trouble-facts").append(MG.el("li", { text: fact }));
    $("trouble-advice").textContent = trouble.advice;
    $("trouble-fix").hidden = !trouble.changes;
    if (trouble.changes) $("trouble-fix").textContent = `Reset with ${changeText(trouble.changes)}`;
    $("trouble-again").textContent = "Reset with the same settings";
    $("trouble-details").hidden = !trouble.raw;
    $("trouble-raw").textContent = trouble.raw || "";
    setStatus(trouble.title === "Training diverged" ? "Stopped: training diverged." : "Stopped.");
  }

  function fixTrouble() {
    const changes = state.trouble && state.trouble.changes;
    if (changes) {
      const c = { ...config(), ...changes };
      setControls(c);
    }
    reset();
  }

  // Too many tabs: say so, and offer to try again once another tab is closed.
  function refused(message) {
    state.session = null;
    showTrouble({
      title: "This tab has no network run",
      facts: [message],
      advice: "Each open playground tab holds one run on the server. Close another playground tab " +
        "(or wait two minutes for an idle one to be dropped), then press Try again.",
      raw: "",
    });
    $("trouble-again").textContent = "Try again";
    $("train-play").disabled = $("train-step").disabled = true;
  }

  // ---------------------------------------------------------------- one answer from the server
  function apply(snap) {
    state.snap = snap;
    for (const [name, values] of Object.entries(snap.curves)) {
      state.curves[name].length = snap.since;
      state.curves[name].push(...values);
    }
    const k = snap.step;
    const c = state.curves;
    $("train-steps").textContent = String(k);
    $("train-loss").textContent = k ? MG.short(c.loss[k - 1], 3) : "–";
    $("train-accuracy").textContent = k ? MG.pct(c.accuracy[k - 1]) : "–";
    $("test-loss").textContent = k ? MG.short(c.test_loss[k - 1], 3) : "–";
    $("test-accuracy").textContent = k ? MG.pct(c.test_accuracy[k - 1]) : "–";
    $("curve-test-loss").textContent = k && c.test_loss[k - 1] !== null ? `test now ${MG.short(c.test_loss[k - 1], 4)}` : "";
    $("curve-test-acc").textContent = k && c.test_accuracy[k - 1] !== null ? `test now ${MG.pct(c.test_accuracy[k - 1])}` : "";
    $("train-lr").textContent = k ? MG.short(c.lr[k - 1], 3) : MG.short(config().lr, 3);
    const now = performance.now();
    state.rate.push([now, k]);
    while (state.rate.length > 2 && now - state.rate[0][0] > 2500) state.rate.shift();
    const [t0, k0] = state.rate[0];
    if (state.playing && now > t0 + 300) $("train-rate").textContent = ((k - k0) / ((now - t0) / 1000)).toFixed(1);
    const diverged = snap.diverged || snap.error;
    if (diverged) {
      if (typeof diverged !== "string" || OVERFLOW.test(diverged)) showTrouble(fromDivergence(diverged, state.data.config));
      else if (/internal error/i.test(diverged)) showTrouble(fromFailure({ message: diverged }));
      else showTrouble({ title: "Training stopped", facts: [], advice: diverged, raw: "" });
    } else if (state.playing && !snap.playing) {
      if (snap.step >= snap.maxSteps || (snap.stopped && snap.stopped.reason === "max_steps")) {
        pause(false);
        setStatus(`Stopped at step ${snap.step}: a run trains at most ${snap.maxSteps.toLocaleString("en")} steps. Reset to start again.`);
      } else if (snap.stopped && !["idle", "paused"].includes(snap.stopped.reason)) {
        pause(false);
        setStatus(`Stopped: ${snap.stopped.message || snap.stopped.reason}`);
      } else queue(() => step(0, true)); // it paused itself while this tab was asleep
    } else if (state.playing && snap.playing) {
      watchStall(k, now);
    }
    if (!state.data) return;
    // The pictures are redrawn only when the server drew new ones (pictureStep).
    const fresh = snap.pictureStep === undefined || snap.pictureStep !== state.pictureStep || state.pictureData !== state.data;
    state.pictureStep = snap.pictureStep;
    state.pictureData = state.data;
    if (state.drawOnly) drawOnlyPlane(); else if (fresh) drawBoundary();
    if (fresh) {
      drawNeurons();
      drawWires();
      drawGradflow();
    }
    refreshInspector();
    drawCurve($("curve-loss"), [c.loss, c.test_loss], MG.meta.palette.lines.loss, null);
    drawCurve($("curve-acc"), [c.accuracy, c.test_accuracy], MG.meta.palette.lines.accuracy, [0, 1]);
  }

  // A server that says it is playing but has not moved for a while has lost its trainer
  // (an older server's thread could die on a divergence without a word): say so.
  function watchStall(k, now) {
    if (!state.stall || state.stall.step !== k) {
      state.stall = { step: k, since: now };
      return;
    }
    if (now - state.stall.since > 6000) {
      state.stall = null;
      showTrouble({ ...fromDivergence(`training stopped advancing at step ${k}`, state.data.config),
        title: "Training stopped without a word", facts: [`the step count stayed at ${k}`],
        advice: `The server says it is training, but the step count has stayed at ${k} for 6 seconds. ` +
          "This usually means the numbers overflowed. Reset (with a safer setting) to start again." });
    }
  }

  // ---------------------------------------------------------------- the decision boundary
  function scale(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return [ctx, w, h];
  }

  function toPixel(p, w, h) {
    const [x0, x1, y0, y1] = state.data ? state.data.extent : [-2, 2, -2, 2];
    return [((p[0] - x0) / (x1 - x0)) * w, ((y1 - p[1]) / (y1 - y0)) * h];
  }

  function drawBoundary() {
    const canvas = $("boundary");
    const [ctx, w, h] = scale(canvas);
    const n = state.data.grid;
    const b = state.snap.boundary;
    const image = new ImageData(n, n);
    const classes = MG.meta.palette.classes;
    for (let i = 0; i < n * n; i++) {
      let rgb;
      if (b.kind === "binary") rgb = MG.classRamp((b.scores.q[i] / 127) * b.scores.scale);
      else rgb = MG.mix([255, 255, 255], MG.rgb(classes[b.winner[i] % classes.length]), 0.32);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    }
    const small = new OffscreenCanvas(n, n);
    small.getContext("2d").putImageData(image, 0, 0);
    if (state.outputTile) state.outputTile.getContext("2d").drawImage(small, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(small, 0, 0, w, h);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    if (b.kind === "binary") contour(ctx, b.scores.q, n, w / n, h / n);
    else for (const lead of b.leads) contour(ctx, lead.q, n, w / n, h / n);
    ctx.stroke();
    // Points: training filled with a white ring, test hollow with a thick ring.
    const split = [["train", state.data.train], ["test", state.data.test]];
    for (const [name, set] of split) {
      set.X.forEach((p, i) => {
        const [x, y] = toPixel(p, w, h);
        const color = classes[set.y[i] % classes.length];
        ctx.beginPath();
        ctx.arc(x, y, name === "train" ? 4.2 : 4.6, 0, 2 * Math.PI);
        if (name === "train") {
          ctx.fillStyle = color; ctx.fill();
          ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.2; ctx.stroke();
        } else {
          ctx.fillStyle = "#fff"; ctx.fill();
          ctx.strokeStyle = color; ctx.lineWidth = 2.4; ctx.stroke();
        }
      });
    }
    const zero = state.zeroLoss;
    if (zero && !$("inspector").hidden && state.selected && state.selected.kind === "point") {
      ctx.setLineDash([2, 2]);
      ctx.strokeStyle = "#344054"; ctx.lineWidth = 1.2;
      for (const i of zero.indices) {
        const p = state.data[zero.split].X[i];
        if (!p) continue;
        const [x, y] = toPixel(p, w, h);
        ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI); ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    const sel = state.selected;
    if (sel && sel.kind === "point") {
      const [x, y] = toPixel(state.data[sel.split].X[sel.index], w, h);
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.strokeStyle = MG.meta.palette.highlight; ctx.lineWidth = 2.5; ctx.stroke();
    }
  }

  // Marching squares on the cell centres: the line where the score crosses 0.
  function contour(ctx, q, n, cw, ch) {
    const at = (i, j) => q[j * n + i];
    const cross = (a, b) => a / (a - b);
    for (let j = 0; j < n - 1; j++) {
      for (let i = 0; i < n - 1; i++) {
        const v = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
        const pts = [];
        const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        for (let e = 0; e < 4; e++) {
          const a = v[e], b = v[(e + 1) % 4];
          if ((a > 0) !== (b > 0)) {
            const t = cross(a, b);
            const [ax, ay] = corners[e], [bx, by] = corners[(e + 1) % 4];
            pts.push([(ax + (bx - ax) * t + 0.5) * cw, (ay + (by - ay) * t + 0.5) * ch]);
          }
        }
        for (let k = 0; k + 1 < pts.length; k += 2) {
          ctx.moveTo(pts[k][0], pts[k][1]);
          ctx.lineTo(pts[k + 1][0], pts[k + 1][1]);
        }
      }
    }
  }

  function pickPoint(event) {
    const canvas = $("boundary");
    const rect = canvas.getBoundingClientRect();
    const mx = event.clientX - rect.left, my = event.clientY - rect.top;
    let best = null;
    for (const split of state.drawOnly ? [] : ["train", "test"]) {
      state.data[split].X.forEach((p, index) => {
        const [x, y] = toPixel(p, rect.width, rect.height);
        const d = Math.hypot(x - mx, y - my);
        if (d < 10 && (!best || d < best.d)) best = { d, split, index };
      });
    }
    if ($("net-dataset").value === "custom" && (!best || event.shiftKey || state.drawOnly)) addPoint(event, mx, my, rect);
    else if (best && !state.drawOnly) inspectPoint(best.split, best.index);
  }

  // ---------------------------------------------------------------- hidden neurons
  function buildNeurons() {
    const host = $("neurons");
    host.textContent = "";
    const n = state.data.neuronGrid;
    const layers = state.data.layers.slice(0, -1);
    host.append(featureColumn(n));
    // Tiles as large as the card allows: every column side by side, at most ~430 px tall.
    const columns = 2 + layers.reduce((sum, size) => sum + (size > 8 ? 2 : 1), 0);
    const rows = Math.max(2, ...layers.map((size) => (size > 8 ? Math.ceil(size / 2) : size)));
    const room = host.clientWidth - 34 * (layers.length + 1) - 4 * columns; // 34: the gap the weight lines cross
    const tile = Math.max(22, Math.min(64, Math.floor(room / columns), Math.floor(430 / rows) - 4));
    host.style.setProperty("--tile", `${tile}px`);
    state.tiles = layers.map((size, li) => {
      const tiles = MG.el("div", { class: "neuron-tiles" });
      tiles.style.gridTemplateColumns = `repeat(${size > 8 ? 2 : 1}, var(--tile))`;
      const canvases = [];
      for (let ni = 0; ni < size; ni++) {
        const c = MG.el("canvas", { width: n, height: n, title: `layer ${li + 1}, neuron ${ni + 1}`,
          "data-testid": `neuron-${li + 1}-${ni + 1}` });
        c.setAttribute("tabindex", "0");
        c.setAttribute("role", "button");
        c.setAttribute("aria-label", `layer ${li + 1}, neuron ${ni + 1}: show its weights`);
        c.addEventListener("click", () => inspectNeuron(li, ni));
        c.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); inspectNeuron(li, ni); }
        });
        c.addEventListener("mouseenter", () => neuronTip(c, li, ni));
        c.addEventListener("focus", () => neuronTip(c, li, ni));
        for (const gone of ["mouseleave", "blur"]) c.addEventListener(gone, () => { $("neuron-tip").hidden = true; });
        tiles.append(c);
        canvases.push(c);
      }
      host.append(MG.el("div", { class: "neuron-layer" },
        MG.el("div", { class: "title", text: `layer ${li + 1} · ${size} ${state.data.config.activation}` }), tiles));
      return canvases;
    });
    state.outputTile = MG.el("canvas", { width: state.data.grid, height: state.data.grid, title: "the output: the decision boundary" });
    const out = MG.el("div", { class: "neuron-tiles" }, state.outputTile);
    out.style.gridTemplateColumns = "var(--tile)";
    host.append(MG.el("div", { class: "neuron-layer" }, MG.el("div", { class: "title", text: "output" }), out));
    state.columns = [state.features, ...state.tiles, [state.outputTile]];
    state.wires = null;
    const wires = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    wires.setAttribute("class", "wires");
    wires.setAttribute("aria-hidden", "true");
    host.prepend(wires);
    state.wireSvg = wires;
    const c = MG.meta.palette.classes;
    $("boundary-legend").innerHTML = "";
    const classes = state.data.classes;
    for (let k = 0; k < classes; k++) {
      const dot = MG.el("i"); dot.style.background = c[k];
      $("boundary-legend").append(MG.el("span", {}, dot, `class ${k}`));
    }
    if (state.data.test.X.length) {
      const ring = MG.el("i", { class: "test" }); ring.style.borderColor = "#475467";
      $("boundary-legend").append(MG.el("span", {}, ring, "test point"));
    }
    const sizes = [2, ...state.data.layers].join(", ");
    $("net-size").textContent = `MLP(${sizes.replace(/^2, /, "2, [")}]): ${state.data.parameters} parameters. Click a neuron's picture to see its weights.`;
  }

  // The two inputs as pictures: x1 grows to the right, x2 upwards (what layer 1 starts from).
  function featureColumn(n) {
    const tiles = MG.el("div", { class: "neuron-tiles" });
    state.features = [];
    tiles.style.gridTemplateColumns = "var(--tile)";
    for (const axis of [0, 1]) {
      const c = MG.el("canvas", { width: n, height: n, title: `input x${axis + 1}` });
      const ctx = c.getContext("2d");
      const image = ctx.createImageData(n, n);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const t = axis === 0 ? (2 * i + 1) / n - 1 : 1 - (2 * j + 1) / n;
          const rgb = MG.classRamp(t);
          image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * (j * n + i));
        }
      }
      ctx.putImageData(image, 0, 0);
      state.features.push(c);
      tiles.append(MG.el("div", { class: "feature" }, c, MG.el("span", { text: `x${axis + 1}` })));
    }
    return MG.el("div", { class: "neuron-layer" }, MG.el("div", { class: "title", text: "inputs" }), tiles);
  }

  function drawNeurons() {
    const maps = state.snap.neurons;
    const n = state.data.neuronGrid;
    maps.forEach((layer, li) => layer.forEach((map, ni) => {
      const canvas = state.tiles[li][ni];
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(n, n);
      for (let i = 0; i < n * n; i++) {
        const rgb = MG.classRamp(map.q[i] / 127);
        image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
      }
      ctx.putImageData(image, 0, 0);
      const sel = state.selected;
      canvas.classList.toggle("selected", !!sel && sel.kind === "neuron" && sel.layer === li && sel.index === ni);
    }));
  }

  // The weights as lines between the pictures of adjacent layers, as TensorFlow Playground
  // draws them: colour for the sign (red > 0, blue < 0), width for the size.
  function drawWires() {
    const weights = state.snap.weights;
    const svgEl = state.wireSvg;
    if (!Array.isArray(weights) || !svgEl || !state.columns) return;
    const host = $("neurons");
    const box = host.getBoundingClientRect();
    if (!box.width) return;
    svgEl.setAttribute("width", host.scrollWidth);
    svgEl.setAttribute("height", host.scrollHeight);
    // Lines leave a layer at the right edge of its group of pictures and enter the next at
    // its left edge, so they never cross a picture of a two-column layer.
    const anchor = (canvas, side) => {
      const r = canvas.getBoundingClientRect();
      const group = canvas.closest(".neuron-tiles").getBoundingClientRect();
      return [(side ? group.right : group.left) - box.left + host.scrollLeft, r.top + r.height / 2 - box.top + host.scrollTop];
    };
    if (!state.wires) {
      state.wires = [];
      svgEl.textContent = "";
      weights.forEach((layer, l) => layer.w.forEach((row, j) => row.forEach((_, i) => {
        const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
        svgEl.append(line);
        state.wires.push({ line, l, j, i });
      })));
    }
    const p = MG.meta.palette;
    const biggest = weights.map((layer) => Math.max(1e-9, ...layer.w.flat().map((v) => Math.abs(v ?? 0))));
    for (const wire of state.wires) {
      const from = state.columns[wire.l] && state.columns[wire.l][wire.i];
      const to = state.columns[wire.l + 1] && state.columns[wire.l + 1][wire.j];
      const v = weights[wire.l] && weights[wire.l].w[wire.j] ? weights[wire.l].w[wire.j][wire.i] : null;
      if (!from || !to || v === null || v === undefined) { wire.line.setAttribute("stroke-width", 0); continue; }
      const [x1, y1] = anchor(from, true), [x2, y2] = anchor(to, false);
      wire.line.setAttribute("x1", x1); wire.line.setAttribute("y1", y1);
      wire.line.setAttribute("x2", x2); wire.line.setAttribute("y2", y2);
      wire.line.setAttribute("stroke", v >= 0 ? p.positive : p.negative);
      wire.line.setAttribute("stroke-width", (0.3 + 3.2 * Math.abs(v) / biggest[wire.l]).toFixed(2));
    }
  }

  // Hovering (or focusing) a neuron: its formula with its weights, and its picture enlarged.
  function neuronTip(canvas, li, ni) {
    const tip = $("neuron-tip");
    const weights = state.snap && state.snap.weights && state.snap.weights[li];
    const act = state.data.config.activation;
    tip.textContent = "";
    const big = MG.el("canvas", { width: 120, height: 120 });
    const g = big.getContext("2d");
    g.imageSmoothingEnabled = false;
    g.drawImage(canvas, 0, 0, 120, 120);
    tip.append(big);
    const text = MG.el("div", { class: "tip-text" });
    text.append(MG.el("b", { text: `layer ${li + 1}, neuron ${ni + 1}` }));
    text.append(MG.el("code", { text: `${act}(w·x + b)` }));
    if (weights) {
      const w = weights.w[ni], b = weights.b[ni];
      const names = li === 0 ? ["x1", "x2"] : w.map((_, i) => `h${i + 1}`);
      const terms = w.map((v, i) => `${MG.short(v, 2)}·${names[i]}`);
      const shown = terms.length > 6 ? [...terms.slice(0, 5), `… (${terms.length} inputs)`] : terms;
      text.append(MG.el("code", { "data-testid": "tip-neuron-numbers", text: `= ${act}(${shown.join(" + ").replace(/\+ -/g, "− ")} + ${MG.short(b, 2)})` }));
    }
    text.append(MG.el("span", { class: "hint", text: "click for its weights and gradients" }));
    tip.append(text);
    const card = tip.parentElement.getBoundingClientRect();
    const r = canvas.getBoundingClientRect();
    tip.hidden = false;
    const left = Math.min(r.right - card.left + 8, card.width - tip.offsetWidth - 8);
    tip.style.left = `${Math.max(8, left)}px`;
    tip.style.top = `${r.top - card.top}px`;
  }

  function drawGradflow() {
    const host = $("gradflow");
    const rows = state.snap.gradflow;
    const key = rows.map((r) => `${r.dead === null}${r.saturated === null}`).join() + rows.length;
    if (host.dataset.key === key && rows.length) {  // same rows: only move the bars and numbers
      rows.forEach((r, i) => {
        const lg = Math.log10(Math.max(r.meanAbsGrad, 1e-12));
        state.gradRows[i].fill.style.width = `${Math.max(2, Math.min(100, ((lg + 6) / 6) * 100))}%`;
        state.gradRows[i].num.textContent = MG.short(r.meanAbsGrad, 2);
        if (state.gradRows[i].note) state.gradRows[i].note.textContent = gradNote(r, i === rows.length - 1);
      });
      return;
    }
    host.dataset.key = key;
    host.textContent = "";
    state.gradRows = [];
    if (!rows.length) {
      host.append(MG.el("div", { class: "hint", text: "Train a step to see how much gradient reaches each layer." }));
      return;
    }
    for (const r of rows) {
      const bar = MG.el("div", { class: "bar" });
      const fill = MG.el("i");
      const lg = Math.log10(Math.max(r.meanAbsGrad, 1e-12));
      fill.style.width = `${Math.max(2, Math.min(100, ((lg + 6) / 6) * 100))}%`;
      fill.style.background = MG.meta.palette.lines.grad;
      bar.append(fill);
      const last = r.layer === rows.length;
      const num = MG.el("span", { class: "num", text: MG.short(r.meanAbsGrad, 2) });
      host.append(MG.el("div", { class: "gf-row" },
        MG.el("span", { class: "name", text: `${last ? "output" : `layer ${r.layer}`} ${r.activation}` }), bar, num));
      const text = gradNote(r, last);
      let note = null;
      if (text) {
        note = MG.el("span", { class: "note", text });
        host.append(MG.el("div", { class: "gf-row" }, MG.el("span"), note));
      }
      state.gradRows.push({ fill, num, note });
    }
    host.append(MG.el("div", { class: "hint", text: "bar: log scale from 1e-6 to 1" }));
  }

  function gradNote(r, last) {
    const notes = [];
    if (r.dead !== null && r.dead !== undefined && !last) notes.push(`${Math.round(100 * r.dead)}% dead ReLUs`);
    if (r.saturated !== null && r.saturated !== undefined) notes.push(`${Math.round(100 * r.saturated)}% saturated`);
    return notes.join(" · ");
  }

  // ---------------------------------------------------------------- curves
  function niceCeil(v) {
    const p = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v * 0.999) || v;
  }

  // Before the first step the axes are empty and say so. A loss that spans more than a few
  // orders of magnitude (a run heading for divergence reaches e+115) is drawn on a log scale,
  // and a value no float can hold is marked at the top edge instead of vanishing.
  function drawCurve(canvas, [train, test], color, range) {
    const [ctx, w, h] = scale(canvas);
    ctx.clearRect(0, 0, w, h);
    const left = 44, right = 8, top = 8, bottom = 18;
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue("--muted").trim() || "#667085";
    const grid = css.getPropertyValue("--line").trim() || "#eaecf0";
    ctx.font = "10.5px system-ui, sans-serif";
    ctx.fillStyle = ink;
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    const steps = Math.max(train.length, 10);
    const finite = [...train, ...test].filter((v) => v !== null && Number.isFinite(v));
    if (!train.length) {
      ctx.beginPath(); ctx.moveTo(left, h - bottom); ctx.lineTo(w - right, h - bottom); ctx.stroke();
      ctx.textAlign = "center";
      ctx.fillText("no steps yet: press Step or Play", (left + w - right) / 2, (top + h - bottom) / 2);
      return;
    }
    let lo = 0, hi = 1, log = false;
    if (range) [lo, hi] = range;
    else if (finite.length) {
      const positive = finite.filter((v) => v > 0);
      const max = Math.max(...finite);
      const min = positive.length ? Math.min(...positive) : max;
      log = max > 100 && max / Math.max(min, 1e-12) > 1e4;
      if (log) {
        lo = Math.floor(Math.log10(Math.max(min, 1e-6)));
        hi = Math.ceil(Math.log10(max));
        if (hi === lo) hi += 1;
      } else {
        hi = niceCeil(Math.max(max, 1e-9));
      }
    }
    const at = (v) => (log ? Math.log10(Math.max(v, 10 ** lo)) : v);
    const x = (k) => left + ((w - left - right) * k) / Math.max(steps - 1, 1);
    const y = (v) => top + (h - top - bottom) * (1 - (at(v) - lo) / (hi - lo));
    const ticks = log ? [lo, Math.round((lo + hi) / 2), hi] : [lo, (lo + hi) / 2, hi];
    for (const t of ticks) {
      const v = log ? 10 ** t : t;
      ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
      ctx.textAlign = "right";
      const text = range ? `${Math.round(v * 100)}%` : log ? `1e${t}` : MG.short(v, 2);
      ctx.fillText(text, left - 5, y(v) + 3.5);
    }
    ctx.textAlign = "left";
    ctx.fillText(log ? "0   (log scale)" : "0", left, h - 4);
    ctx.textAlign = "right";
    ctx.fillText(`step ${train.length}`, w - right, h - 4);
    const every = Math.max(1, Math.floor(train.length / 600)); // at most ~600 points a line
    const line = (series, dash) => {
      ctx.beginPath();
      let drawing = false;
      series.forEach((v, k) => {
        if (k % every && k !== series.length - 1) return;
        if (v === null || !Number.isFinite(v)) { drawing = false; return; }
        if (drawing) ctx.lineTo(x(k), y(v)); else ctx.moveTo(x(k), y(v));
        drawing = true;
      });
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.8;
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(test, [4, 3]);
    line(train, []);
    // A value past the float range (sent as null once the run diverged): a mark at the top.
    const last = train.length - 1;
    if (!range && last >= 0 && (train[last] === null || !Number.isFinite(train[last]))) {
      ctx.fillStyle = "#b42318";
      ctx.beginPath(); ctx.moveTo(x(last) - 5, top + 7); ctx.lineTo(x(last) + 5, top + 7); ctx.lineTo(x(last), top); ctx.fill();
      ctx.textAlign = "right";
      ctx.fillText("beyond any float ↑", x(last) - 8, top + 8);
    }
  }

  // ---------------------------------------------------------------- linked views
  // The open inspector follows training: a neuron's weights often, a point's picture now and then.
  function refreshInspector() {
    const sel = state.selected;
    if (!sel || $("inspector").hidden || state.inspecting) return;
    if (performance.now() - (state.inspected || 0) < (sel.kind === "neuron" ? 400 : 1500)) return;
    if (sel.kind === "neuron") inspectNeuron(sel.layer, sel.index);
    else if (state.pinned) inspectPoint(sel.split, sel.index);
  }

  // Select a point or a neuron, ask the server about it, and show the answer in the inspector.
  async function inspect(selection, path, fields, render) {
    state.selected = selection;
    drawBoundary();
    drawNeurons();
    state.inspecting = true;
    try {
      const d = await MG.api(path, { session: state.session, ...fields });
      $("inspector-body").textContent = "";
      render(d, $("inspector-body"));
      $("inspector").hidden = false;
    } catch (err) {
      showError(err.message);
    } finally {
      state.inspecting = false;
      state.inspected = performance.now();
    }
  }

  // One point's way through the network, drawn here from the server's numbers: a column per
  // layer, each neuron with its output and d(loss)/d(output); lines coloured by the weights'
  // gradients for this one point (red > 0, blue < 0, width = size).
  function inspectPoint(split, index) {
    return inspect({ kind: "point", split, index }, "/api/net/point", { split, index }, (d, body) => {
      $("inspector-title").textContent = `${split} point ${index + 1}: its computation, neuron by neuron`;
      const score = Array.isArray(d.score) ? d.score.map((s) => MG.short(s, 4)).join(", ") : MG.short(d.score, 4);
      body.append(MG.el("div", { class: "point-facts",
        text: `x = (${MG.short(d.x[0], 4)}, ${MG.short(d.x[1], 4)})   class ${d.label}   score ${score}   loss for this point ${MG.short(d.loss, 4)}` }));
      const why = d.why || (d.loss === 0
        ? "This point is on the right side by a margin of at least 1, so its loss is 0 and it passes back no gradient: every grad below is 0."
        : "Gradients are this one point's loss.backward() for the current weights: red > 0, blue < 0.");
      body.append(MG.el("p", { class: d.zero ? "hint zero" : "hint", "data-testid": "point-why", text: why }));
      if (Array.isArray(d.zeroLoss)) {
        const n = state.data[split].X.length;
        state.zeroLoss = { split, indices: d.zeroLoss };
        body.append(MG.el("p", { class: "hint", "data-testid": "zero-loss", text:
          `${d.zeroLoss.length} of the ${n} ${split} points have loss 0 right now (dashed rings on the plane): ` +
          "they are classified right with room to spare and send back no gradient, so training learns only from the others." }));
        drawBoundary();
      }
      const holder = MG.el("div", { class: "point-graph", "data-testid": "point-graph" });
      if (Array.isArray(d.layers)) holder.append(pointPicture(d));
      else if (d.svg) holder.innerHTML = d.svg.replace(/<\?xml[^>]*>/, "").replace(/<!DOCTYPE[^>]*>/, "");
      body.append(holder);
      const pin = MG.el("input", { type: "checkbox", "data-testid": "inspector-pin" });
      pin.checked = Boolean(state.pinned);
      pin.addEventListener("change", () => { state.pinned = pin.checked; });
      body.append(MG.el("label", { class: "toggle" }, pin, MG.el("span", { text: "follow training (refresh while it plays)" })));
    });
  }

  function pointPicture(d) {
    const NS = "http://www.w3.org/2000/svg";
    const node = (tag, attrs, text) => {
      const el = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      if (text !== undefined) el.textContent = text;
      return el;
    };
    const columns = [{ name: "input", out: d.x, grad: null }, ...d.layers.map((l, i) => ({
      name: i === d.layers.length - 1 ? "output" : `layer ${i + 1}`, out: l.out, grad: l.grad, wg: l.weightGrads }))];
    const rowH = 30, colW = 150, boxW = 104, boxH = 24, top = 24;
    const tallest = Math.max(...columns.map((c) => c.out.length));
    const width = colW * (columns.length - 1) + boxW + 20, height = top + rowH * tallest + 10;
    const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": "this point's values and gradients through the network" });
    const pos = (c, i) => [10 + c * colW, top + (tallest - columns[c].out.length) * rowH / 2 + i * rowH];
    const gmax = Math.max(1e-12, ...d.layers.flatMap((l) => l.grad.map(Math.abs)));
    const wmax = Math.max(1e-12, ...d.layers.flatMap((l) => l.weightGrads.flat().map(Math.abs)));
    columns.forEach((col, c) => {
      svg.append(node("text", { x: pos(c, 0)[0] + boxW / 2, y: 12, "text-anchor": "middle", class: "pp-head" }, col.name));
      if (c === 0) return;
      col.wg.forEach((grads, j) => {
        const [x1, y1] = pos(c, j);
        columns[c - 1].out.forEach((_, i) => {
          const [x0, y0] = pos(c - 1, i);
          const g = grads[i];
          svg.append(node("line", { x1: x0 + boxW, y1: y0 + boxH / 2, x2: x1, y2: y1 + boxH / 2,
            stroke: g === 0 ? "#d0d5dd" : MG.gradColor(g, wmax), "stroke-width": 0.6 + 3 * Math.min(1, Math.abs(g) / wmax) }));
        });
      });
    });
    columns.forEach((col, c) => col.out.forEach((v, i) => {
      const [x, y] = pos(c, i);
      const g = col.grad ? col.grad[i] : null;
      svg.append(node("rect", { x, y, width: boxW, height: boxH, rx: 4, class: "pp-box",
        fill: g === null ? "#fff" : MG.gradColor(g, gmax) }));
      const text = c === 0 ? `x${i + 1} = ${MG.short(v, 3)}` : `${MG.short(v, 3)} · ∇ ${MG.short(g, 2)}`;
      svg.append(node("text", { x: x + boxW / 2, y: y + 16, "text-anchor": "middle", class: "pp-text" }, text));
    }));
    const wrap = MG.el("div", { class: "pp-wrap" }, svg);
    wrap.append(MG.el("p", { class: "hint", text: "Each box: the neuron's output · ∇ its d(loss)/d(output) for this point. Lines: the weights' gradients for this point (red > 0, blue < 0, thicker = larger; grey = 0)." }));
    return wrap;
  }

  function inspectNeuron(layer, index) {
    return inspect({ kind: "neuron", layer, index }, "/api/net/neuron", { layer, index }, (d, body) => {
      $("inspector-title").textContent = `layer ${layer + 1}, neuron ${index + 1} (${d.activation}): weights and their gradients`;
      if (d.formula) {
        body.append(MG.el("div", { class: "formula", "data-testid": "formula-neuron" },
          MG.el("code", { text: d.formula }), " = ", MG.el("code", { text: d.formulaNumbers || "" })));
      }
      const hasNext = d.weights.some((w) => "next" in w);
      const optimizer = d.optimizer || state.data.config.optimizer;
      const table = MG.el("table", { class: "weights", "data-testid": "neuron-weights" });
      table.append(MG.el("tr", {}, MG.el("th", { text: "from" }), MG.el("th", { text: "weight" }), MG.el("th", { text: "" }),
        MG.el("th", { text: "grad (last step)" }), MG.el("th", { text: "" }),
        MG.el("th", { text: hasNext ? `next ${optimizer} step` : "−lr·grad moves it" })));
      const wmax = Math.max(...d.weights.map((w) => Math.abs(w.data)), 1e-9);
      const gmax = Math.max(...d.weights.map((w) => Math.abs(w.grad)), 1e-12);
      for (const w of d.weights) {
        const sw = MG.el("i");
        sw.style.background = MG.gradColor(w.data, wmax);
        const gw = MG.el("i");
        gw.style.background = MG.gradColor(w.grad, gmax);
        let move;
        if (hasNext) move = w.next === null ? "–" : w.next === 0 ? "stays" : `${w.next > 0 ? "up ↑" : "down ↓"} ${MG.short(Math.abs(w.next), 2)}`;
        else move = w.grad === 0 ? "stays" : w.grad > 0 ? "down ↓" : "up ↑";
        table.append(MG.el("tr", {}, MG.el("td", { text: w.from }), MG.el("td", { text: MG.fmt(w.data) }),
          MG.el("td", { class: "swatch" }, sw), MG.el("td", { text: MG.fmt(w.grad) }), MG.el("td", { class: "swatch" }, gw),
          MG.el("td", { text: move })));
      }
      body.append(table);
      body.append(MG.el("p", { class: "hint", text: (d.nextNote ? `${d.nextNote} ` : "") +
        "Colours: red > 0, blue < 0 (the gradient palette). Gradients are from the last training step's backward()." }));
    });
  }

  // ---------------------------------------------------------------- wiring
  function fill(select, options) {
    for (const o of options) select.append(MG.el("option", { value: o, text: o }));
  }

  function init() {
    fill($("net-dataset"), MG.meta.datasets);
    const own = $("net-dataset").querySelector("option[value=custom]");
    if (own) own.textContent = "your own";
    fill($("net-activation"), MG.meta.activations);
    fill($("net-schedule"), MG.meta.schedules);
    fill($("net-optimizer"), MG.meta.optimizers);
    $("net-points").max = MG.meta.limits.points;
    setControls(fromURL());
    $("net-dataset").addEventListener("change", () => {
      const ds = $("net-dataset").value;
      if (ds === "custom" && !state.custom.length && state.data) {
        // Start from the points on the plane; Clear to start from nothing.
        const most = MG.meta.limits.customPoints || 200;
        const R = MG.meta.limits.customRange || 4;
        state.custom = ["train", "test"].flatMap((split) => state.data[split].X.map((p, i) =>
          [round2(p[0]), round2(p[1]), state.data[split].y[i]]))
          .filter((p) => Math.abs(p[0]) <= R && Math.abs(p[1]) <= R).slice(0, most);
        state.note = `Your own data starts from the ${state.data.config.dataset} points: click to add more, or Clear the points to start from nothing.`;
      } else if (ds !== "custom") {
        $("net-noise").value = NOISE[ds] ?? 0.1;
      }
      changed();
    });
    $("draw-clear").addEventListener("click", () => { state.custom = []; changed(); });
    for (const id of ["net-noise", "net-points", "net-test"]) {
      $(id).addEventListener("input", showOutputs);
      $(id).addEventListener("change", changed);
    }
    $("net-optimizer").addEventListener("change", () => {
      // Each optimiser gets its usual learning rate: Adam's steps do not scale with the
      // gradient, and momentum's add up, so SGD's lr 1 would throw their weights around.
      const optimizer = $("net-optimizer").value;
      $("net-lr").value = defaultLr(optimizer);
      state.note = `${optimizer}: learning rate set to its usual ${defaultLr(optimizer)}.`;
      changed();
    });
    for (const id of ["net-activation", "net-lr", "net-schedule", "net-batch", "net-l2", "net-seed"]) {
      $(id).addEventListener("change", changed);
    }
    $("layer-add").addEventListener("click", () => { state.hidden.push(4); changed(); });
    $("layer-remove").addEventListener("click", () => { state.hidden.pop(); changed(); });
    $("train-play").addEventListener("click", play);
    $("train-pause").addEventListener("click", pause);
    $("train-step").addEventListener("click", () => { pause(); queue(() => step(1)); });
    $("train-reset").addEventListener("click", reset);
    $("trouble-fix").addEventListener("click", fixTrouble);
    $("trouble-again").addEventListener("click", reset);
    $("boundary").addEventListener("click", pickPoint);
    $("inspector-close").addEventListener("click", () => {
      $("inspector").hidden = true;
      state.selected = null;
      state.zeroLoss = null;
      drawBoundary();
      drawNeurons();
    });
    $("train-pause").disabled = true;
    // A heartbeat while the tab is open and idle, so the server keeps this tab's run and
    // frees the runs of tabs closed without a word.
    const every = Math.max(5, Math.min(30, (MG.meta.idleSeconds || 60) / 3)) * 1000;
    setInterval(() => {
      if (!state.session || state.playing || document.hidden || !MG.meta.idleSeconds) return;
      MG.api("/api/net/ping", { session: state.session }).then((d) => {
        if (d && d.alive === false && !state.playing) {
          state.session = null;
          setStatus("This tab's run had ended on the server; press Reset or Play to start a new one.");
        }
      }).catch(() => null);
    }, every);
    window.addEventListener("pagehide", () => {
      if (state.session) {
        MG.api("/api/net/close", { session: state.session }, { keepalive: true }).catch(() => null);
      }
    });
  }

  function shown() {
    if (!state.started) {
      state.started = true;
      changed();
    }
  }

  return { init, shown, state };
})();
