// The provisiond dashboard: RADIUS and CoA panels (docs/dashboard.md): request rates from
// /metrics, the live sessions with a Disconnect each, and the Disconnects the breaker holds.
"use strict";

import { failure, firstPage, getJson, itemsOf, NotAvailable } from "./api.js";
import {
  act,
  asText,
  column,
  confirmButton,
  describeFailure,
  element,
  listView,
  table,
} from "./view.js";

const SESSIONS_SHOWN = 100;
const ACCEPTED = 202;
const NOT_FOUND = 404;
const RATES = Object.freeze([
  { label: "RADIUS requests", metric: "provisiond_radius_requests_total" },
  { label: "CoA requests", metric: "provisiond_coa_requests_total" },
]);
const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

// ---- rates ----------------------------------------------------------------------------

let counters = null; // the previous /metrics sample, for rates as deltas

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

export const ratesPanel = {
  id: "rates",
  fetch: fetchRates,
  render: (rates) => listView([column("", (r) => r.label), column("Rate", (r) => r.rate)], rates),
  reset: () => {
    counters = null;
  },
};

// ---- live sessions --------------------------------------------------------------------

// Decimal units, as the rates are; the exact count is the cell's tooltip.
function bytes(count) {
  if (!Number.isFinite(count)) {
    return asText(count);
  }
  const unit = Math.min(Math.floor(Math.log10(Math.max(count, 1)) / 3), BYTE_UNITS.length - 1);
  const scaled = (count / 1000 ** unit).toFixed(unit === 0 ? 0 : 1);
  const node = element("span", `${scaled} ${BYTE_UNITS[unit]}`);
  node.title = `${count} bytes`;
  return node;
}

function addresses(session) {
  const known = [session.framed_ip, session.framed_ipv6_prefix, session.delegated_ipv6_prefix];
  return known.filter((address) => typeof address === "string" && address !== "").join(", ");
}

function lastCoa(session) {
  const outcome = session.last_coa;
  if (outcome === null || typeof outcome !== "object") {
    return null;
  }
  const code = outcome.error_cause;
  const cause = Number.isInteger(code) ? ` (Error-Cause ${code})` : "";
  return `${asText(outcome.result)}${cause} at ${asText(outcome.at)}`;
}

function disconnectMessage(who, status, body) {
  if (status === ACCEPTED) {
    return `Disconnect of ${who} queued`;
  }
  if (status === NOT_FOUND) {
    return `${who} is no longer open`;
  }
  return describeFailure(`disconnecting ${who}`, status, body);
}

function disconnectButton(session) {
  const who = `${asText(session.username)} (session ${asText(session.id)})`;
  const disconnect = (node) =>
    act(node, {
      path: `/api/v1/sessions/${encodeURIComponent(session.id)}/disconnect`,
      what: `disconnecting ${who}`,
      expect: ACCEPTED,
      describe: (status, body) => disconnectMessage(who, status, body),
    });
  return confirmButton("Disconnect", "Confirm disconnect", "disconnect", disconnect);
}

const SESSION_COLUMNS = [
  column("Username", (s) => s.username),
  column("Account", (s) => s.account_id),
  column("NAS", (s) => s.nas),
  column("Address", addresses),
  column("Started", (s) => s.started_at),
  // Named for the subscriber: the NAS counts what it receives from them as input.
  column("Download", (s) => bytes(s.output_octets)),
  column("Upload", (s) => bytes(s.input_octets)),
  column("Last CoA", lastCoa),
  column("", disconnectButton),
];

export const sessionsPanel = {
  id: "sessions",
  fetch: () => firstPage("/api/v1/sessions", SESSIONS_SHOWN),
  render: ({ items, more }) =>
    listView(SESSION_COLUMNS, items, more ? `the first ${SESSIONS_SHOWN} shown` : ""),
};

// ---- held Disconnects -----------------------------------------------------------------

const HELD_COLUMNS = [
  column("Session", (h) => h.session_id),
  column("Username", (h) => h.username),
  column("Account", (h) => h.account_id),
  column("NAS", (h) => h.nas),
  column("Held since", (h) => h.queued_at),
  column("Reasons", (h) => (Array.isArray(h.reasons) ? h.reasons.join(", ") : h.reasons)),
];

function releaseMessage(status, body) {
  if (status === 200) {
    return `released ${asText(body?.released)} held Disconnects`;
  }
  return `approving held Disconnects failed: ${failure(status, body)}`;
}

// Approval releases every held Disconnect, including any held since this list was read:
// the breaker has no id for "the ones shown", so the panel says how many it showed.
function approveHeldButton() {
  const approve = (node) =>
    act(node, {
      path: "/api/v1/coa/approve",
      what: "approving held Disconnects",
      expect: 200,
      describe: releaseMessage,
    });
  return confirmButton("Approve held disconnects", "Confirm: send them all", "approve", approve);
}

function heldView(held) {
  if (held.length === 0) {
    return { note: "none" };
  }
  const wrap = element("div");
  const actions = element("p");
  actions.append(approveHeldButton());
  wrap.append(actions, table(HELD_COLUMNS, held));
  return { node: wrap, note: `${held.length} held for approval` };
}

export const heldPanel = {
  id: "coa-held",
  fetch: async () => itemsOf(await getJson("/api/v1/coa/held")),
  render: heldView,
};
