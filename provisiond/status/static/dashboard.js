// The provisiond dashboard (docs/dashboard.md). Plain ES2020, no framework, no build step.
//
// Two rules hold everywhere below, because account names, usernames and error texts come
// from billing systems and from devices, not from us:
// - data reaches the page only through textContent / text nodes, never as markup;
// - the bearer token lives in the `token` variable only: no cookie, no Web Storage.
"use strict";

const REFRESH_MS = 5000;
const PAGE_LIMIT = 1000; // the API's largest page (DESIGN.md §7)
const TAIL_PAGES = 5; // pages of a long log read per refresh while catching up to its end
const SHOWN = 20; // rows kept of each log
const SESSIONS_SHOWN = 100;
const GENERIC_COLUMNS = 8; // of an endpoint whose item shape this page does not know
const RATES = Object.freeze([
  { label: "RADIUS requests", metric: "provisiond_radius_requests_total" },
  { label: "CoA requests", metric: "provisiond_coa_requests_total" },
]);
const DEVICE_STATES = new Set(["in_sync", "syncing", "unreachable", "held", "error"]);

let token = null;
let timer = null;
// Bumped at every login and logout: an answer that arrives for an older round is dropped,
// so nothing fetched with a forgotten token is shown after it.
let round = 0;
let counters = null; // the previous /metrics sample, for rates as deltas
const tails = new Map(); // log path -> {after, items}: where reading stopped, what is kept
const shown = new Map(); // panel id -> JSON of what it shows; an unchanged panel is left alone

class Unauthorized extends Error {}
class NotAvailable extends Error {}

// ---- the page -------------------------------------------------------------------------

function byId(id) {
  return document.getElementById(id);
}

function element(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function asText(value) {
  if (value === null || value === undefined || value === "") {
    return "—";
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function column(label, value) {
  return { label, value };
}

function cell(value) {
  const td = element("td");
  if (value instanceof Node) {
    td.append(value);
  } else {
    td.textContent = asText(value);
  }
  return td;
}

function table(columns, rows) {
  const head = element("tr");
  for (const { label } of columns) {
    head.append(element("th", label));
  }
  const body = element("tbody");
  for (const row of rows) {
    const tr = element("tr");
    tr.append(...columns.map(({ value }) => cell(value(row))));
    body.append(tr);
  }
  const thead = element("thead");
  thead.append(head);
  const result = element("table");
  result.append(thead, body);
  return result;
}

function listView(columns, rows, note = "") {
  if (rows.length === 0) {
    return { note: "none" };
  }
  return { node: table(columns, rows), note };
}

function setStatus(text) {
  byId("status").textContent = text;
}

// The outcome of the last action: it stays while the panels refresh around it.
function setNotice(text) {
  byId("notice").textContent = text;
}

// ---- the API --------------------------------------------------------------------------

async function jsonOf(response) {
  const type = response.headers.get("Content-Type") ?? "";
  return type.startsWith("application/json") ? response.json() : null;
}

async function call(path, options = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    ...options,
    headers,
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 401) {
    throw new Unauthorized("the token was refused");
  }
  return { status: response.status, body: await jsonOf(response) };
}

function failure(status, body) {
  return body?.error?.message ?? `HTTP ${status}`;
}

// A 404 is how an endpoint that is not built yet answers: the panel says "not available".
async function getJson(path) {
  const { status, body } = await call(path);
  if (status === 404) {
    throw new NotAvailable(path);
  }
  if (status !== 200) {
    throw new Error(failure(status, body));
  }
  return body;
}

function itemsOf(body) {
  return Array.isArray(body) ? body : (body?.items ?? []);
}

function pageUrl(path, after) {
  const cursor = after === null ? "" : `&after=${encodeURIComponent(after)}`;
  return `${path}?limit=${PAGE_LIMIT}${cursor}`;
}

function advance(state, items) {
  if (items.length === 0) {
    return state; // nothing new since the last read
  }
  const last = items.at(-1)?.id;
  if (!Number.isInteger(last)) {
    return { after: null, items: items.slice(-SHOWN) }; // no ids: nothing to resume from
  }
  return { after: last, items: state.items.concat(items).slice(-SHOWN) };
}

// Logs are oldest first and paged by id: read on from where the last refresh stopped.
async function tail(path) {
  let state = tails.get(path) ?? { after: null, items: [] };
  for (let page = 0; page < TAIL_PAGES; page += 1) {
    const body = await getJson(pageUrl(path, state.after));
    state = advance(state, itemsOf(body));
    if (body?.next_after === null || body?.next_after === undefined) {
      break;
    }
  }
  tails.set(path, state);
  return state.items.slice().reverse();
}

// ---- devices --------------------------------------------------------------------------

async function fetchPlan(name) {
  try {
    return await getJson(`/api/v1/devices/${encodeURIComponent(name)}/plan`);
  } catch (error) {
    if (error instanceof NotAvailable) {
      return null; // the device went away between the two requests
    }
    throw error;
  }
}

async function fetchDevices() {
  const devices = itemsOf(await getJson("/api/v1/devices"));
  const plans = await Promise.all(
    devices.map((device) => (device.state === "held" ? fetchPlan(device.name) : null)),
  );
  return devices.map((device, index) => ({ ...device, plan: plans[index] }));
}

function approvalMessage(name, status, body) {
  if (status === 200) {
    return `approved the held plan of ${name}`;
  }
  if (status === 403) {
    return "this token may only read: approving needs an admin token";
  }
  if (status === 409) {
    return `the plan of ${name} changed or is no longer held: review it again`;
  }
  return `approving ${name} failed: ${failure(status, body)}`;
}

async function postApproval(name, planId) {
  const path = `/api/v1/devices/${encodeURIComponent(name)}/approve`;
  try {
    const { status, body } = await call(path, {
      method: "POST",
      body: JSON.stringify({ plan_id: planId }),
    });
    return { ok: status === 200, message: approvalMessage(name, status, body) };
  } catch (error) {
    if (error instanceof Unauthorized) {
      throw error;
    }
    return { ok: false, message: `approving ${name} failed: ${error.message}` };
  }
}

// The plan id is the one this page showed: if the plan moved on since, the server refuses
// (409) rather than approve removals nobody has seen.
async function approve(button, name, planId) {
  button.disabled = true;
  try {
    const { ok, message } = await postApproval(name, planId);
    setNotice(message);
    button.disabled = ok;
  } catch (error) {
    failed(error);
    return;
  }
  await refresh();
}

function approveButton(device) {
  const button = element("button", "Approve");
  button.type = "button";
  button.className = "approve";
  button.addEventListener("click", () => approve(button, device.name, device.plan.plan_id));
  return button;
}

function heldPlan(device) {
  if (device.plan === null || device.plan === undefined) {
    return null;
  }
  const changes = itemsOf(device.plan.changes);
  const removals = changes.filter((change) => change.op === "remove").length;
  const held = changes.filter((change) => change.held === true).length;
  const wrap = element("span");
  wrap.append(
    element("span", `${removals} removals (${held} held) of ${changes.length} changes `),
    approveButton(device),
  );
  return wrap;
}

function deviceState(device) {
  const node = element("span", asText(device.state));
  node.className = DEVICE_STATES.has(device.state) ? `state state-${device.state}` : "state";
  return node;
}

const DEVICE_COLUMNS = [
  column("Device", (d) => d.name),
  column("Platform", (d) => d.platform),
  column("State", deviceState),
  column("Last sync", (d) => d.last_sync_at),
  column("Pending", (d) => d.pending_changes),
  column("Owned", (d) => d.owned_entries),
  column("Blocked", (d) => d.blocked_entries),
  column("Last error", (d) => d.last_error),
  column("Held plan", heldPlan),
];

// ---- rates ----------------------------------------------------------------------------

// Prometheus text format: `name{labels} value`; prometheus-client writes no timestamps,
// so the value is the last field. Every series of a counter is summed. A counter that is
// declared (`# TYPE`) but has no series yet has counted nothing: zero, not "not available".
function sumCounters(text, names) {
  const totals = new Map();
  for (const line of text.split("\n")) {
    const declared = line.match(/^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) counter/)?.[1];
    // Older prometheus-client versions declare the family without `_total`.
    const counter = names.find((name) => name === declared || name === `${declared}_total`);
    if (counter !== undefined) {
      totals.set(counter, totals.get(counter) ?? 0);
    }
    const name = line.match(/^[A-Za-z_:][A-Za-z0-9_:]*/)?.[0];
    if (name !== undefined && names.includes(name)) {
      const value = Number(line.trim().split(/\s+/).at(-1));
      totals.set(name, (totals.get(name) ?? 0) + value);
    }
  }
  return totals;
}

function rate(metric, previous, current) {
  if (!current.totals.has(metric)) {
    return "not available";
  }
  const before = previous?.totals.get(metric);
  const seconds = previous === null ? 0 : (current.at - previous.at) / 1000;
  const delta = current.totals.get(metric) - before;
  // A counter that went down is a daemon restart: measure again from here.
  if (before === undefined || seconds <= 0 || delta < 0) {
    return "measuring…";
  }
  return `${(delta / seconds).toFixed(1)}/s`;
}

async function fetchRates() {
  const response = await fetch("/metrics", { credentials: "omit", cache: "no-store" });
  if (response.status === 404) {
    throw new NotAvailable("/metrics");
  }
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
  const metrics = RATES.map(({ metric }) => metric);
  const previous = counters;
  counters = { at: performance.now(), totals: sumCounters(await response.text(), metrics) };
  return RATES.map(({ label, metric }) => ({ label, rate: rate(metric, previous, counters) }));
}

// ---- the other panels -----------------------------------------------------------------

// The keys of the first items, for endpoints still being built: shown, never interpreted.
function genericColumns(items) {
  const keys = [...new Set(items.slice(0, SHOWN).flatMap((item) => Object.keys(item ?? {})))];
  return keys.slice(0, GENERIC_COLUMNS).map((key) => column(key, (item) => item?.[key]));
}

function genericView(items) {
  return listView(genericColumns(items), items);
}

function genericPanel(id, load) {
  return { id, fetch: load, render: genericView };
}

async function fetchFirstPage(path, limit = SESSIONS_SHOWN) {
  const body = await getJson(`${path}?limit=${limit}`);
  return { items: itemsOf(body), more: body?.next_after !== null && body?.next_after !== undefined };
}

const SESSION_COLUMNS = [
  column("Username", (s) => s.username),
  column("Account", (s) => s.account_id),
  column("NAS", (s) => s.nas),
  column("Address", (s) => s.framed_ip),
  column("Started", (s) => s.started_at),
  column("In (bytes)", (s) => s.input_octets),
  column("Out (bytes)", (s) => s.output_octets),
  column("Last CoA", (s) => s.last_coa),
];

const EVENT_COLUMNS = [
  column("When", (e) => e.at),
  column("Who", (e) => e.actor),
  column("Action", (e) => e.action),
  column("Kind", (e) => e.kind),
  column("Id", (e) => e.object_id),
  column("Name", (e) => e.after?.name ?? e.before?.name ?? e.after?.username),
];

const DELIVERY_COLUMNS = [
  column("Id", (d) => d.id),
  column("Trigger", (d) => d.trigger_id),
  column("Event", (d) => d.event),
  column("Status", (d) => d.status),
  column("Attempts", (d) => d.attempts),
  column("Last HTTP status", (d) => d.last_status_code),
  column("Next attempt", (d) => d.next_attempt_at),
];

const PANELS = [
  {
    id: "devices",
    fetch: fetchDevices,
    render: (devices) => listView(DEVICE_COLUMNS, devices),
  },
  {
    id: "rates",
    fetch: fetchRates,
    render: (rates) => listView([column("", (r) => r.label), column("Rate", (r) => r.rate)], rates),
  },
  genericPanel("coa-held", async () => itemsOf(await getJson("/api/v1/coa/held"))),
  {
    id: "sessions",
    fetch: () => fetchFirstPage("/api/v1/sessions"),
    render: ({ items, more }) =>
      listView(SESSION_COLUMNS, items, more ? `the first ${SESSIONS_SHOWN} shown` : ""),
  },
  genericPanel("scheduled-events", async () =>
    itemsOf(await getJson(`/api/v1/scheduled-events?limit=${SESSIONS_SHOWN}`)),
  ),
  genericPanel("vacations", async () =>
    itemsOf(await getJson(`/api/v1/vacations?limit=${SESSIONS_SHOWN}`)),
  ),
  {
    id: "trigger-deliveries",
    fetch: () => tail("/api/v1/trigger-deliveries"),
    render: (deliveries) => listView(DELIVERY_COLUMNS, deliveries),
  },
  {
    id: "events",
    fetch: () => tail("/api/v1/events"),
    render: (events) => listView(EVENT_COLUMNS, events),
  },
];

// ---- refreshing -----------------------------------------------------------------------

async function fetchPanel(panel) {
  try {
    return { value: await panel.fetch() };
  } catch (error) {
    if (error instanceof Unauthorized) {
      throw error;
    }
    if (error instanceof NotAvailable) {
      return { note: "not available" };
    }
    return { note: `error: ${error.message}` };
  }
}

function show(id, view) {
  const section = byId(id);
  section.querySelector(".note").textContent = view.note ?? "";
  const content = section.querySelector(".content");
  content.replaceChildren(...(view.node ? [view.node] : []));
}

async function refreshPanel(panel, started) {
  const result = await fetchPanel(panel);
  if (started !== round) {
    return;
  }
  const key = JSON.stringify(result);
  if (shown.get(panel.id) === key) {
    return;
  }
  shown.set(panel.id, key);
  show(panel.id, "value" in result ? panel.render(result.value) : result);
}

async function refresh() {
  const started = round;
  const results = await Promise.allSettled(PANELS.map((panel) => refreshPanel(panel, started)));
  if (started !== round) {
    return;
  }
  const rejected = results.find((result) => result.status === "rejected");
  if (rejected === undefined) {
    setStatus(`updated ${new Date().toLocaleTimeString()}`);
    return;
  }
  failed(rejected.reason);
}

function failed(error) {
  if (error instanceof Unauthorized) {
    logout("The token was refused. Enter a valid token.");
    return;
  }
  setStatus(`refresh failed: ${error.message}`);
}

function loop(started) {
  timer = setTimeout(async () => {
    await refresh();
    if (started === round) {
      loop(started);
    }
  }, REFRESH_MS);
}

function forget() {
  token = null;
  round += 1;
  clearTimeout(timer);
  timer = null;
  counters = null;
  tails.clear();
  shown.clear();
}

// ---- logging in and out ---------------------------------------------------------------

function showLogin(visible) {
  byId("login").hidden = !visible;
  byId("panels").hidden = visible;
  byId("logout").hidden = visible;
}

function logout(message) {
  forget();
  for (const panel of PANELS) {
    show(panel.id, {}); // nothing read with the old token stays on screen
  }
  setStatus("");
  setNotice("");
  showLogin(true);
  byId("login-error").textContent = message;
  byId("token").focus();
}

async function login(event) {
  event.preventDefault();
  const input = byId("token");
  const entered = input.value.trim();
  input.value = "";
  if (entered === "") {
    return;
  }
  forget();
  token = entered;
  byId("login-error").textContent = "";
  showLogin(false);
  setStatus("loading…");
  const started = round;
  await refresh();
  if (started === round) {
    loop(started);
  }
}

function start() {
  byId("login").addEventListener("submit", login);
  byId("logout").addEventListener("click", () => logout(""));
  byId("token").focus();
}

start();
