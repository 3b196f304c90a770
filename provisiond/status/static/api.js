// The provisiond dashboard: talking to the API (docs/dashboard.md).
//
// The bearer token lives in the `token` variable of this module only: no cookie, no Web
// Storage. Requests send it as a header and omit every ambient credential.
"use strict";

const PAGE_LIMIT = 1000; // the API's largest page (DESIGN.md §7)
const TAIL_PAGES = 5; // pages of a long log read per refresh while catching up to its end
export const SHOWN = 20; // rows kept of each log

let token = null;
const tails = new Map(); // log path -> {after, items}: where reading stopped, what is kept

export class Unauthorized extends Error {}
export class NotAvailable extends Error {}

export function useToken(value) {
  token = value;
}

// Everything read with the old token goes too: the logs are read again from the start.
export function forgetToken() {
  token = null;
  tails.clear();
}

async function jsonOf(response) {
  const type = response.headers.get("Content-Type") ?? "";
  return type.startsWith("application/json") ? response.json() : null;
}

export async function call(path, options = {}) {
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

export function failure(status, body) {
  return body?.error?.message ?? `HTTP ${status}`;
}

// A 404 is how an endpoint that is not built yet answers: the panel says "not available".
export async function getJson(path) {
  const { status, body } = await call(path);
  if (status === 404) {
    throw new NotAvailable(path);
  }
  if (status !== 200) {
    throw new Error(failure(status, body));
  }
  return body;
}

export function itemsOf(body) {
  return Array.isArray(body) ? body : (body?.items ?? []);
}

// The first page of a list, and whether there is more than it shows.
export async function firstPage(path, limit) {
  const body = await getJson(`${path}?limit=${limit}`);
  const more = body?.next_after !== null && body?.next_after !== undefined;
  return { items: itemsOf(body), more };
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
// The newest `SHOWN` entries come back, newest first.
export async function tail(path) {
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
