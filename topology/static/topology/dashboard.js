// The operator dashboard: keeps the graph from INIT/UPDATE messages, drives SIMULATE_LOAD, charts Analytics.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("topology-config").textContent);
  const SVG_NS = "http://www.w3.org/2000/svg";
  const HISTORY = 60; // updates of rps kept per node for the sparklines
  const NODE_W = 232;
  const NODE_H = 96;
  const INFRA_W = 210;
  const INFRA_H = 56;

  const state = {
    nodes: new Map(),
    connections: new Map(),
    history: new Map(),
    simulation: null,
    socket: null,
    retryMs: 500,
  };

  // --- helpers ------------------------------------------------------------------------------------

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, cls, anchor) {
    const node = el("text", { x, y, class: cls || "", "text-anchor": anchor || "start" }, parent);
    node.textContent = content;
    return node;
  }

  // Cuts an SVG text to `maxWidth` (measured, not guessed), with the whole text as its hover title.
  function fitText(node, maxWidth) {
    const full = node.textContent;
    if (node.getComputedTextLength() <= maxWidth) return node;
    let cut = full.length;
    while (cut > 1 && node.getComputedTextLength() > maxWidth) {
      cut -= 1;
      node.textContent = `${full.slice(0, cut)}…`;
    }
    el("title", {}, node).textContent = full;
    return node;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString();
    return Number(value).toFixed(digits === undefined ? 1 : digits);
  }

  function pct(rate) {
    return fmt((rate || 0) * 100, rate && rate < 0.1 ? 1 : 0) + "%";
  }

  const isService = (node) => !["database", "channel_layer", "cdn"].includes(node.kind);

  // --- layout -------------------------------------------------------------------------------------

  // Services sit on an ellipse; infrastructure on a row below, so data edges fall downwards.
  function layout() {
    const services = [...state.nodes.values()].filter(isService);
    const infra = [...state.nodes.values()].filter((n) => !isService(n));
    const positions = new Map();
    const cx = 500, cy = 235, rx = 370, ry = 165;
    services.forEach((node, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, services.length);
      positions.set(node.id, { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle), w: NODE_W, h: NODE_H });
    });
    const gap = 1000 / (infra.length + 1);
    const width = Math.min(INFRA_W, gap - 14);
    infra.forEach((node, i) => {
      positions.set(node.id, { x: gap * (i + 1), y: 555, w: width, h: INFRA_H });
    });
    return positions;
  }

  // --- graph drawing ------------------------------------------------------------------------------

  function edgePath(a, b, bend) {
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
    const dx = b.x - a.x, dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const qx = mx - (dy / len) * bend, qy = my + (dx / len) * bend;
    return { d: `M ${a.x} ${a.y} Q ${qx} ${qy} ${b.x} ${b.y}`, lx: (mx + qx) / 2, ly: (my + qy) / 2 };
  }

  function renderGraph() {
    const svg = document.getElementById("graph");
    svg.replaceChildren();
    const defs = el("defs", {}, svg);
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
      markerHeight: "7", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#4b5b82" }, marker);

    const positions = layout();
    const edges = el("g", { class: "edges" }, svg);
    const labels = el("g", { class: "edge-labels" }, svg);
    for (const conn of state.connections.values()) {
      const a = positions.get(conn.source), b = positions.get(conn.target);
      if (!a || !b) continue;
      if (conn.kind !== "call") {
        el("path", { d: `M ${a.x} ${a.y + a.h / 2} L ${b.x} ${b.y - b.h / 2}`, class: `edge ${conn.kind}` }, edges);
        continue;
      }
      const m = conn.metrics || {};
      const active = m.calls_per_s > 0 || m.calls > 0;
      const width = 1.5 + Math.min(8, Math.log2(1 + (m.calls_per_s || 0)) * 2.2);
      const { d, lx, ly } = edgePath(a, b, 38);
      const cls = ["edge", "call", active ? "active" : "", m.error_rate > 0.05 ? "failing" : ""].join(" ");
      el("path", { d, class: cls, "stroke-width": width, "data-connection-id": conn.id }, edges);
      if (active) text(labels, lx, ly, `${fmt(m.calls_per_s, 1)}/s · ${fmt(m.p95_ms, 1)} ms`, "edge-label", "middle");
    }

    const nodes = el("g", { class: "nodes" }, svg);
    for (const node of state.nodes.values()) {
      const p = positions.get(node.id);
      if (!p) continue;
      const simulated = state.simulation && state.simulation.targets.includes(node.id);
      const g = el("g", {
        class: `node ${isService(node) ? "service" : "infra"} status-${node.status} ${simulated ? "simulated" : ""}`,
        transform: `translate(${p.x - p.w / 2} ${p.y - p.h / 2})`,
        "data-node-id": node.id,
        "data-requests": node.metrics ? node.metrics.requests : "",
      }, nodes);
      el("rect", { class: "card", width: p.w, height: p.h, rx: 12 }, g);
      el("rect", { class: "stripe", width: 5, height: p.h - 20, x: 0, y: 10, rx: 2 }, g);
      if (isService(node)) drawServiceNode(g, node, p);
      else drawInfraNode(g, node, p);
    }
  }

  function drawServiceNode(g, node, p) {
    const m = node.metrics;
    const inner = p.w - 16 - 10; // the card less its padding
    fitText(text(g, 16, 22, node.label, "title"), inner);
    const big = text(g, 16, 54, fmt(m.rps, m.rps >= 100 ? 0 : 1), "big");
    big.setAttribute("data-field", "rps");
    fitText(big, inner - 84 - 40);
    text(g, 16 + big.getComputedTextLength() + 6, 54, "req/s", "unit");
    fitText(text(g, 16, 74, `p50 ${fmt(m.p50_ms)} · p95 ${fmt(m.p95_ms)} ms`, "small"), inner);
    const errors = text(g, 16, 89, `4xx ${pct(m.error_rate_4xx)} · 5xx ${pct(m.error_rate_5xx)}`,
      m.error_rate_5xx > 0.05 ? "small bad" : "small");
    errors.setAttribute("data-field", "errors");
    fitText(errors, inner);
    // Sparkline of the recent rate.
    const values = state.history.get(node.id) || [];
    if (values.length > 1) {
      const max = Math.max(0.5, ...values);
      const x0 = p.w - 84, w = 72, y0 = 58, h = 24;
      const pts = values.map((v, i) => `${x0 + (w * i) / (HISTORY - 1)} ${y0 - (h * v) / max}`);
      const startX = x0 + (w * 0) / (HISTORY - 1);
      const endX = x0 + (w * (values.length - 1)) / (HISTORY - 1);
      el("path", { class: "spark-area", d: `M ${startX} ${y0} L ${pts.join(" L ")} L ${endX} ${y0} Z` }, g);
      el("path", { class: "spark", d: `M ${pts.join(" L ")}` }, g);
    }
  }

  function drawInfraNode(g, node, p) {
    const kind = { database: "database", channel_layer: "channel layer", cdn: "CDN" }[node.kind] || node.kind;
    // Long names are cut to the card, which narrows when there are many infrastructure nodes.
    fitText(text(g, 14, 22, node.label, "title"), p.w - 14 - 10);
    let detail = kind;
    if (node.kind === "database") detail = `database · ${node.vendor}`;
    if (node.kind === "channel_layer") detail = `channel layer · ${node.transport}`;
    if (node.kind === "cdn") {
      detail = `CDN · ${node.state}`;
      if (node.active_sessions !== undefined) detail += ` · ${node.active_sessions} live`;
    }
    fitText(text(g, 14, 42, detail, "kind"), p.w - 14 - 10);
  }

  // --- figures table and KPIs ---------------------------------------------------------------------

  function renderFigures() {
    const services = [...state.nodes.values()].filter(isService);
    const body = document.querySelector("#figures tbody");
    body.replaceChildren();
    let rps = 0, requests = 0, e4 = 0, e5 = 0, worst = 0;
    for (const node of services) {
      const m = node.metrics;
      rps += m.rps;
      requests += m.requests;
      e4 += m.error_rate_4xx * m.requests;
      e5 += m.error_rate_5xx * m.requests;
      worst = Math.max(worst, m.p95_ms);
      const row = document.createElement("tr");
      row.dataset.nodeId = node.id;
      const cells = [
        `<span class="status-dot ${node.status}"></span>${node.id}`,
        fmt(m.rps), fmt(m.p50_ms), fmt(m.p95_ms), pct(m.error_rate_4xx), pct(m.error_rate_5xx),
      ];
      cells.forEach((html, i) => {
        const td = document.createElement("td");
        td.innerHTML = html;
        if (i === 5 && m.error_rate_5xx > 0.05) td.className = "bad";
        row.appendChild(td);
      });
      body.appendChild(row);
    }
    document.getElementById("kpi-rps").textContent = fmt(rps);
    document.getElementById("kpi-p95").textContent = fmt(worst);
    document.getElementById("kpi-5xx").textContent = pct(requests ? e5 / requests : 0);
    document.getElementById("kpi-4xx").textContent = pct(requests ? e4 / requests : 0);
  }

  function render() {
    renderGraph();
    renderFigures();
    renderSimulation();
  }

  // --- protocol -----------------------------------------------------------------------------------

  function remember(nodes) {
    for (const node of nodes) {
      if (!node.metrics) continue;
      const values = state.history.get(node.id) || [];
      values.push(node.metrics.rps);
      while (values.length > HISTORY) values.shift();
      state.history.set(node.id, values);
    }
  }

  function applyInit(message) {
    state.nodes = new Map(message.nodes.map((n) => [n.id, n]));
    state.connections = new Map(message.connections.map((c) => [c.id, c]));
    state.simulation = message.simulation;
    remember(message.nodes);
    render();
  }

  function applyUpdate(message) {
    if (message.full) {
      state.nodes = new Map();
      state.connections = new Map();
    }
    for (const node of message.nodes) state.nodes.set(node.id, node);
    for (const conn of message.connections) state.connections.set(conn.id, conn);
    for (const id of message.removed.nodes || []) state.nodes.delete(id);
    for (const id of message.removed.connections || []) state.connections.delete(id);
    state.simulation = message.simulation;
    // Every node gets a history point each update, changed or not, so sparklines advance together.
    remember([...state.nodes.values()]);
    render();
    document.body.dataset.lastUpdate = String(message.seq);
  }

  function setStatus(textContent, isError) {
    const status = document.getElementById("sim-status");
    status.textContent = textContent;
    status.classList.toggle("error", Boolean(isError));
  }

  function renderSimulation() {
    const sim = state.simulation;
    const bar = document.getElementById("sim-progress");
    if (!sim) {
      bar.style.width = "0";
      return;
    }
    const now = Date.now() / 1000;
    const done = Math.min(1, Math.max(0, (now - sim.started_at) / sim.duration_s));
    bar.style.width = `${done * 100}%`;
    const left = Math.max(0, Math.round(sim.ends_at - now));
    const target = sim.target || "all services";
    setStatus(`Running on ${target}: ×${sim.factor}, ${fmt(sim.rate_rps, 0)} req/s, ${sim.requests} sent, ${left} s left.`);
  }

  function onMessage(event) {
    const message = JSON.parse(event.data);
    switch (message.type) {
      case "INIT":
        applyInit(message);
        break;
      case "UPDATE":
        applyUpdate(message);
        break;
      case "SIMULATE_LOAD_STARTED":
        state.simulation = message.simulation;
        renderSimulation();
        render();
        break;
      case "SIMULATE_LOAD_ENDED":
        if (message.reason !== "replaced") state.simulation = null;
        setStatus(`Simulation ${message.reason}: ${message.requests} requests, ${message.errors} errors.`);
        document.getElementById("sim-progress").style.width = "0";
        render();
        break;
      case "ERROR":
        setStatus(message.detail, true);
        break;
      default:
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${config.wsPath}`);
    state.socket = socket;
    const dot = document.getElementById("conn-dot");
    const label = document.getElementById("conn-text");
    socket.addEventListener("open", () => {
      dot.classList.add("live");
      label.textContent = "live";
      state.retryMs = 500;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", () => {
      dot.classList.remove("live");
      label.textContent = "reconnecting…";
      setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(10000, state.retryMs * 2);
    });
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
    else setStatus("Not connected.", true);
  }

  // --- simulate-load control ----------------------------------------------------------------------

  const factor = document.getElementById("sim-factor");
  factor.addEventListener("input", () => { document.getElementById("sim-factor-out").textContent = factor.value; });
  document.getElementById("sim-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const target = document.getElementById("sim-target").value;
    const message = {
      type: "SIMULATE_LOAD",
      factor: Number(factor.value),
      duration_s: Number(document.getElementById("sim-duration").value),
    };
    if (target) message.target = target;
    setStatus("Starting…");
    send(message);
  });
  document.getElementById("sim-stop").addEventListener("click", () => send({ type: "STOP_SIMULATION" }));

  // --- Analytics charts ---------------------------------------------------------------------------

  function empty(container, message) {
    const div = document.createElement("div");
    div.className = "empty";
    div.textContent = message;
    container.replaceChildren(div);
  }

  const day = (start) => String(start).slice(5, 10);

  // One small chart per series, each with its own y-axis, sharing the x-axis; values on hover. The
  // bucket still under way (`partial`, today) is left out: its figures are a part of a day's.
  function lineChart(container, allPoints, series) {
    const points = allPoints.filter((p) => !p.partial);
    const W = 360, H = 62, L = 40, R = 8, T = 8, B = 4, AXIS = 16;
    const x = (i) => L + ((W - L - R) * i) / Math.max(1, points.length - 1);
    const panels = series.map((s, n) => {
      const last = n === series.length - 1;
      const height = H + (last ? AXIS : 0);
      const svg = el("svg", { viewBox: `0 0 ${W} ${height}`, preserveAspectRatio: "none", class: "mini" });
      svg.style.height = `${height}px`;
      svg.dataset.series = s.key;
      const values = points.map((p) => Number(p[s.key]) || 0);
      const max = Math.max(1e-9, ...values);
      const y = (v) => H - B - ((H - B - T) * v) / max;
      el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }, svg);
      el("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis", stroke: s.color }, svg);
      text(svg, L - 4, T + 8, fmt(max, max < 10 ? 1 : 0), "tick", "end").setAttribute("fill", s.color);
      text(svg, L - 4, H - B, "0", "tick", "end");
      if (last && points.length) {
        text(svg, L, height - 3, day(points[0].start), "tick");
        text(svg, W - R, height - 3, day(points[points.length - 1].start), "tick", "end");
      }
      const d = values.map((v, i) => `${i ? "L" : "M"} ${x(i)} ${y(v)}`).join(" ");
      el("path", { d, class: "series", stroke: s.color }, svg);
      const guide = el("line", { x1: 0, x2: 0, y1: T, y2: H - B, class: "guide" }, svg);
      const dot = el("circle", { r: 3, class: "hover-dot", fill: s.color }, svg);
      return { svg, guide, dot, y, values };
    });
    const keys = document.createElement("div");
    keys.className = "keys";
    for (const s of series) {
      const key = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = s.color;
      key.append(swatch, s.name);
      keys.appendChild(key);
    }
    if (allPoints.length > points.length) {
      const note = document.createElement("span");
      note.className = "partial-note";
      note.textContent = "today so far not charted (partial day)";
      note.title = "The last day is still under way; its figures are only part of a day's.";
      keys.appendChild(note);
    }
    const tip = document.createElement("div");
    tip.className = "tooltip";
    tip.hidden = true;
    const stack = document.createElement("div");
    stack.className = "stack";
    stack.append(...panels.map((panel) => panel.svg));
    container.replaceChildren(stack, keys, tip);

    function show(event) {
      if (!points.length) return;
      const box = stack.getBoundingClientRect();
      const vx = ((event.clientX - box.left) / box.width) * W;
      const i = Math.max(0, Math.min(points.length - 1, Math.round(((vx - L) / (W - L - R)) * (points.length - 1))));
      const lines = [day(points[i].start)];
      series.forEach((s, n) => {
        const panel = panels[n];
        panel.guide.setAttribute("x1", x(i));
        panel.guide.setAttribute("x2", x(i));
        panel.dot.setAttribute("cx", x(i));
        panel.dot.setAttribute("cy", panel.y(panel.values[i]));
        panel.svg.classList.add("hovering");
        lines.push(`${s.name}: ${fmt(panel.values[i], panel.values[i] < 10 ? 2 : 0)}`);
      });
      tip.replaceChildren(...lines.map((line) => Object.assign(document.createElement("div"), { textContent: line })));
      tip.hidden = false;
      const left = event.clientX - container.getBoundingClientRect().left;
      tip.style.left = `${Math.min(left + 12, container.clientWidth - tip.offsetWidth)}px`;
    }
    function hide() {
      tip.hidden = true;
      for (const panel of panels) panel.svg.classList.remove("hovering");
    }
    stack.addEventListener("mousemove", show);
    stack.addEventListener("mouseleave", hide);
  }

  function barChart(container, rows, valueLabel) {
    const W = 360, rowH = 20, H = Math.max(60, rows.length * rowH + 6), labelW = 130;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}` });
    svg.style.height = `${Math.min(150, H)}px`;
    container.replaceChildren(svg); // attached first: labels are measured to fit their column
    const max = Math.max(1e-9, ...rows.map((r) => r.value));
    rows.forEach((row, i) => {
      const y = 4 + i * rowH;
      fitText(text(svg, 0, y + 14, row.label, "bar-label"), labelW - 6);
      const bar = el("rect", { x: labelW, y: y + 3, height: 14, rx: 3,
        width: Math.max(2, ((W - labelW - 70) * row.value) / max), class: "bar" }, svg);
      el("title", {}, bar).textContent = `${row.label}: ${valueLabel(row.value)}`;
      text(svg, W, y + 14, valueLabel(row.value), "bar-value", "end");
    });
  }

  async function fetchReport(name) {
    const url = config.reports[name];
    if (!url) return null;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    return response.json();
  }

  const CHARTS = {
    engagement(container, report) {
      const series = report && report.series;
      if (!series || !series.some((p) => p.views || p.active_users)) return empty(container, "No viewing activity yet.");
      lineChart(container, series, [
        { key: "views", name: "views", color: "#38bdf8" },
        { key: "active_users", name: "active users", color: "#a78bfa" },
      ]);
    },
    streaming(container, report) {
      const series = report && report.series;
      if (!series || !series.some((p) => p.views)) return empty(container, "No playback quality data yet.");
      lineChart(container, series, [
        { key: "rebuffer_pct", name: "rebuffer %", color: "#fbbf24" },
        { key: "failure_pct", name: "failures %", color: "#f87171" },
        { key: "ebvs_pct", name: "exits before start %", color: "#34d399" },
      ]);
    },
    content(container, report) {
      const rows = ((report && report.results) || []).slice(0, 7).map((r) => ({ label: r.title, value: r.views || 0 }));
      if (!rows.length) return empty(container, "No titles watched yet.");
      barChart(container, rows, (v) => `${fmt(v, 0)} views`);
    },
    regions(container, report) {
      const rows = ((report && report.results) || [])
        .map((r) => ({ label: r.region, value: r.watch_time_s || 0 }))
        .sort((a, b) => b.value - a.value)
        .slice(0, 7);
      if (!rows.length) return empty(container, "No regional data yet.");
      barChart(container, rows, (v) => `${fmt(v / 3600, 1)} h`);
    },
  };

  async function refreshCharts() {
    for (const [name, draw] of Object.entries(CHARTS)) {
      const container = document.querySelector(`#chart-${name} .chart-body`);
      try {
        const report = await fetchReport(name);
        if (report === null) empty(container, config.reports[name] ? "Report unavailable." : "Analytics is not installed.");
        else draw(container, report);
      } catch (error) {
        empty(container, "Report unavailable.");
      }
    }
    document.getElementById("charts-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  // --- start --------------------------------------------------------------------------------------

  setInterval(() => {
    document.getElementById("clock").textContent = new Date().toISOString().slice(11, 19) + " UTC";
    renderSimulation();
  }, 1000);
  connect();
  refreshCharts();
  setInterval(refreshCharts, 60000);
})();
