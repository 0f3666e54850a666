// The rgm status page: renders the status document rgmd sends (/api/status, then every
// change as a server-sent "status" event on /api/events). Read-only; no external files.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// Resource_state's public names (the view carries the engine's finer states).
const PUBLIC = {
  offline: "OFFLINE", prenet_starting: "STARTING", prenet_started: "STARTING",
  starting: "STARTING", online_unmonitored: "ONLINE_NOT_MONITORED",
  monitor_starting: "ONLINE_NOT_MONITORED", online: "ONLINE", monitor_stopping: "ONLINE",
  monitor_failed: "MONITOR_FAILED", start_failed: "START_FAILED", stopping: "STOPPING",
  stopped: "STOPPING", postnet_stopping: "STOPPING", stop_failed: "STOP_FAILED",
};

function stateCell(state, attrs) {
  return el("td", Object.assign({ class: "state " + state }, attrs || {}), state);
}

function renderNodes(view) {
  const body = $("nodes").querySelector("tbody");
  body.replaceChildren();
  for (const n of view.nodes) {
    const role = view.president === n.name ? "president" : "";
    body.append(el("tr", { "data-node": n.name },
      el("td", {}, n.name),
      el("td", {}, n.up ? "up" : "down"),
      el("td", {}, n.up ? (n.healthy ? "healthy" : "unhealthy") : "-"),
      el("td", {}, role)));
  }
}

function renderGroups(view) {
  const box = $("groups");
  box.replaceChildren();
  for (const [name, g] of Object.entries(view.groups)) {
    const div = el("div", { class: "group", id: "group-" + name });
    div.append(el("h3", {}, name + (g.wanted ? "" : " (not wanted online)")));
    const states = el("table", {}, el("tr", {}, el("th", {}, "Node"), el("th", {}, "State"), el("th", {}, "Primary")));
    for (const [node, s] of Object.entries(g.states)) {
      states.append(el("tr", {},
        el("td", {}, node),
        stateCell(s.toUpperCase(), { "data-group": name, "data-node": node }),
        el("td", {}, g.primaries.includes(node) ? "yes" : "")));
    }
    div.append(states);
    const members = (view.config.groups[name] || {}).resources || [];
    if (members.length) {
      const t = el("table", {}, el("tr", {},
        el("th", {}, "Resource"), el("th", {}, "Node"), el("th", {}, "State"),
        el("th", {}, "Status"), el("th", {}, "Message"), el("th", {}, "Restarts")));
      for (const r of members) {
        const rv = view.resources[r];
        if (!rv) continue;
        for (const [node, x] of Object.entries(rv.nodes)) {
          t.append(el("tr", {},
            el("td", {}, r), el("td", {}, node),
            stateCell(PUBLIC[x.state] || x.state.toUpperCase(), { "data-resource": r, "data-node": node }),
            el("td", { class: x.status.toUpperCase() }, x.status.toUpperCase()),
            el("td", {}, x.status_msg),
            el("td", {}, x.restarts)));
        }
      }
      div.append(t);
    }
    box.append(div);
  }
}

function renderWhy(why) {
  const box = $("why");
  box.replaceChildren();
  if (!why || why.length === 0) {
    box.append(el("p", { id: "why-none" }, "Every resource group is where it should be."));
    return;
  }
  for (const g of why) {
    const ul = el("ul", {});
    for (const n of g.nodes) {
      for (const r of n.reasons) {
        ul.append(el("li", { "data-kind": r.kind }, n.state.toUpperCase() + " on " + n.node + ": " + r.text));
      }
    }
    box.append(el("div", { "data-why": g.group }, el("strong", {}, g.group), ul));
  }
}

// Resources placed in columns by dependency depth (what they depend on to the left), groups
// this one depends on or has affinities for on the far right.
function renderGraph(doc) {
  const select = $("graph-group");
  const names = Object.keys(doc.graphs || {});
  const chosen = select.value || names[0] || "";
  select.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  select.value = chosen;
  const box = $("graph");
  box.replaceChildren();
  const g = (doc.graphs || {})[chosen];
  if (!g) return;
  const nodes = new Set(g.resources);
  for (const e of g.edges) { nodes.add(e.from); nodes.add(e.to); }
  const depth = {};
  const depOf = (n, seen) => {
    if (depth[n] !== undefined) return depth[n];
    if (seen.has(n)) return 0;
    seen.add(n);
    let d = 0;
    for (const e of g.edges) if (e.from === n) d = Math.max(d, depOf(e.to, seen) + 1);
    depth[n] = d;
    return d;
  };
  for (const n of nodes) depOf(n, new Set());
  const cols = {};
  for (const n of nodes) (cols[depth[n]] = cols[depth[n]] || []).push(n);
  const pos = {};
  const W = 170, H = 50;
  let maxRows = 1;
  for (const [d, list] of Object.entries(cols)) {
    list.sort();
    list.forEach((n, i) => { pos[n] = [20 + Number(d) * W, 30 + i * H]; });
    maxRows = Math.max(maxRows, list.length);
  }
  const ncols = Object.keys(cols).length;
  const gx = 20 + ncols * W;
  maxRows = Math.max(maxRows, g.groups.length + 1);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", gx + 220);
  svg.setAttribute("height", 40 + maxRows * H);
  svg.setAttribute("id", "graph-svg");
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const defs = document.createElementNS(svgNS, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker>';
  svg.append(defs);
  for (const e of g.edges) {
    const [x1, y1] = pos[e.from], [x2, y2] = pos[e.to];
    add("line", { x1: x1, y1: y1, x2: x2 + 120, y2: y2, stroke: "#555", "marker-end": "url(#arrow)" });
    add("text", { x: (x1 + x2 + 120) / 2, y: (y1 + y2) / 2 - 4 }, e.kind.replace("Resource_dependencies", "dep"));
  }
  for (const n of nodes) {
    const [x, y] = pos[n];
    const inGroup = g.resources.includes(n);
    add("rect", { x: x, y: y - 14, width: 120, height: 24, rx: 4, fill: inGroup ? "#e8f0fe" : "#eee", stroke: "#555", "data-resource": n });
    add("text", { x: x + 6, y: y + 3 }, n);
  }
  add("text", { x: gx, y: 20 }, "resource group " + chosen);
  g.groups.forEach((r, i) => {
    add("text", { x: gx, y: 45 + i * 20, "data-rel": r.kind }, r.kind + " → " + r.to);
  });
  box.append(svg);
}

function renderLog(records) {
  const ol = $("log");
  ol.replaceChildren();
  for (const r of (records || []).slice(-30).reverse()) {
    const when = new Date(r.ms).toISOString().replace("T", " ").replace("Z", "");
    ol.append(el("li", { class: r.severity }, when + " [" + r.id + "] " + r.text));
  }
}

let updates = 0;

function render(doc) {
  const view = doc.view;
  $("cluster").textContent = view.cluster;
  $("meta").textContent = "answered by node " + view.node + "; president: " + (view.president || "none");
  renderNodes(view);
  renderGroups(view);
  renderWhy(doc.why_not);
  renderGraph(doc);
  renderLog(doc.log);
  updates += 1;
  document.body.setAttribute("data-updates", updates);
}

$("graph-group").addEventListener("change", () => { if (window.lastDoc) renderGraph(window.lastDoc); });

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("status", (ev) => {
    window.lastDoc = JSON.parse(ev.data);
    render(window.lastDoc);
    $("live").textContent = "live";
    $("live").className = "live-on";
  });
  source.onerror = () => {
    $("live").textContent = "reconnecting…";
    $("live").className = "live-off";
  };
}

connect();
