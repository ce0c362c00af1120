// hypertrack-mock dashboard. Plain JavaScript, no library, no build step.
//
// The page keeps no state of the mock's: everything it shows is what the JSON control plane answers
// (/__mock/state, /__mock/requests, /__mock/clock, /__mock/webhooks, and /__mock/peek/<path> for the
// data plane's own answers, neither journaled nor faulted). What it keeps is only where the person is:
// the view, the page of a list, the filters, what is open.
"use strict";

const PAGE = 25;            // rows a page, in every list
const POLL_MS = 1500;       // how often the current view is fetched again (paused while the tab is hidden)
const CALLS_KEPT = 20;      // the actions shown in "Calls this page made"
const STORAGE = "hypertrack-mock.session";

const ui = {
  session: null,            // {scheme, account, secret, token, admin}
  view: "overview",
  routes: {tokens: [null], page: 0, filter: {}, selected: null, orderPage: 0, phoneOf: null},
  orders: {tokens: [null], page: 0, filter: {}},
  order: {handle: null, from: "orders"},
  journal: {page: 0, filter: {}, open: new Set(), signature: null, entries: []},
  deliveries: {page: 0, open: new Set()},
  overview: {pages: {}},
  server: {page: 0},
  scenarios: null,
  busy: null,
  again: false,
  rendered: 0,
};

// --- the DOM, built from data (never innerHTML: journal bodies are whatever clients sent) ----------

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (id) => document.getElementById(id);
// Draw `children` into the element `id`, keeping the keyboard focus where it was (a poll redraws).
function replace(id, ...children) {
  const node = $(id), active = document.activeElement;
  const key = active && active !== node && node.contains(active) ? focusKey(active) : null;
  node.replaceChildren();
  append(node, children);
  if (key) {
    const same = [...node.querySelectorAll(active.tagName)].find((e) => focusKey(e) === key);
    if (same) same.focus();
  }
}
const focusKey = (e) => [e.tagName, e.textContent, e.closest("[aria-label]")?.getAttribute("aria-label") || ""].join("|");

// True when what a view would draw from is what it drew last time (then the poll leaves it alone).
const drawnFrom = {};
function unchanged(id, ...parts) {
  const key = JSON.stringify(parts);
  if (drawnFrom[id] === key && $(id).firstChild) return true;
  drawnFrom[id] = key;
  return false;
}
const pretty = (value) => JSON.stringify(value, null, 2);
const when = (iso) => (iso ? iso.replace("T", " ").replace("Z", "") : "");
const statusClass = (status) => `status s-${status ? String(status)[0] : 0}`;
function say(message) { $("status").textContent = message; }

function table(caption, columns, rows, options = {}) {
  return h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption},
    h("table", {id: options.id},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", {scope: "col", class: c.num ? "num" : null}, c.label)))),
      h("tbody", {}, rows.length ? rows.map((row) => h("tr", {class: options.selected && options.selected(row) ? "selected" : null},
        columns.map((c) => h("td", {class: c.num ? "num" : null}, c.cell(row)))))
        : h("tr", {}, h("td", {colspan: columns.length, class: "hint"}, options.empty || "None")))));
}

// A page of an array kept in the browser: buttons, and "rows a-b of n".
function pager(label, page, total, go) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const first = total ? page * PAGE + 1 : 0;
  return h("div", {class: "pager", role: "group", "aria-label": `${label} pages`},
    h("button", {type: "button", disabled: page <= 0, onclick: () => go(page - 1)}, "Previous"),
    h("span", {}, `${first} to ${Math.min(total, (page + 1) * PAGE)} of ${total} (page ${page + 1} of ${pages})`),
    h("button", {type: "button", disabled: page >= pages - 1, onclick: () => go(page + 1)}, "Next"));
}

// A page of a list the data plane pages with pagination_token: forward by token, back by the ones seen.
function tokenPager(label, state, next, go) {
  return h("div", {class: "pager", role: "group", "aria-label": `${label} pages`},
    h("button", {type: "button", disabled: state.page <= 0, onclick: () => go(state.page - 1)}, "Previous"),
    h("span", {}, `page ${state.page + 1}`),
    h("button", {type: "button", disabled: !next, onclick: () => { state.tokens[state.page + 1] = next; go(state.page + 1); }}, "Next"));
}

const slice = (items, page) => items.slice(page * PAGE, (page + 1) * PAGE);
const clampPage = (page, total) => Math.max(0, Math.min(page, Math.ceil(total / PAGE) - 1));

// --- calling the control plane ---------------------------------------------------------------------

function headers(serverWide) {
  const s = ui.session, out = {Accept: "application/json"};
  if (!serverWide && s.scheme === "basic") out.Authorization = "Basic " + base64(`${s.account}:${s.secret}`);
  if (!serverWide && s.scheme === "bearer") out.Authorization = "Bearer " + s.token;
  if (s.admin) out["X-Mock-Admin-Token"] = s.admin;
  return out;
}

function base64(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

// One call: {method, path, body, status, answer, ms}; `log` shows it under "Calls this page made".
async function call(method, path, body, {log = false, serverWide = false} = {}) {
  // credentials "omit": a 401 with WWW-Authenticate must come back to the page, not open the browser's prompt
  const options = {method, headers: headers(serverWide), cache: "no-store", credentials: "omit"};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const started = performance.now();
  let status = 0, answer = null, text = "";
  try {
    const response = await fetch(path, options);
    status = response.status;
    text = await response.text();
    try { answer = text ? JSON.parse(text) : null; } catch (error) { answer = text; }
  } catch (error) {
    answer = `no answer: ${error.message}`;
  }
  const result = {method, path, body, status, answer, text, ms: Math.round(performance.now() - started)};
  if (log) logCall(result);
  return result;
}

async function act(method, path, body) {
  const result = await call(method, path, body, {log: true});
  say(`${method} ${path}: ${result.status}`);
  await refresh();
  return result;
}

function logCall(result) {
  const log = $("call-log");
  for (const item of log.querySelectorAll("details[open]")) item.open = false;
  log.prepend(h("li", {class: "call"},
    h("details", {open: true},
      h("summary", {}, h("span", {class: statusClass(result.status)}, result.status || "no answer"), " ",
        h("code", {}, `${result.method} ${result.path}`)),
      result.body !== undefined ? [h("div", {}, "Body sent:"), h("pre", {class: "sent"}, pretty(result.body))] : null,
      h("div", {}, `Answer (${result.ms} ms):`), h("pre", {class: "answer"}, pretty(result.answer)))));
  while (log.children.length > CALLS_KEPT) log.lastElementChild.remove();
}

// The data plane's answer to a GET, read through the control plane (never journaled or faulted).
const peek = (path, query) => call("GET", "/__mock/peek/" + path + queryString(query));

function queryString(params) {
  const pairs = Object.entries(params || {}).filter(([, v]) => v !== null && v !== undefined && v !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}

// --- signing in ------------------------------------------------------------------------------------

function signedInAs() {
  const s = ui.session;
  if (s.scheme === "basic") return `account ${s.account}`;
  if (s.scheme === "bearer") return "a Bearer token";
  return "no account (server-wide)";
}

async function signIn(session) {
  ui.session = session;
  if (session.scheme !== "none") {
    const check = await call("GET", "/__mock/clock");
    if (check.status !== 200) {
      ui.session = null;
      return `The mock refused these credentials (${check.status}).`;
    }
    if (!check.answer.tenant) {
      ui.session = null;
      return "These credentials name no tenant.";
    }
    session.tenant = check.answer.tenant;
  }
  sessionStorage.setItem(STORAGE, JSON.stringify(session));
  $("signin").hidden = true;
  $("tabs").hidden = false;
  $("calls").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = `Signed in with ${signedInAs()}` + (session.tenant ? `: tenant ${session.tenant}` : "");
  const tenantOnly = ["overview", "routes", "orders", "journal", "webhooks", "control"];
  for (const link of document.querySelectorAll("#tabs a")) {
    link.parentElement.hidden = session.scheme === "none" && tenantOnly.includes(link.dataset.view);
  }
  if (session.scheme === "none" && location.hash !== "#server") location.hash = "#server";
  else route();
  return null;
}

function signOut() {
  sessionStorage.removeItem(STORAGE);
  location.replace(location.pathname);  // a fresh page: nothing of the session left in it
}

function wireSignIn() {
  const form = $("signin-form");
  const scheme = () => form.elements.scheme.value;
  const show = () => { for (const part of form.querySelectorAll(".fields")) part.hidden = part.dataset.scheme !== scheme(); };
  form.addEventListener("change", show);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const session = {scheme: scheme(), account: f.account.value.trim(), secret: f.secret.value,
                     token: f.token.value.trim(), admin: f.admin.value};
    let problem = null;
    if (session.scheme === "basic" && (!session.account || !session.secret)) problem = "Give an account id and a secret key.";
    if (session.scheme === "bearer" && !session.token) problem = "Give a token.";
    problem = problem || await signIn(session);
    $("signin-error").textContent = problem || "";
  });
  $("sign-out").addEventListener("click", signOut);
}

// --- views -----------------------------------------------------------------------------------------

const VIEWS = {overview: showOverview, routes: showRoutes, orders: showOrders, order: showOrder,
               journal: showJournal, webhooks: showWebhooks, control: showControl, server: showServer};

function route() {
  if (!ui.session) return;
  const [name, ...rest] = location.hash.slice(1).split("/");
  let view = VIEWS[name] ? name : (ui.session.scheme === "none" ? "server" : "overview");
  if (view === "order") ui.order.handle = decodeURIComponent(rest.join("/"));
  const changed = view !== ui.view;
  ui.view = view;
  for (const section of document.querySelectorAll("section.view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll("#tabs a")) {
    const current = link.dataset.view === view || (view === "order" && link.dataset.view === ui.order.from);
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  refresh().finally(() => { if (changed) $(`${view}-h`).focus(); });
}

// Fetch what the current view shows, and draw it; the clock in the header too.
async function refresh() {
  if (!ui.session) return;
  if (ui.busy) { ui.again = true; return ui.busy; }  // after the refresh under way, once more
  ui.busy = (async () => {
    do {
      ui.again = false;
      const jobs = [VIEWS[ui.view]()];
      if (ui.session.scheme !== "none") jobs.push(showClock());
      await Promise.all(jobs);
    } while (ui.again);
    ui.rendered += 1;
    document.body.dataset.rendered = `${ui.view}:${ui.rendered}`;
    if (ui.rendered === 1) performance.mark("hypertrack-mock:rendered");  // bench/dashboard.py reads it
  })();
  try {
    await ui.busy;
  } catch (error) {
    say(`The page could not draw ${ui.view}: ${error.message}`);
    throw error;  // a bug of the page's: shown in the console too
  } finally {
    ui.busy = null;
  }
}

function problem(id, result) {
  delete drawnFrom[id];
  replace(id, h("p", {class: "error", role: "alert"},
    `${result.method} ${result.path} answered ${result.status || "nothing"}: `,
    h("code", {}, typeof result.answer === "string" ? result.answer : JSON.stringify(result.answer))));
}

async function showClock() {
  const result = await call("GET", "/__mock/clock");
  if (result.status !== 200) return;
  const clock = result.answer, node = $("clock");
  node.textContent = clock.frozen_at ? `Clock frozen at ${when(clock.frozen_at)}` : `Clock ${when(clock.now)}` +
    (clock.offset_seconds ? ` (moved ${clock.offset_seconds} s)` : "");
  node.classList.toggle("frozen", Boolean(clock.frozen_at));
  const now = $("clock-now");
  if (now) now.textContent = `now ${clock.now}; frozen at ${clock.frozen_at || "no (running)"}; offset ${clock.offset_seconds} s`;
}

// Overview: workers and their devices, ops groups, places, geofences, from GET /__mock/state.
async function showOverview() {
  const result = await call("GET", "/__mock/state");
  if (result.status !== 200) return problem("overview", result);
  const state = result.answer, pages = ui.overview.pages;
  if (unchanged("overview", result.text, pages)) return;
  const orders = state.routes.reduce((n, r) => n + r.orders.length, 0);
  const list = (key, items, caption, columns) => {
    pages[key] = clampPage(pages[key] || 0, items.length);
    return h("section", {"aria-label": caption},
      table(caption, columns, slice(items, pages[key]), {id: `table-${key}`}),
      items.length > PAGE ? pager(caption, pages[key], items.length, (p) => { pages[key] = p; refresh(); }) : null);
  };
  replace("overview",
    h("ul", {class: "counts", "aria-label": "Counts"},
      [["workers", state.workers.length], ["unlinked devices", state.devices.length], ["ops groups", state.ops_groups.length + 1],
       ["places", state.places.length], ["geofences", state.geofences.length], ["routes", state.routes.length],
       ["orders", orders], ["fault rules", state.faults.length]].map(([label, n]) => h("li", {}, h("strong", {}, n), ` ${label}`))),
    list("workers", state.workers, "Workers and their devices", [
      {label: "Worker", cell: (w) => w.worker_handle}, {label: "Name", cell: (w) => w.name || ""},
      {label: "Ops group", cell: (w) => w.ops_group_handle || ""},
      {label: "Devices", cell: (w) => (w.device_ids.length ? w.device_ids.join(", ") : h("em", {}, "none linked"))},
      {label: "Deleted", cell: (w) => (w.deleted ? "deleted" : "")}]),
    state.devices.length ? list("devices", state.devices, "Devices linked to no worker", [
      {label: "Device", cell: (d) => d.device_id}, {label: "Name", cell: (d) => d.name || ""}]) : null,
    list("groups", [{ops_group_handle: "default"}, ...state.ops_groups], "Ops groups", [
      {label: "Ops group", cell: (g) => g.ops_group_handle}, {label: "Label", cell: (g) => g.ops_group_label || ""},
      {label: "Time zone", cell: (g) => g.timezone || ""}]),
    list("places", state.places, "Places", [
      {label: "Place", cell: (p) => p.place_handle}, {label: "Address", cell: (p) => p.address || ""},
      {label: "Geometry", cell: (p) => geometryText(p.geometry)}, {label: "Radius (m)", num: true, cell: (p) => p.radius ?? ""}]),
    list("geofences", state.geofences, "Geofences", [
      {label: "Geofence", cell: (g) => g.geofence_id}, {label: "Geometry", cell: (g) => geometryText(g.geometry)}]));
}

function geometryText(geometry) {
  if (!geometry) return "";
  if (geometry.type === "Polygon") return `polygon of ${(geometry.coordinates[0] || []).length} points`;
  return (geometry.coordinates || []).join(", ");
}

const countBy = (items, key) => Object.entries(items.reduce((n, i) => ({...n, [i[key]]: (n[i[key]] || 0) + 1}), {}))
  .map(([k, v]) => `${v} ${k}`).join(", ");

// Routes: GET /orders/routes/ paged by pagination_token, and the selected route's orders, plot and phone.
async function showRoutes() {
  const state = ui.routes;
  const query = {limit: PAGE, pagination_token: state.tokens[state.page], ...state.filter};
  const [list, detail] = await Promise.all([
    peek("orders/routes/", query), state.selected ? peek("orders/routes/" + encodeURIComponent(state.selected)) : null]);
  const worker = detail && detail.status === 200 ? detail.answer.worker_handle : null;
  const phone = worker ? await call("GET", phonePath(worker)) : null;
  if (list.status !== 200) return problem("routes", list);
  if (unchanged("routes", list.text, detail && detail.text, phone && phone.text, state.selected, state.orderPage)) return;
  const go = (page) => { state.page = page; refresh(); };
  replace("routes",
    table("Routes (oldest first)", [
      {label: "Route", cell: (r) => h("button", {type: "button", class: "link", "aria-pressed": String(r.route_handle === state.selected),
        onclick: () => { state.selected = r.route_handle; state.orderPage = 0; refresh().then(() => $("route-detail-h")?.focus()); }}, r.route_handle)},
      {label: "Status", cell: (r) => r.status}, {label: "Worker", cell: (r) => r.worker_handle || ""},
      {label: "Mode", cell: (r) => r.track_mode || ""},
      {label: "Orders", cell: (r) => `${r.orders.length}` + (r.orders.length ? `: ${countBy(r.orders, "status")}` : "")},
      {label: "Created", cell: (r) => when(r.created_at)}, {label: "Started", cell: (r) => when(r.started_at)},
      {label: "Completed", cell: (r) => when(r.completed_at)}],
    list.answer.routes, {id: "routes-table", selected: (r) => r.route_handle === state.selected, empty: "No routes"}),
    tokenPager("Routes", state, list.answer.pagination_token, go));
  if (!detail || detail.status !== 200) {
    showPhone(null, null);
    replace("route-stops");
    return detail ? problem("route", detail) : replace("route");
  }
  const r = detail.answer, live = phone && phone.status === 200 ? phone.answer : null;
  const ahead = r.estimate ? `; the drive ahead ${r.estimate.distance} m, ${r.estimate.duration} s` : "";
  replace("route",
    h("h3", {id: "route-detail-h", tabindex: "-1"}, `Route ${r.route_handle}`),
    h("p", {}, `${r.status}, version ${r.version}; worker ${r.worker_handle || "none"}, device ${r.device_id || "none"}; ` +
      `created ${when(r.created_at)}, started ${when(r.started_at) || "not yet"}` +
      (r.completed_at ? `, completed ${when(r.completed_at)}` : "") + ahead),
    plot(r, live, live ? (location) => changePhone(worker, {location}) : null));
  showPhone(worker, phone);
  replace("route-stops",
    ordersTable(`Orders of route ${r.route_handle}, in sequence`, slice(numbered(r.orders), state.orderPage), true, "routes"),
    r.orders.length > PAGE ? pager("Orders of the route", state.orderPage, r.orders.length,
                                   (page) => { state.orderPage = page; refresh(); }) : null);
}

const numbered = (orders) => orders.map((order, index) => ({...order, sequence: index + 1}));

function ordersTable(caption, orders, sequence, from) {
  const columns = [
    sequence ? {label: "#", num: true, cell: (o) => o.sequence} : null,
    {label: "Order", cell: (o) => h("a", {href: `#order/${encodeURIComponent(o.order_handle)}`,
      onclick: () => { ui.order.from = from; }}, o.order_handle)},
    {label: "Type", cell: (o) => o.type || ""}, {label: "Status", cell: (o) => o.status},
    {label: "Attempt", num: true, cell: (o) => o.fulfillment_attempt ?? ""},
    sequence ? null : {label: "Route", cell: (o) => o.route_handle || ""},
    {label: "Worker", cell: (o) => o.worker_handle || ""},
    {label: "Created", cell: (o) => when(o.created_at)}, {label: "Started", cell: (o) => when(o.started_at)},
    {label: "Arrived", cell: (o) => when(o.arrived_at)}, {label: "Estimated arrival", cell: (o) => when(o.estimate?.arrive_at)},
    {label: "Finished", cell: (o) => when(o.completed_at || o.cancelled_at)}].filter(Boolean);
  return table(caption, columns, orders, {id: sequence ? "route-orders" : "orders-table", empty: "No orders"});
}

// Orders: GET /orders/ paged by pagination_token.
async function showOrders() {
  const state = ui.orders;
  const list = await peek("orders/", {limit: PAGE, pagination_token: state.tokens[state.page], ...state.filter});
  if (list.status !== 200) return problem("orders", list);
  if (unchanged("orders", list.text)) return;
  replace("orders", ordersTable("Orders (the latest attempt of each, oldest first)", list.answer.orders, false, "orders"),
    tokenPager("Orders", state, list.answer.pagination_token, (page) => { state.page = page; refresh(); }));
}

// One order: HyperTrack's Get Order, with its timeline.
async function showOrder() {
  const handle = ui.order.handle;
  const result = await peek("orders/" + encodeURIComponent(handle));
  $("order-h").textContent = `Order ${handle}`;
  if (result.status !== 200) return problem("order", result);
  if (unchanged("order", result.text, ui.order.from)) return;
  const o = result.answer;
  replace("order",
    h("p", {}, h("a", {href: `#${ui.order.from}`}, `Back to ${ui.order.from}`)),
    h("dl", {class: "facts"}, [["Status", o.status], ["Fulfilment attempt", o.fulfillment_attempt], ["Route", o.route_handle],
      ["Worker", o.worker_handle], ["Device", o.device_id], ["Type", o.type], ["Scheduled at", o.scheduled_at],
      ["Estimated arrival", o.estimate && `${o.estimate.arrive_at} (${o.estimate.distance} m, ${o.estimate.duration} s; ` +
        `first estimate ${o.estimate.initial_arrive_at})`],
      ["Arrived at", o.arrived_at], ["Exited at", o.exited_at], ["Service time (s)", o.actual_service_time],
      ["Risks", o.risks && (o.risk_status ? "at risk: " : "on track: ") +
        Object.entries(o.risks).map(([k, v]) => `${k} ${v}`).join(", ")],
      ["Share URL", o.share_url]].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "")])),
    h("div", {class: "buttons", role: "group", "aria-label": "Events only a device causes"},
      ["arrived", "exited", "first_eta", "eta_change", "n_minutes_away", "delayed", "risk_updated"].map((value) =>
        h("button", {type: "button", class: "secondary", onclick: () =>
          act("POST", `/__mock/orders/${encodeURIComponent(handle)}/events`, {value})}, `Emit ${value}`))),
    h("h3", {}, "Timeline"),
    h("ol", {class: "timeline", id: "timeline"}, (o.timeline || []).map((event) =>
      h("li", {}, h("strong", {}, event.type), ` at ${when(event.recorded_at)}`))),
    plot({orders: [o], route_handle: o.route_handle}),
    h("details", {}, h("summary", {}, "The whole answer of GET /orders/" + handle), h("pre", {}, pretty(o))));
}

// --- the plot: destinations as SVG (points with their radius, polygons), the orders in sequence, and
// the worker's phone: where it is, a line to where it heads; arrived stops ticked, open ones with their ETA ---

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  append(node, children);
  return node;
}

const ETA_LABELS = 12;  // up to this many destinations, each open one is labelled with its ETA (else in its title)
const clockTime = (iso) => (iso ? iso.slice(11, 19) : "");

// `phone` (GET /__mock/workers/<w>/phone) is drawn if it has a location; `onPick([lon, lat])` is called
// with the place of a click on the plot (how the page moves the phone).
function plot(routeLike, phone = null, onPick = null) {
  const shapes = [];
  for (const order of routeLike.orders) {
    const geometry = order.destination && order.destination.geometry;
    if (!geometry || !geometry.coordinates) continue;
    if (geometry.type === "Polygon") {
      const ring = geometry.coordinates[0] || [];
      if (!ring.length) continue;
      const centre = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0]);
      shapes.push({order, ring, centre});
    } else {
      shapes.push({order, centre: geometry.coordinates, radius: order.destination.radius || 0});
    }
  }
  if (!shapes.length) return h("p", {class: "hint"}, "No destination has a geometry to draw.");
  const here = phone && phone.location;
  const metres = 111320;  // per degree of latitude
  const lats = shapes.flatMap((x) => (x.ring ? x.ring.map((p) => p[1]) : [x.centre[1]])).concat(here ? [here[1]] : []);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((midLat * Math.PI) / 180) || 1;
  const points = shapes.flatMap((x) => {
    if (x.ring) return x.ring.map(([lon, lat]) => [lon * k, lat]);
    const r = x.radius / metres;
    return [[x.centre[0] * k - r, x.centre[1] - r], [x.centre[0] * k + r, x.centre[1] + r]];
  }).concat(here ? [[here[0] * k, here[1]]] : []);
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const W = 640, H = 360, pad = 24;
  const scale = Math.min((W - 2 * pad) / Math.max(maxX - minX, 1e-6), (H - 2 * pad) / Math.max(maxY - minY, 1e-6));
  const offX = ((W - 2 * pad) - (maxX - minX) * scale) / 2, offY = ((H - 2 * pad) - (maxY - minY) * scale) / 2;
  const project = ([lon, lat]) => [pad + (lon * k - minX) * scale + offX, H - pad - (lat - minY) * scale - offY];
  const unproject = ([x, y]) => [((x - pad - offX) / scale + minX) / k, (H - pad - offY - y) / scale + minY];
  const fixed = (n) => n.toFixed(1);
  const title = `Destinations of ${routeLike.route_handle ? "route " + routeLike.route_handle : "the order"}`;
  const svg = s("svg", {class: onPick ? "plot pickable" : "plot", viewBox: `0 0 ${W} ${H}`, role: "img",
                        "aria-labelledby": "plot-title plot-desc"},
    s("title", {id: "plot-title"}, title),
    s("desc", {id: "plot-desc"}, `${shapes.length} destinations, numbered in the route's sequence; circles are each ` +
      "point's radius, shaded shapes polygons; a tick marks an arrival, times are estimated arrivals. North is up." +
      (phone ? ` ${phoneText(phone)}.` : "")),
    s("defs", {}, s("marker", {id: "heading-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
                               markerHeight: "7", orient: "auto-start-reverse"}, s("path", {d: "M 0 0 L 10 5 L 0 10 z"}))));
  if (shapes.length > 1) {
    svg.append(s("polyline", {class: "sequence", points: shapes.map((x) => project(x.centre).map(fixed).join(",")).join(" ")}));
  }
  const numbers = {}, etas = {};  // destinations drawn at one spot are labelled together: "1, 2✓"
  shapes.forEach((x, index) => {
    const spot = project(x.centre).map(fixed).join(",");
    const number = String(index + 1) + (x.order.arrived_at ? "✓" : "");
    numbers[spot] = numbers[spot] ? `${numbers[spot]}, ${number}` : number;
    if (x.order.estimate && !x.order.arrived_at) (etas[spot] = etas[spot] || []).push(clockTime(x.order.estimate.arrive_at));
  });
  const labelled = new Set();
  shapes.forEach((x, index) => {
    const [cx, cy] = project(x.centre);
    const spot = [cx, cy].map(fixed).join(",");
    const o = x.order;
    const label = `${index + 1}. ${o.order_handle} (${o.status || ""})` +
      (o.arrived_at ? `, arrived ${when(o.arrived_at)}` : o.estimate ? `, estimated arrival ${when(o.estimate.arrive_at)}` : "") +
      (o.exited_at ? `, exited ${when(o.exited_at)}` : "");
    const group = s("g", {class: o.arrived_at ? "destination arrived" : "destination"}, s("title", {}, label));
    if (x.ring) {
      group.append(s("polygon", {class: "polygon", points: x.ring.map((p) => project(p).map(fixed).join(",")).join(" ")}));
    } else if (x.radius) {
      group.append(s("circle", {class: "radius", cx: fixed(cx), cy: fixed(cy), r: fixed(Math.max(x.radius / metres * scale, 2))}));
    }
    group.append(s("circle", {class: "point", cx: fixed(cx), cy: fixed(cy), r: 3}));
    if (!labelled.has(spot)) {
      group.append(s("text", {class: "number", x: fixed(cx + 5), y: fixed(cy - 5)}, numbers[spot]));
      if (etas[spot] && shapes.length <= ETA_LABELS) {
        group.append(s("text", {class: "eta", x: fixed(cx + 5), y: fixed(cy + 12)}, `ETA ${etas[spot].join(", ")}`));
      }
    }
    labelled.add(spot);
    svg.append(group);
  });
  if (here) {
    const [px, py] = project(here);
    const target = phone.heading_to && shapes.find((x) => x.order.order_handle === phone.heading_to);
    const group = s("g", {class: phone.driving ? "phone driving" : "phone"}, s("title", {}, phoneText(phone)));
    if (target) {
      const [tx, ty] = project(target.centre);
      group.append(s("line", {class: "heading", x1: fixed(px), y1: fixed(py), x2: fixed(tx), y2: fixed(ty),
                              "marker-end": "url(#heading-arrow)"}));
    }
    group.append(s("circle", {class: "phone-dot", cx: fixed(px), cy: fixed(py), r: 6}));
    svg.append(group);
  }
  if (onPick) {
    svg.addEventListener("click", (event) => {
      const at = svg.createSVGPoint();
      [at.x, at.y] = [event.clientX, event.clientY];
      const p = at.matrixTransform(svg.getScreenCTM().inverse());
      onPick(unproject([p.x, p.y]).map((n) => Math.round(n * 1e6) / 1e6));  // to 0.1 m
    });
  }
  return svg;
}

// --- the phone of the selected route's worker (CONTRACT §9): its state, what moves it, and the clock ---

// What `outage` may be: the model's codes (HyperTrack's "List of Outages"), which the server writes into the page.
const outages = () => (document.body.dataset.outages || "").split(",").filter(Boolean);
// The settings the phone form sets, as {field: [label, input attributes]}; `location` and `driving` have their own controls.
const PHONE_FIELDS = {
  speed_kmh: ["Speed (km/h)", {type: "number", step: "any"}],
  dwell_seconds: ["Dwell (s)", {type: "number", step: "any"}],
  battery: ["Battery (%)", {type: "number", step: "any"}],
  connected: ["Connected", {type: "checkbox"}],
  outage: ["Outage", null],
};

const phonePath = (worker) => `/__mock/workers/${encodeURIComponent(worker)}/phone`;

function phoneText(phone) {
  const where = phone.location ? `at ${phone.location.map((n) => +n.toFixed(6)).join(", ")}` : "location unknown";
  return [`Phone${phone.device_id ? " " + phone.device_id : ""} of ${phone.worker_handle}: ${where}`,
    phone.driving ? `driving at ${phone.speed_kmh} km/h` : "parked",
    phone.heading_to ? `heading to ${phone.heading_to}` : "no open order to drive to",
    `dwell ${phone.dwell_seconds} s`, `battery ${phone.battery}%`, phone.connected ? "connected" : "not connected",
    phone.outage ? `outage ${phone.outage}` : "no outage"].join("; ");
}

// One change of the phone (PUT, only the fields given); the view is drawn again, and a refusal shown in the panel.
async function changePhone(worker, body) {
  return shownInPanel(await act("PUT", phonePath(worker), body));
}

async function advanceClock(seconds) {
  return shownInPanel(await act("POST", "/__mock/clock", {advance_seconds: seconds}));
}

function shownInPanel(result) {
  const node = $("phone-error");
  if (!node) return result;
  const failed = result.status < 200 || result.status >= 300;
  node.replaceChildren(...(failed ? [`${result.method} ${result.path} answered ${result.status || "nothing"}: `,
    h("code", {}, typeof result.answer === "string" ? result.answer : JSON.stringify(result.answer))] : []));
  return result;
}

// The panel is built once per worker and kept: a poll updates its text and the fields the person has not
// touched, so what someone is typing survives the page's refreshes.
function showPhone(worker, result) {
  const state = ui.routes;
  if (!worker) {
    state.phoneOf = null;
    return replace("phone");
  }
  if (result.status !== 200) {
    state.phoneOf = null;
    return replace("phone", h("p", {class: "hint", id: "phone-none"},
      `No phone to show: ${result.method} ${result.path} answered ${result.status}` +
      (result.answer && result.answer.message ? `: ${result.answer.message}` : "")));
  }
  const phone = result.answer;
  if (state.phoneOf !== worker || !$("phone-card")) {
    state.phoneOf = worker;
    replace("phone", phonePanel(worker));
  }
  $("phone-state").textContent = phoneText(phone) + ".";
  const fields = $("phone-move").elements;
  sync(fields.lon, phone.location ? phone.location[0] : "");
  sync(fields.lat, phone.location ? phone.location[1] : "");
  const settings = $("phone-form").elements;
  for (const key of Object.keys(PHONE_FIELDS)) sync(settings[key], phone[key] ?? "");
  for (const button of document.querySelectorAll("#phone-drive button")) {
    button.setAttribute("aria-pressed", String((button.value === "drive") === phone.driving));
  }
}

// A field shows the phone's value unless the person changed it since it was last filled.
const fieldValue = (field) => (field.type === "checkbox" ? String(field.checked) : field.value);
const touched = (field) => field.dataset.was !== undefined && fieldValue(field) !== field.dataset.was;
function sync(field, value) {
  if (touched(field)) return;
  if (field.type === "checkbox") field.checked = Boolean(value); else field.value = String(value);
  field.dataset.was = fieldValue(field);
}

// After a change the phone took, its fields show what it answered (what the person typed was sent);
// after a refusal they keep what was typed, to correct.
function refill(result, values, form) {
  if (result.status !== 200) return;
  for (const [name, value] of Object.entries(values)) {
    delete form.elements[name].dataset.was;
    sync(form.elements[name], value(result.answer));
  }
}

function phonePanel(worker) {
  const label = (text, input) => h("label", {}, `${text} `, input);
  const seconds = h("input", {name: "advance_seconds", type: "number", step: "any", value: "600"});
  const move = h("form", {id: "phone-move", class: "filters", "aria-label": "Move the phone"},
    label("Longitude", h("input", {name: "lon", type: "number", step: "any", required: true})),
    label("Latitude", h("input", {name: "lat", type: "number", step: "any", required: true})),
    h("button", {type: "submit"}, "Move the phone"));
  move.addEventListener("submit", (event) => {
    event.preventDefault();
    changePhone(worker, {location: [Number(move.elements.lon.value), Number(move.elements.lat.value)]})
      .then((result) => refill(result, {lon: (p) => p.location?.[0] ?? "", lat: (p) => p.location?.[1] ?? ""}, move));
  });
  const settings = h("form", {id: "phone-form", class: "filters", "aria-label": "The phone's settings"},
    Object.entries(PHONE_FIELDS).map(([key, [text, attributes]]) => label(text, attributes ? h("input", {name: key, ...attributes})
      : h("select", {name: key}, h("option", {value: ""}, "none"), outages().map((code) => h("option", {value: code}, code))))),
    h("button", {type: "submit"}, "Set"));
  settings.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {};  // only what the person changed: what the phone did meanwhile stays
    for (const key of Object.keys(PHONE_FIELDS)) {
      const field = settings.elements[key];
      if (!touched(field)) continue;
      body[key] = field.type === "checkbox" ? field.checked : key === "outage" ? field.value || null
        : field.value === "" ? null : Number(field.value);
    }
    if (!Object.keys(body).length) return say("Nothing to change: no setting was edited");
    changePhone(worker, body).then((result) => refill(result, Object.fromEntries(
      Object.keys(PHONE_FIELDS).map((key) => [key, (p) => p[key] ?? ""])), settings));
  });
  return h("section", {class: "card phone-card", id: "phone-card", "aria-labelledby": "phone-h"},
    h("h3", {id: "phone-h"}, `Phone of ${worker}`),
    h("p", {id: "phone-state"}),
    h("p", {id: "phone-error", class: "error", role: "alert"}),
    h("div", {class: "buttons", id: "phone-drive", role: "group", "aria-label": "Drive or park"},
      h("button", {type: "button", value: "drive", onclick: () => changePhone(worker, {driving: true})}, "Drive"),
      h("button", {type: "button", value: "park", class: "secondary", onclick: () => changePhone(worker, {driving: false})}, "Park")),
    move,
    h("p", {class: "hint"}, "Or click the plot where the phone should be."),
    settings,
    h("div", {class: "buttons", role: "group", "aria-label": "The tenant's clock"},
      h("button", {type: "button", class: "secondary", onclick: () => advanceClock(60)}, "+1 min"),
      h("button", {type: "button", class: "secondary", onclick: () => advanceClock(300)}, "+5 min"),
      label("Advance the clock by (seconds)", seconds),
      h("button", {type: "button", onclick: () => advanceClock(Number(seconds.value))}, "Advance the clock")));
}

// --- the journal: newest first, filtered by the control plane, one page drawn --------------------

async function showJournal() {
  const state = ui.journal;
  const sign = (answer) => JSON.stringify([state.filter, answer.requests.length ? answer.requests.at(-1).id : null, answer.dropped]);
  if (state.signature && document.getElementById("journal-list")) {
    // cheap first: has anything been journaled (or dropped) since the last full read?
    const head = await call("GET", "/__mock/requests" + queryString({...state.filter, limit: 1}));
    if (head.status !== 200) return problem("journal", head);
    if (sign(head.answer) === state.signature) return;  // nothing new: what is drawn (and open) stays
  }
  const full = await call("GET", "/__mock/requests" + queryString(state.filter));
  if (full.status !== 200) return problem("journal", full);
  state.signature = sign(full.answer);
  state.entries = full.answer.requests.reverse();
  state.dropped = full.answer.dropped;
  state.cap = full.answer.cap;
  drawJournal();
}

function drawJournal() {
  const state = ui.journal;
  state.page = clampPage(state.page, state.entries.length);
  const go = (page) => { state.page = page; drawJournal(); };
  replace("journal",
    h("p", {class: "hint"}, `${state.entries.length} requests kept (the last ${state.cap}), ${state.dropped} dropped; newest first.`),
    h("ol", {class: "entries", id: "journal-list"}, slice(state.entries, state.page).map(journalEntry)),
    pager("Journal", state.page, state.entries.length, go));
}

function journalEntry(entry) {
  const state = ui.journal;
  const details = h("details", {open: state.open.has(entry.id), "data-id": entry.id},
    h("summary", {},
      h("span", {class: "when"}, when(entry.received_at)),
      h("span", {class: statusClass(entry.status)}, entry.status ?? "dropped"),
      h("code", {class: "path"}, `${entry.method} ${entry.path}`),
      h("span", {class: "hint"}, `${entry.duration_ms} ms`),
      entry.fault ? h("span", {class: "error"}, `fault ${entry.fault}`) : null,
      entry.reason && entry.reason !== `fault ${entry.fault}` ? h("span", {class: "hint"}, entry.reason) : null));
  details.addEventListener("toggle", () => {
    if (details.open) {
      state.open.add(entry.id);
      if (!details.querySelector(".body")) details.append(entryBody(entry));
    } else state.open.delete(entry.id);
  });
  if (details.open) details.append(entryBody(entry));
  return h("li", {}, details);
}

function entryBody(entry) {
  const output = h("pre", {class: "curl", hidden: true});
  return h("div", {class: "body"},
    h("div", {class: "buttons"}, h("button", {type: "button", class: "secondary", onclick: async () => {
      const text = curl(entry);
      output.textContent = text;
      output.hidden = false;
      try { await navigator.clipboard.writeText(text); say("Copied the curl command"); } catch (error) { say("The curl command is shown; copy it from there"); }
    }}, "Copy as curl")),
    output,
    h("div", {}, "Query and headers:"), h("pre", {}, pretty({query: entry.query, headers: entry.headers})),
    h("div", {}, "Request body:"), h("pre", {class: "request-body"}, pretty(entry.body)),
    h("div", {}, `Answer ${entry.status ?? "(connection dropped)"}:`), h("pre", {class: "response-body"}, pretty(entry.response)));
}

// The request as a curl command; credentials as the journal keeps them: redacted, to fill in.
function curl(entry) {
  const quote = (text) => "'" + String(text).replace(/'/g, "'\\''") + "'";
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(entry.query || {})) for (const one of [].concat(v)) query.append(k, one);
  const url = location.origin + entry.path + (query.toString() ? "?" + query : "");
  const parts = ["curl", "-X", entry.method, quote(url)];
  for (const [name, value] of Object.entries(entry.headers || {})) {
    if (["Host", "Content-Length", "Connection", "Accept-Encoding", "User-Agent"].includes(name)) continue;
    if (name === "Authorization") {
      parts.push("-u", entry.tenant ? quote(`${entry.tenant}:`) + '"$SECRET_KEY"' : "'ACCOUNT:SECRET_KEY'");
      continue;
    }
    parts.push("-H", quote(`${name}: ${value}`));
  }
  if (entry.body !== null && entry.body !== undefined) {
    parts.push("--data-raw", quote(typeof entry.body === "string" ? entry.body : JSON.stringify(entry.body)));
  }
  return parts.join(" ");
}

// --- webhooks --------------------------------------------------------------------------------------

async function showWebhooks() {
  const [webhook, deliveries] = await Promise.all([call("GET", "/__mock/webhook"), call("GET", "/__mock/webhooks")]);
  if (webhook.status !== 200) return problem("deliveries", webhook);
  const w = webhook.answer.webhook;
  $("webhook-now").textContent = w ? `Delivering to ${w.url}` + (w.confirmed === false ? " (awaiting confirmation)" : "")
    : "No webhook is set: events are not sent.";
  if (deliveries.status !== 200) return problem("deliveries", deliveries);
  const state = ui.deliveries, all = deliveries.answer.deliveries.slice().reverse();
  if (unchanged("deliveries", deliveries.text, state.page)) return;
  state.page = clampPage(state.page, all.length);
  replace("deliveries",
    h("h3", {}, "Deliveries, newest first"),
    h("p", {class: "hint"}, `${all.length} attempts kept; ${deliveries.answer.pending} events waiting.`),
    h("ol", {class: "entries", id: "delivery-list"}, slice(all, state.page).map((d) => {
      const key = `${d.message_id}/${d.attempt}`;
      const details = h("details", {open: state.open.has(key)},
        h("summary", {}, h("span", {class: "when"}, when(d.at)),
          h("span", {class: statusClass(d.status)}, d.status ?? "no answer"),
          h("span", {}, `attempt ${d.attempt}`), h("span", {}, d.events.length === 1 ? "1 event" : `${d.events.length} events`),
          h("span", {class: "hint"}, `${d.latency_ms ?? "–"} ms`), d.delivered ? h("span", {}, "delivered") : null,
          d.error ? h("span", {class: "error"}, d.error) : null),
        h("div", {class: "body"},
          h("p", {class: "mono"}, `message ${d.message_id}`),
          h("button", {type: "button", class: "secondary", onclick: () => act("POST", "/__mock/webhooks/replay", {message_id: d.message_id})},
            "Replay"),
          h("ul", {}, d.events.map((e) => h("li", {}, `${e.type} ${e.data.value}` + (e.data.order_handle ? ` (${e.data.order_handle})` : "") +
            ` recorded ${when(e.recorded_at)}`))),
          h("pre", {}, pretty(d.events))));
      details.addEventListener("toggle", () => (details.open ? state.open.add(key) : state.open.delete(key)));
      return h("li", {}, details);
    })),
    pager("Deliveries", state.page, all.length, (page) => { state.page = page; refresh(); }));
}

// --- control: scenarios, reset, clock, faults, device events --------------------------------------

async function showControl() {
  if (!ui.scenarios) {
    const result = await call("GET", "/__mock/scenarios");
    ui.scenarios = result.status === 200 ? result.answer.scenarios : [];
    const select = $("scenario-name");
    select.replaceChildren(...ui.scenarios.map((x) => h("option", {value: x.name}, x.name)));
    select.value = "default";
    describeScenario();
  }
  const faults = await call("GET", "/__mock/faults");
  if (faults.status !== 200) return problem("faults", faults);
  if (unchanged("faults", faults.text)) return;
  replace("faults",
    table("Fault rules in force, in the order they are tried", [
      {label: "Id", num: true, cell: (f) => f.id}, {label: "Method", cell: (f) => f.method}, {label: "Path", cell: (f) => f.path},
      {label: "Does", cell: (f) => [f.status ? `answers ${f.status}` : null, f.delay_ms ? `waits ${f.delay_ms} ms` : null,
        f.drop_connection ? `drops (${f.drop_connection})` : null].filter(Boolean).join(", ")},
      {label: "Left", num: true, cell: (f) => f.remaining ?? "∞"}, {label: "Probability", num: true, cell: (f) => f.probability},
      {label: "", cell: (f) => h("button", {type: "button", onclick: () => act("DELETE", `/__mock/faults/${f.id}`)}, `Remove rule ${f.id}`)}],
    faults.answer.faults, {id: "faults-table", empty: "No fault rules"}),
    h("button", {type: "button", class: "secondary", onclick: () => act("DELETE", "/__mock/faults")}, "Remove every rule"));
}

function describeScenario() {
  const chosen = (ui.scenarios || []).find((x) => x.name === $("scenario-name").value);
  $("scenario-description").textContent = chosen ? chosen.description || "" : "";
}

function numberOrNull(value) { return value === "" ? null : Number(value); }

function wireForms() {
  const submit = (id, handler) => $(id).addEventListener("submit", (event) => { event.preventDefault(); handler($(id).elements); });
  const click = (id, handler) => $(id).addEventListener("click", handler);

  submit("routes-filter", (f) => {
    ui.routes = {...ui.routes, tokens: [null], page: 0, filter: {status: f.status.value, worker_handle: f.worker_handle.value.trim()}};
    refresh();
  });
  submit("orders-filter", (f) => {
    ui.orders = {tokens: [null], page: 0, filter: {status: f.status.value, route_handle: f.route_handle.value.trim(),
                                                   worker_handle: f.worker_handle.value.trim()}};
    refresh();
  });
  submit("journal-filter", (f) => {
    ui.journal.filter = {method: f.method.value, path: f.path.value.trim(), status: f.status.value.trim()};
    ui.journal.page = 0;
    refresh();
  });
  click("journal-clear", () => act("DELETE", "/__mock/requests"));

  $("scenario-name").addEventListener("change", describeScenario);
  submit("scenario-form", (f) => act("POST", `/__mock/scenarios/${encodeURIComponent(f.name.value)}`));
  click("reset", () => act("POST", "/__mock/reset"));

  submit("clock-form", (f) => act("POST", "/__mock/clock", {frozen_at: f.frozen_at.value.trim() || new Date().toISOString()}));
  click("clock-release", () => act("POST", "/__mock/clock", {frozen_at: null}));
  click("clock-advance", () => act("POST", "/__mock/clock", {advance_seconds: Number($("clock-form").elements.advance_seconds.value)}));

  submit("fault-form", (f) => {
    const rule = {method: f.method.value, path: f.path.value.trim() || "*"};
    for (const key of ["status", "delay_ms", "times"]) { const n = numberOrNull(f[key].value); if (n !== null) rule[key] = n; }
    if (f.drop_connection.value) { rule.drop_connection = f.drop_connection.value; delete rule.status; }
    if (f.probability.value !== "" && Number(f.probability.value) !== 1) rule.probability = Number(f.probability.value);
    act("POST", "/__mock/faults", rule);
  });
  submit("event-form", (f) => act("POST", `/__mock/orders/${encodeURIComponent(f.order_handle.value.trim())}/events`, {value: f.value.value}));

  submit("webhook-form", (f) => {
    const body = f.inbox.value.trim() ? {inbox: f.inbox.value.trim()} : {url: f.url.value.trim()};
    if (f.secret.value) body.secret = f.secret.value;
    if (f.retry_delay_ms.value !== "") body.retry_delay_ms = Number(f.retry_delay_ms.value);
    act("PUT", "/__mock/webhook", body);
  });
  click("webhook-clear", () => act("DELETE", "/__mock/webhook"));
  click("webhook-drain", () => act("POST", "/__mock/webhooks/drain", {timeout_ms: 5000}));
}

// --- the server-wide view (no Authorization; the admin token if given) -----------------------------

async function showServer() {
  const result = await call("GET", "/__mock/state", undefined, {serverWide: true});
  if (result.status !== 200) {
    return replace("server", h("p", {class: "error", role: "alert"},
      `GET /__mock/state (server-wide) answered ${result.status}` + (result.status === 401 ? ": this server needs its admin token." : ".")));
  }
  if (unchanged("server", result.text, ui.server.page)) return;
  const tenants = Object.entries(result.answer.tenants).map(([account, state]) => ({account, state}));
  const state = ui.server;
  state.page = clampPage(state.page, tenants.length);
  replace("server",
    table(`Tenants (${tenants.length})`, [
      {label: "Account", cell: (t) => t.account}, {label: "Workers", num: true, cell: (t) => t.state.workers.length},
      {label: "Routes", num: true, cell: (t) => t.state.routes.length},
      {label: "Orders", num: true, cell: (t) => t.state.routes.reduce((n, r) => n + r.orders.length, 0)},
      {label: "Fault rules", num: true, cell: (t) => t.state.faults.length},
      {label: "Webhook", cell: (t) => (t.state.webhook ? t.state.webhook.url : "")}],
    slice(tenants, state.page), {id: "tenants-table", empty: "No tenant has made a call yet"}),
    pager("Tenants", state.page, tenants.length, (page) => { state.page = page; refresh(); }));
}

// --- start: sign in again from this tab's session, poll while visible ------------------------------

function start() {
  wireSignIn();
  wireForms();
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
  const saved = sessionStorage.getItem(STORAGE);
  if (saved) {
    signIn(JSON.parse(saved)).then((error) => { if (error) $("signin-error").textContent = error; });
  } else {
    document.body.dataset.rendered = "signin";
    document.querySelector("#signin-form input[name=account]").focus();
  }
}

start();
