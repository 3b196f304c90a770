// The provisiond dashboard: every panel, in page order (docs/dashboard.md).
//
// A panel is `{id, fetch, render, reset?}`: `fetch` reads what it shows, `render` turns
// that into `{node, note}` for its <section id=…>, `reset` forgets what a logout must.
"use strict";

import { getJson, itemsOf, NotAvailable, SHOWN, tail } from "./api.js";
import { heldPanel, ratesPanel, sessionsPanel } from "./radius.js";
import { act, asText, button, column, describeFailure, element, listView } from "./view.js";

const UPCOMING_SHOWN = 100;
const GENERIC_COLUMNS = 8; // of an endpoint whose item shape this page does not know
const DEVICE_STATES = new Set(["in_sync", "syncing", "unreachable", "held", "error"]);

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
  if (status === 409) {
    return `the plan of ${name} changed or is no longer held: review it again`;
  }
  return describeFailure(`approving ${name}`, status, body);
}

// The plan id is the one this page showed: if the plan moved on since, the server refuses
// (409) rather than approve removals nobody has seen.
function approveButton(device) {
  const { name } = device;
  const approve = (node) =>
    act(node, {
      path: `/api/v1/devices/${encodeURIComponent(name)}/approve`,
      body: { plan_id: device.plan.plan_id },
      what: `approving ${name}`,
      expect: 200,
      describe: (status, body) => approvalMessage(name, status, body),
    });
  return button("Approve", "approve", approve);
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

// ---- logs and lists -------------------------------------------------------------------

// The keys of the first items, for endpoints still being built: shown, never interpreted.
function genericColumns(items) {
  const keys = [...new Set(items.slice(0, SHOWN).flatMap((item) => Object.keys(item ?? {})))];
  return keys.slice(0, GENERIC_COLUMNS).map((key) => column(key, (item) => item?.[key]));
}

function genericPanel(id, path) {
  return {
    id,
    fetch: async () => itemsOf(await getJson(`${path}?limit=${UPCOMING_SHOWN}`)),
    render: (items) => listView(genericColumns(items), items),
  };
}

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

export const PANELS = Object.freeze([
  {
    id: "devices",
    fetch: fetchDevices,
    render: (devices) => listView(DEVICE_COLUMNS, devices),
  },
  heldPanel,
  sessionsPanel,
  ratesPanel,
  genericPanel("scheduled-events", "/api/v1/scheduled-events"),
  genericPanel("vacations", "/api/v1/vacations"),
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
]);
