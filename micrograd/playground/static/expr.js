// The expression lab: the graph of an expression and its backward pass, one node per step.
// Every number shown comes from the server (the Python engine); this file only draws.
"use strict";

MG.labs.expr = (() => {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const ROW_H = 17; // micrograd.viz.render_python.ROW_H: one field of a stacked box, in points
  const state = { data: null, step: 0, timer: null, pending: null, busy: false, wanted: 0 };
  let view = null; // the drawn SVG's elements, rebuilt when the graph changes

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- requests
  function request(extra = {}) {
    return {
      expr: $("expr-input").value,
      values: $("expr-values").value,
      bug: $("bug-toggle").checked,
      ...extra,
    };
  }

  // Too long to send: say so here, before sending, rather than let the box cut it silently.
  function tooLong() {
    const limit = MG.meta.limits.exprLength;
    for (const [id, what] of [["expr-input", "expression"], ["expr-values", "values"]]) {
      const n = $(id).value.length;
      if (n > limit) return `The ${what} is ${n.toLocaleString("en")} characters; the lab takes up to ${limit.toLocaleString("en")}. Shorten it and press Apply.`;
    }
    return null;
  }

  // One request at a time (the server lays out one graph per request); while one runs,
  // remember only that another is wanted. Each request has a sequence number: an answer
  // to an older request than the newest never writes over what the learner typed since.
  async function load({ keepStep = true } = {}) {
    const long = tooLong();
    if (long) {
      stale();
      return showError(long);
    }
    if (state.busy) {
      state.wanted += 1;
      return;
    }
    state.busy = true;
    const seq = (state.seq = (state.seq || 0) + 1);
    const sent = request();
    try {
      const data = await MG.api("/api/expr", sent);
      if (seq !== state.seq || state.wanted) return; // a newer request follows: it draws
      const sameGraph = state.data && state.data.nodes.length === data.nodes.length &&
        state.data.expr === data.expr;
      if (!sameGraph || valuesText(state.data.values) !== valuesText(data.values)) $("nudge-out").textContent = "";
      state.data = data;
      showError(null);
      $("expr-output").textContent = MG.fmt(data.output);
      MG.setParams({ e: data.expr, v: valuesText(data.values), bug: data.bug ? "1" : null });
      const typedSince = $("expr-values").value !== sent.values;
      if (!typedSince && document.activeElement !== $("expr-values")) $("expr-values").value = valuesText(data.values);
      if (!sameGraph) draw();
      if (!sameGraph || !keepStep) state.step = state.restore || 0;
      state.restore = 0;
      state.step = Math.min(state.step, data.steps.length);
      buildSliders(sameGraph);
      buildNudge();
      setStep(state.step);
    } catch (err) {
      if (seq === state.seq && !state.wanted) {
        stale();
        showError(friendly(err));
      }
    } finally {
      state.busy = false;
      if (state.wanted) {
        state.wanted = 0;
        load({ keepStep });
      }
    }
  }

  // The server's own message says what was wrong and how to fix it; one it did not expect
  // (a 5xx) is said in plain words, with its text only as a detail.
  function friendly(err) {
    if (!(err.status >= 500)) return err.message;
    const detail = String(err.message).replace(/^.*internal error:\s*/, "");
    return `The server could not work this one out (a problem on its side, not in your input). Try again, or a simpler expression. Detail: ${detail}`;
  }

  // What was shown for the last good inputs no longer holds: clear it rather than let it mislead.
  function stale() {
    $("expr-output").textContent = "–";
    $("nudge-out").textContent = "";
  }

  function valuesText(values) {
    return Object.entries(values).map(([k, v]) => `${k}=${v}`).join(" ");
  }

  function showError(message) {
    const box = $("expr-error");
    box.hidden = !message;
    box.textContent = message || "";
    $("graph").style.opacity = message ? "0.35" : "";
  }

  // ---------------------------------------------------------------- stepping
  function gradsAt(k) {
    const d = state.data;
    const grads = d.nodes.map(() => 0);
    grads[d.root] = 1;
    for (let i = 0; i < k; i++) {
      for (const c of d.steps[i].contributions) grads[c.child] = c.after;
    }
    return grads;
  }

  function gradScale() {
    let scale = 1;
    for (const s of state.data.steps) for (const c of s.contributions) scale = Math.max(scale, Math.abs(c.after));
    return scale;
  }

  function setStep(k) {
    const d = state.data;
    if (!d) return;
    state.step = Math.max(0, Math.min(k, d.steps.length));
    $("step-counter").textContent = String(state.step);
    $("step-total").textContent = String(d.steps.length);
    $("step-prev").disabled = $("step-reset").disabled = state.step === 0;
    $("step-next").disabled = $("step-end").disabled = state.step === d.steps.length;
    if (state.step === d.steps.length) stopPlay();
    paint();
    narrate();
    renderCheck();
    follow();
    MG.setParams({ step: state.step || null });
  }

  function togglePlay() {
    if (state.timer) return stopPlay();
    if (state.step === state.data.steps.length) setStep(0);
    $("step-play").textContent = "❚❚ Pause";
    state.timer = setInterval(() => setStep(state.step + 1), 900);
  }

  function stopPlay() {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    $("step-play").textContent = "▶ Play";
  }

  // ---------------------------------------------------------------- drawing
  function draw() {
    const d = state.data;
    const host = $("graph");
    host.textContent = "";
    // Layout points have y up (matplotlib's convention); the SVG's y goes down.
    const boxes = [];
    for (const n of d.nodes) {
      boxes.push(n.box);
      if (n.opBox) boxes.push(n.opBox);
    }
    const pad = 22;
    const x0 = Math.min(...boxes.map((b) => b.x - b.w / 2)) - pad - 26; // room for running sums
    const x1 = Math.max(...boxes.map((b) => b.x + b.w / 2)) + pad;
    const y0 = Math.min(...boxes.map((b) => -b.y - b.h / 2)) - pad;
    const y1 = Math.max(...boxes.map((b) => -b.y + b.h / 2)) + pad + 14;
    const width = x1 - x0, height = y1 - y0;
    const fit = Math.min((host.clientWidth - 8) / width, (host.clientHeight - 8) / height);
    // Fit the whole graph when that keeps the text readable; otherwise scroll.
    const auto = fit >= 0.8 ? Math.min(1.45, fit) : 0.95;
    // Zoom: null = readable (the auto rule above), "fit" = the whole graph in view, or a scale.
    const scale = state.zoom === "fit" ? Math.max(0.2, Math.min(1.45, fit))
      : state.zoom ? Math.max(0.2, Math.min(3, state.zoom)) : auto;
    state.scale = scale;
    const root = svg("svg", {
      viewBox: `${x0} ${y0} ${width} ${height}`,
      width: Math.round(width * scale),
      height: Math.round(height * scale),
      role: "img",
    });
    const defs = svg("defs");
    for (const [id, color] of [["arrow", MG.meta.palette.edge], ["arrow-on", MG.meta.palette.current]]) {
      const marker = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
        markerHeight: 7, orient: "auto-start-reverse" });
      marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color })); // app.css may recolour it
      defs.append(marker);
    }
    root.append(defs);
    const edgeLayer = svg("g"), nodeLayer = svg("g"), labelLayer = svg("g");
    root.append(edgeLayer, nodeLayer, labelLayer);
    view = { edges: [], nodes: [], sums: [] };

    // Edges child -> op, one per use (a + a draws two), then op -> its value.
    const seen = {};
    d.edges.forEach((e, i) => {
      const key = `${e.child}-${e.parent}`;
      const twin = (seen[key] = (seen[key] || 0) + 1) - 1;
      const uses = d.edges.filter((f) => f.child === e.child && f.parent === e.parent).length;
      const offset = uses > 1 ? (twin - (uses - 1) / 2) * 16 : 0;
      const a = d.nodes[e.child].box, op = d.nodes[e.parent].opBox;
      const points = [[a.x + a.w / 2, -a.y], ...e.bends.map(([x, y]) => [x, -y]), [op.x - op.w / 2, -op.y]];
      const path = svg("path", { d: curve(points, offset), class: "edge", "marker-end": "url(#arrow)" });
      path.samples = pointsOf(points, offset);
      const hit = svg("path", { d: curve(points, offset), class: "edge-hit", tabindex: "0", role: "button" });
      edgeLayer.append(path, hit);
      const [p, q] = points.slice(-2);
      const label = svg("text", { "text-anchor": "middle", class: "edge-label" });
      labelLayer.append(label);
      const entry = (view.edges[i] = { path, hit, label, edge: e, segment: [p, q], start: points.slice(0, 2), offset });
      hit.setAttribute("aria-label", `edge from ${textOf(e.child)} into ${textOf(e.parent)}: ${formula(e)}`);
      hit.setAttribute("data-testid", `edge-${i}`);
      hit.addEventListener("mouseenter", (event) => showTip(entry, event));
      hit.addEventListener("focus", () => showTip(entry, null));
      for (const gone of ["mouseleave", "blur"]) hit.addEventListener(gone, () => { $("edge-tip").hidden = true; });
    });
    for (const n of d.nodes) {
      if (!n.opBox) continue;
      const op = n.opBox, b = n.box;
      const out = [[op.x + op.w / 2, -op.y], [b.x - b.w / 2, -b.y]];
      const outPath = svg("path", { d: curve(out, 0), class: "edge", "marker-end": "url(#arrow)" });
      outPath.samples = pointsOf(out, 0);
      edgeLayer.append(outPath);
      nodeLayer.append(svg("ellipse", { cx: op.x, cy: -op.y, rx: op.w / 2, ry: op.h / 2,
        fill: MG.meta.palette.opFill, stroke: MG.meta.palette.edge }));
      nodeLayer.append(svg("text", { x: op.x, y: -op.y + 3.5, "text-anchor": "middle", class: "op-text" }, n.op));
    }
    for (const n of d.nodes) {
      const b = n.box;
      const g = svg("g");
      const rect = svg("rect", { x: b.x - b.w / 2, y: -b.y - b.h / 2, width: b.w, height: b.h, rx: 5, class: "box" });
      g.append(rect);
      const fitRows = [["data", `data ${MG.fmt(n.data)}`], ["grad", null]];
      if (n.label) fitRows.unshift(["label", n.label]);
      const top = -b.y - b.h / 2;
      let grad = null, data = null;
      fitRows.forEach(([kind, text], r) => {
        const y = top + ROW_H * r + ROW_H / 2 + 3.5;
        if (r > 0) g.append(svg("line", { x1: b.x - b.w / 2, x2: b.x + b.w / 2, y1: top + ROW_H * r, y2: top + ROW_H * r, stroke: "#00000022" }));
        if (kind === "grad") {
          const t = svg("text", { x: b.x, y, "text-anchor": "middle", class: "field-text" });
          t.append(svg("tspan", {}, "grad "));
          grad = svg("tspan", n.label && n.leaf ? { "data-testid": `grad-${n.label}` } : {});
          t.append(grad);
          g.append(t);
        } else {
          const t = svg("text", { x: b.x, y, "text-anchor": "middle", class: `field-text ${kind === "label" ? "label-text" : ""}` }, text);
          if (kind === "data") data = t;
          g.append(t);
        }
      });
      nodeLayer.append(g);
      const sum = svg("text", { x: b.x, y: -b.y + b.h / 2 + 12, "text-anchor": "middle", class: "sum" });
      labelLayer.append(sum);
      view.nodes[n.id] = { rect, grad, data, sum };
    }
    host.append(root);
    view.cells = sampleEdges(root);
    view.obstacles = [...root.querySelectorAll("rect.box, ellipse")].map((el) => el.getBBox());
  }

  // A derivative label sits on its own edge where it covers no other edge: a few places
  // along the edge are tried (mid-edge first; the longer 'local × upstream = contribution'
  // near the child first) and the first whose box no other edge crosses wins.
  function setLabel(e, text, active) {
    e.label.textContent = text;
    const key = `${active}:${text.length}`;
    const cached = !active && e.placed && e.placed[key]; // active labels dodge this step's sums
    const put = ([x, y, anchor]) => {
      e.label.setAttribute("text-anchor", anchor);
      e.label.setAttribute("x", x);
      e.label.setAttribute("y", y);
    };
    if (cached) return put(cached);
    const samples = e.path.samples;
    const candidates = [];
    if (active) { // from where the edge leaves its child, above it or below it
      const [x, y] = samples[0];
      candidates.push([x + 5, y - 5, "start"], [x + 5, y + 12, "start"]);
    }
    const along = active ? [0.3, 0.45, 0.6, 0.75, 0.15, 0.9] : [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9];
    const points = along.map((t) => samples[Math.round(t * (samples.length - 1))]);
    for (const dy of [-4, 11, -15, 22]) { // just above the edge, below it, then further
      for (const [x, y] of points) candidates.push([x, y + dy, "middle"]);
    }
    // The label's size is measured once; each candidate's box follows from its anchor.
    put([0, 0, "start"]);
    const size = e.label.getBBox();
    const boxAt = ([x, y, anchor]) => ({ x: anchor === "start" ? x : x - size.width / 2, y: y + size.y,
      width: size.width, height: size.height });
    let best = null;
    for (const at of candidates) {
      const hits = crossings(e, boxAt(at));
      if (!best || hits < best.hits) best = { at, hits };
      if (hits === 0) break;
    }
    put(best.at);
    (e.placed = e.placed || {})[key] = best.at;
  }

  // How many sampled points of the other edges fall inside a label's box (a box or an
  // operation's ellipse under it counts as many). The points sit in a grid of cells, so
  // only the cells under the box are looked at.
  function crossings(e, box) {
    let hits = 0;
    for (const r of [...view.obstacles, ...(view.extra || [])]) {
      if (box.x < r.x + r.width && box.x + box.width > r.x && box.y < r.y + r.height && box.y + box.height > r.y) hits += 50;
    }
    const C = CELL;
    for (let i = Math.floor((box.x - 1) / C); i <= Math.floor((box.x + box.width + 1) / C); i++) {
      for (let j = Math.floor((box.y - 1) / C); j <= Math.floor((box.y + box.height + 1) / C); j++) {
        for (const [x, y, path] of view.cells.get(`${i},${j}`) || []) {
          if (path !== e.path && x > box.x - 1 && x < box.x + box.width + 1 && y > box.y - 1 && y < box.y + box.height + 1) hits += 1;
        }
      }
    }
    return hits;
  }

  const CELL = 24; // points: the grid that holds the edges' sampled points

  function sampleEdges(root) {
    const cells = new Map();
    for (const path of root.querySelectorAll("path.edge")) {
      for (const [x, y] of path.samples) {
        const key = `${Math.floor(x / CELL)},${Math.floor(y / CELL)}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push([x, y, path]);
      }
    }
    return cells;
  }

  // A number longer than its box (1.234e-05) is drawn a little narrower instead of spilling out.
  function squeeze(text, content, width) {
    if ((content.length + 1) * 6.1 + 6 > width) {
      text.setAttribute("textLength", width - 8);
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else {
      text.removeAttribute("textLength");
    }
  }

  function curve(points, offset) {
    const segs = segments(points, offset);
    let d = `M${segs[0][0][0]},${segs[0][0][1]}`;
    for (const [, c1, c2, end] of segs) d += ` C${c1[0]},${c1[1]} ${c2[0]},${c2[1]} ${end[0]},${end[1]}`;
    return d;
  }

  // Smooth S-curves through the points, leaving and entering horizontally. Twin edges
  // (a + a) bulge apart by ``offset`` and meet again at the operation. Each segment is
  // [start, control 1, control 2, end] of a cubic Bézier curve.
  function segments(points, offset) {
    const out = [];
    let start = points[0];
    for (let i = 1; i < points.length; i++) {
      const [px, py] = points[i - 1], [qx, qy] = points[i];
      const dx = (qx - px) / 2, last = i === points.length - 1;
      const end = [qx, qy + (last ? 0 : offset)];
      out.push([start, [px + dx, py + offset], [qx - dx, qy + (last ? 0.3 * offset : offset)], end]);
      start = end;
    }
    return out;
  }

  // Points along a curve every ~2 points of length, computed from its Béziers (asking the
  // SVG path for them is far slower on a big graph).
  function pointsOf(points, offset) {
    const out = [];
    for (const [a, b, c, d] of segments(points, offset)) {
      const n = Math.max(4, Math.min(100, Math.round(Math.hypot(d[0] - a[0], d[1] - a[1]) / 2)));
      for (let i = out.length ? 1 : 0; i <= n; i++) {
        const t = i / n, u = 1 - t;
        const w = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
        out.push([w[0] * a[0] + w[1] * b[0] + w[2] * c[0] + w[3] * d[0], w[0] * a[1] + w[1] * b[1] + w[2] * c[1] + w[3] * d[1]]);
      }
    }
    return out;
  }

  // A node's name in the narration: its label, or the piece of the expression it computes.
  function textOf(id, depth = 0) {
    const d = state.data, n = d.nodes[id];
    if (n.label) return n.label;
    if (n.leaf) return MG.short(n.data);
    if (depth > 2) return "…";
    const kids = d.edges.filter((e) => e.parent === id).map((e) => textOf(e.child, depth + 1));
    const wrap = (t) => (/^[\w.…]+$/.test(t) || t.endsWith(")") && !t.includes(" ") ? t : `(${t})`);
    if (kids.length === 2 && ["+", "-"].includes(n.op)) return `${kids[0]} ${n.op} ${kids[1]}`;
    if (kids.length === 2) return `${wrap(kids[0])}${n.op}${wrap(kids[1])}`;
    if (n.op === "neg") return `-${wrap(kids[0])}`;
    if (n.op.startsWith("**")) return `${wrap(kids[0])}${n.op}`;
    return `${n.op.toLowerCase()}(${kids[0]})`;
  }

  function nameOf(id) {
    const n = state.data.nodes[id];
    if (n.label) return n.label;
    if (n.leaf) return `the constant ${MG.short(n.data)}`;
    const text = textOf(id);
    return text.length <= 28 ? `(${text})` : `the '${n.op}' node`;
  }

  function paint() {
    const d = state.data;
    const grads = gradsAt(state.step);
    const scale = gradScale();
    const step = state.step > 0 ? d.steps[state.step - 1] : null;
    for (const n of d.nodes) {
      const v = view.nodes[n.id];
      v.rect.setAttribute("fill", MG.gradColor(grads[n.id], scale));
      v.rect.setAttribute("class", "box");
      v.data.textContent = `data ${MG.fmt(n.data)}`;  // sliders change the numbers, not the graph
      squeeze(v.data, v.data.textContent, n.box.w);
      v.grad.textContent = MG.fmt(grads[n.id]);
      squeeze(v.grad.parentNode, `grad ${v.grad.textContent}`, n.box.w);
      v.sum.textContent = "";
      v.sum.setAttribute("class", "sum");
    }
    view.edges.forEach((e, i) => {
      e.edge = d.edges[i];
      e.hit.setAttribute("aria-label", `edge from ${textOf(e.edge.child)} into ${textOf(e.edge.parent)}: ${formula(e.edge)}`);
    });
    for (const e of view.edges) {
      e.path.setAttribute("class", "edge");
      e.path.setAttribute("marker-end", "url(#arrow)");
      e.label.setAttribute("class", "edge-label");
      setLabel(e, `∂ ${MG.fmt(e.edge.local)}`, false);
    }
    if (!step) return;
    view.nodes[step.node].rect.setAttribute("class", "box current");
    const arrivals = {};
    for (const c of step.contributions) (arrivals[c.child] = arrivals[c.child] || []).push(c);
    for (const e of view.edges) {  // quieten the other labels around the children being updated
      if (e.edge.child in arrivals && e.path.getAttribute("class") === "edge") e.label.setAttribute("class", "edge-label faded");
    }
    for (const [child, list] of Object.entries(arrivals)) {
      const v = view.nodes[child];
      v.rect.setAttribute("class", "box received");
      if (d.bug) {
        v.sum.textContent = `= ${MG.short(list[list.length - 1].after, 4)}` +
          (list[0].before !== 0 || list.length > 1 ? "  (earlier grad lost)" : "");
        if (list[0].before !== 0 || list.length > 1) v.sum.setAttribute("class", "sum lost");
      } else {
        // Every contribution this node has received so far, not only this step's.
        const all = received(Number(child), state.step).map((c) => MG.short(c.contribution, 4));
        if (all.length === 1) all.unshift("0");
        v.sum.textContent = `${all.join(" + ")} = ${MG.short(list[list.length - 1].after, 4)}`;
      }
    }
    // The active labels go last, clear of the running sums just written.
    view.extra = Object.keys(arrivals).map((child) => view.nodes[child].sum.getBBox());
    for (const c of step.contributions) {
      const e = view.edges[c.edge];
      e.path.setAttribute("class", "edge active");
      e.path.setAttribute("marker-end", "url(#arrow-on)");
      e.label.setAttribute("class", "edge-label active");
      setLabel(e, `${MG.short(c.local, 4)} × ${MG.short(c.upstream, 4)} = ${MG.short(c.contribution, 4)}`, true);
      view.extra.push(e.label.getBBox()); // and clear of each other
    }
    view.extra = [];
  }

  // The contributions node ``id`` has received in steps 1..k, in order.
  function received(id, k) {
    const out = [];
    for (let i = 0; i < k; i++) for (const c of state.data.steps[i].contributions) if (c.child === id) out.push(c);
    return out;
  }

  // Keep the node passing its grad on in view while stepping (the graph scrolls, not the page).
  function follow() {
    const d = state.data;
    if (!view || state.step === 0) return;
    const rect = view.nodes[d.steps[state.step - 1].node].rect;
    const host = $("graph");
    const r = rect.getBoundingClientRect(), h = host.getBoundingClientRect();
    if (!r.width) return;
    const margin = 40;
    if (r.left < h.left + margin || r.right > h.right - margin) {
      host.scrollLeft += r.left + r.width / 2 - (h.left + h.width / 2);
    }
    if (r.top < h.top + margin || r.bottom > h.bottom - margin) {
      host.scrollTop += r.top + r.height / 2 - (h.top + h.height / 2);
    }
  }

  // An edge's local derivative as a formula with the numbers plugged in: ∂(a·b)/∂a = b = -3.
  // The server may send it (edge.formula); otherwise it is written here from the operation.
  function formula(e) {
    if (typeof e.formula === "string") return e.formula;
    const d = state.data, parent = d.nodes[e.parent];
    const kids = d.edges.filter((f) => f.parent === e.parent);
    const me = textOf(e.child), whole = textOf(e.parent);
    const local = MG.short(e.local, 4);
    if (parent.op === "+") return `∂(${whole})/∂${me} = 1`;
    if (parent.op === "*" && kids.length === 2) {
      const other = kids.find((f) => f !== e) || kids[0];
      if (other.child === e.child) return `∂(${whole.replace("*", "·")})/∂${me} = 2·${me} = ${local}`;
      return `∂(${whole.replace("*", "·")})/∂${me} = ${textOf(other.child)} = ${local}`;
    }
    if (parent.op === "tanh") return `∂tanh(${me})/∂${me} = 1 − tanh²(${me}) = ${local}`;
    if (parent.op === "exp") return `∂exp(${me})/∂${me} = exp(${me}) = ${local}`;
    if (parent.op === "relu" || parent.op === "ReLU") return `∂relu(${me})/∂${me} = (${me} > 0 ? 1 : 0) = ${local}`;
    return `∂(${whole})/∂${me} = ${local}`;
  }

  function showTip(e, event) {
    const tip = $("edge-tip");
    tip.textContent = formula(e.edge);
    tip.hidden = false;
    const wrap = $("graph").getBoundingClientRect();
    const at = event && event.clientX ? [event.clientX, event.clientY] : (() => {
      const r = e.path.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    })();
    tip.style.left = `${Math.max(4, Math.min(at[0] - wrap.left + 12, wrap.width - 260))}px`;
    tip.style.top = `${Math.max(4, at[1] - wrap.top + 14)}px`;
  }

  function narrate() {
    const d = state.data;
    const box = $("narration");
    box.textContent = "";
    const line = (html, cls = "") => box.append(MG.el("span", { class: `eq ${cls}` }, html));
    if (state.step === 0) {
      box.append(MG.el("p", { text: "Step 0, the seed: df/df = 1 at the output; every other grad starts at 0." }));
      box.append(MG.el("p", { class: "muted", text: "Press Step (or →) to let the output pass its gradient to its children." }));
      return;
    }
    const step = d.steps[state.step - 1];
    const head = MG.el("p");
    head.append(`Step ${state.step}: ${nameOf(step.node)} has grad ${MG.short(step.grad, 5)} and passes `,
      MG.el("code", { text: "local × upstream" }), " to each child:");
    box.append(head);
    for (const c of step.contributions) {
      const op = d.bug ? "=" : "+=";
      const lost = d.bug && c.before !== 0;
      line(`${nameOf(c.child)}.grad ${op} ${MG.short(c.local, 5)} × ${MG.short(c.upstream, 5)}` +
        (d.bug ? `  →  ${MG.short(c.after, 5)}` : `  →  ${MG.short(c.before, 5)} + ${MG.short(c.contribution, 5)} = ${MG.short(c.after, 5)}`) +
        (lost ? `   (the ${MG.short(c.before, 5)} already there is lost)` : ""), lost ? "lost" : "");
    }
    if (state.step === d.steps.length) {
      box.append(MG.el("p", { class: "muted", text: d.bug
        ? "Done, with = instead of +=: compare the leaves with the finite differences."
        : "Done: these are exactly the gradients backward() leaves in .grad." }));
    }
  }

  // The step after which a node has received every contribution it will get (0: none to get).
  function lastArrival(id) {
    let last = 0;
    state.data.steps.forEach((s, i) => {
      if (s.contributions.some((c) => c.child === id)) last = i + 1;
    });
    return last;
  }

  // A kink (relu or abs at 0, ...) has a different slope on each side: the central difference
  // averages them, the engine takes one. The server may say so itself (check[i].kink).
  function kinkNote(c) {
    if (c.kink && typeof c.kink === "object") return c.kink.valid === false ? null : c.kink.message;
    if (c.kink === null) return null; // the server looked: no kink here
    if (/\b(relu|abs)\s*\(/.test(state.data.expr)) { // an older server does not say
      return `${c.name} sits at a kink of f (like relu or abs at 0): the slope differs on each side, ` +
        "so the central difference averages the two while backward() uses one side's slope. Both are right; move the value off the kink to see them agree.";
    }
    return null;
  }

  // The check table follows the stepper: "–" until a leaf has received all its contributions,
  // then its stepped grad, the finite difference and ✓ or ✗.
  function renderCheck() {
    const d = state.data;
    const body = document.querySelector("#check tbody");
    body.textContent = "";
    const grads = gradsAt(state.step);
    for (const c of d.check) {
      const id = Number.isInteger(c.node) ? c.node
        : d.nodes.findIndex((n) => n.leaf && n.label === c.name);
      const needs = Number.isInteger(c.completeAfter) ? c.completeAfter : lastArrival(id);
      const ready = state.step >= needs;
      const stepped = grads[id];
      const differs = !(Math.abs(stepped - c.numeric) <= 1e-4 * (1 + Math.abs(c.numeric)));
      const kink = differs ? kinkNote(c) : null;
      const verdict = !ready ? ["", "–"] : !differs ? ["good", "✓"] : kink ? ["kink", "≈ kink"] : ["bad", "✗ wrong"];
      const row = MG.el("tr", {},
        MG.el("td", { text: c.name }),
        MG.el("td", { class: ready && differs && !kink ? "bad" : "", "data-testid": `check-${c.name}`,
          text: ready ? MG.fmt(stepped) : "–" }),
        MG.el("td", { "data-testid": `numeric-${c.name}`, text: ready ? MG.fmt(c.numeric) : "–" }),
        MG.el("td", { class: verdict[0], "data-testid": `verdict-${c.name}`, text: verdict[1] }));
      if (!ready) row.title = `${c.name} has all its contributions after step ${needs}`;
      body.append(row);
      if (ready && kink) {
        body.append(MG.el("tr", { class: "note" }, MG.el("td", { colspan: "4", text: kink })));
      }
    }
  }

  // ---------------------------------------------------------------- sliders and nudge
  function buildSliders(same) {
    const host = $("sliders");
    const values = state.data.values;
    if (same && host.children.length === Object.keys(values).length) {
      for (const row of host.children) {
        const name = row.dataset.name;
        if (document.activeElement !== row.querySelector("input")) row.querySelector("input").value = values[name];
        row.querySelector("output").textContent = MG.short(values[name], 4);
      }
      return;
    }
    host.textContent = "";
    for (const [name, value] of Object.entries(values)) {
      const span = Math.max(5, Math.ceil(Math.abs(value) * 2));
      const input = MG.el("input", { type: "range", min: -span, max: span, step: "0.01", value: String(value),
        "aria-label": `value of ${name}`, "data-testid": `slider-${name}` });
      const out = MG.el("output", { text: MG.short(value, 4) });
      input.addEventListener("input", () => {
        const current = { ...state.data.values, [name]: Number(input.value) };
        $("expr-values").value = valuesText(current);
        out.textContent = MG.short(Number(input.value), 4);
        load();
      });
      host.append(MG.el("div", { class: "slider", "data-name": name }, MG.el("b", { text: name }), input, out));
    }
  }

  function buildNudge() {
    const select = $("nudge-leaf");
    const names = Object.keys(state.data.values);
    if ([...select.options].map((o) => o.value).join() === names.join()) return;
    select.textContent = "";
    for (const name of names) select.append(MG.el("option", { value: name, text: name }));
    $("nudge-out").textContent = "";
  }

  async function nudge() {
    const leaf = $("nudge-leaf").value;
    const h = Number($("nudge-h").value);
    const out = $("nudge-out");
    try {
      const d = await MG.api("/api/expr", request({ nudge: { leaf, h } }));
      const n = d.nudge;
      const grad = d.check.find((c) => c.name === leaf);
      out.textContent = "";
      const line = (text, cls = "") => out.append(MG.el("div", { class: cls, text }));
      line(`${leaf}: ${MG.short(d.values[leaf], 6)} → ${MG.short(d.values[leaf] + h, 6)}`);
      line(`f:  ${MG.fmt(n.before)} → ${MG.fmt(n.after)}`);
      line(`f moved by   ${MG.fmt(n.change)}`);
      line(`grad × h   = ${MG.short(grad.engine, 5)} × ${MG.short(h)} = ${MG.fmt(n.predicted)}`, "ok");
      if (d.bug && Math.abs(grad.stepped - grad.engine) > 1e-9) {
        line(`with the = bug: ${MG.short(grad.stepped, 5)} × ${MG.short(h)} = ${MG.fmt(grad.stepped * h)} ✗`, "lost");
      }
    } catch (err) {
      out.textContent = friendly(err);
    }
  }

  // ---------------------------------------------------------------- wiring
  function init() {
    $("expr-functions").textContent = MG.meta.functions.join(" ");
    const p = MG.params;
    if (p.has("e")) $("expr-input").value = p.get("e");
    if (p.has("v")) $("expr-values").value = p.get("v");
    $("bug-toggle").checked = p.get("bug") === "1";
    state.restore = Number(p.get("step")) || 0;
    for (const id of ["expr-input", "expr-values"]) {
      $(id).addEventListener("input", () => {
        stale(); // f and the nudge were for the inputs as they were
        const long = tooLong();
        if (long) showError(long);
        else if ($("expr-error").textContent.includes("characters; the lab takes")) showError(null);
      });
    }
    $("expr-form").addEventListener("submit", (event) => {
      event.preventDefault();
      load({ keepStep: false });
    });
    $("bug-toggle").addEventListener("change", () => load());
    $("step-next").addEventListener("click", () => setStep(state.step + 1));
    $("step-prev").addEventListener("click", () => setStep(state.step - 1));
    $("step-end").addEventListener("click", () => setStep(Infinity));
    $("step-reset").addEventListener("click", () => { stopPlay(); setStep(0); });
    $("step-play").addEventListener("click", togglePlay);
    $("nudge-go").addEventListener("click", nudge);
    const zoom = (factor) => {
      state.zoom = factor === null ? "fit" : (state.scale || 1) * factor;
      if (state.data) { draw(); paint(); }
    };
    $("zoom-in").addEventListener("click", () => zoom(1.25));
    $("zoom-out").addEventListener("click", () => zoom(0.8));
    $("zoom-fit").addEventListener("click", () => zoom(null));
    let resizing = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => { if (state.data && !$("lab-expr").hidden) { draw(); paint(); } }, 150);
    });
    document.addEventListener("keydown", (event) => {
      if ($("lab-expr").hidden || !state.data) return;
      const focus = document.activeElement.tagName;
      if (["INPUT", "SELECT", "TEXTAREA"].includes(focus)) return;
      if (focus === "BUTTON" && (event.key === " " || event.key === "Enter")) return; // the button's own click
      const keys = { ArrowRight: 1, ArrowLeft: -1 };
      if (event.key in keys) setStep(state.step + keys[event.key]);
      else if (event.key === "Home") setStep(0);
      else if (event.key === "End") setStep(Infinity);
      else if (event.key === " ") togglePlay();
      else return;
      event.preventDefault();
    });
    load();
  }

  function shown() {
    if (state.data) { draw(); paint(); } // it may have been drawn while hidden, at no size
  }

  return { init, shown, state, setStep, view: () => view };
})();
