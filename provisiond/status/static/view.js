// The provisiond dashboard: building the page, and the buttons that act (docs/dashboard.md).
//
// Account names, usernames and error texts come from billing systems and from devices,
// not from us: data reaches the page only through textContent / text nodes, never as
// markup. Class names come from fixed lists, never from data.
"use strict";

import { call, failure, Unauthorized } from "./api.js";

const CONFIRM_MS = 5000; // how long a destructive button stays armed for its second click
const FORBIDDEN = 403;

export function byId(id) {
  return document.getElementById(id);
}

export function element(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export function asText(value) {
  if (value === null || value === undefined || value === "") {
    return "—";
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function column(label, value) {
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

export function table(columns, rows) {
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

export function listView(columns, rows, note = "") {
  if (rows.length === 0) {
    return { note: "none" };
  }
  return { node: table(columns, rows), note };
}

export function setStatus(text) {
  byId("status").textContent = text;
}

// The outcome of the last action: it stays while the panels refresh around it.
export function setNotice(text) {
  byId("notice").textContent = text;
}

// ---- actions --------------------------------------------------------------------------

// What runs after every action: the page refreshes to show its effect, or, for a token
// refused meanwhile, logs out. The entry module (dashboard.js) sets it.
let settle = async () => {};

export function afterActions(callback) {
  settle = callback;
}

function outcomeOf(status, body, action) {
  if (status === FORBIDDEN) {
    const message = `this token may only read: ${action.what} needs an admin token`;
    return { done: false, message };
  }
  return { done: status === action.expect, message: action.describe(status, body) };
}

// POST `action.path` (with `action.body`, if any) from `button`. The button stays off
// while the request runs (no double POST) and after it succeeded; the outcome goes to
// the notice line. `describe(status, body)` words the answer; `expect` is the success.
export async function act(button, action) {
  button.disabled = true;
  let outcome;
  try {
    const body = action.body === undefined ? undefined : JSON.stringify(action.body);
    const answer = await call(action.path, { method: "POST", body });
    outcome = outcomeOf(answer.status, answer.body, action);
  } catch (error) {
    if (error instanceof Unauthorized) {
      await settle(error);
      return;
    }
    outcome = { done: false, message: `${action.what} failed: ${error.message}` };
  }
  setNotice(outcome.message);
  button.disabled = outcome.done;
  await settle(null);
}

export function describeFailure(what, status, body) {
  return `${what} failed: ${failure(status, body)}`;
}

export function button(label, className, onClick) {
  const node = element("button", label);
  node.type = "button";
  node.className = className;
  node.addEventListener("click", () => onClick(node));
  return node;
}

// A button for what cannot be undone: the first click arms it (its label becomes the
// question), a second click within CONFIRM_MS acts, and otherwise it disarms itself.
// No confirm() dialog: a page that opens none is easier to check for injected script.
export function confirmButton(label, question, className, onConfirm) {
  let armed = null;
  const disarm = (node) => {
    clearTimeout(armed);
    armed = null;
    node.textContent = label;
    node.classList.remove("armed");
  };
  return button(label, className, (node) => {
    if (armed === null) {
      node.textContent = question;
      node.classList.add("armed");
      armed = setTimeout(() => disarm(node), CONFIRM_MS);
      return;
    }
    disarm(node);
    onConfirm(node);
  });
}
