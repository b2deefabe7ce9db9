// vertcd web console: talks to the member that serves it through etcd's JSON gateway (POST /v3/...) and the
// WebSocket watch (/v3/watch). Keys and values are bytes: base64 on the wire, shown as UTF-8 text when they are,
// with \xNN escapes otherwise; everything reaches the page through textContent, never as HTML.

const DISPLAY_MAX = 200;      // characters of a key or value shown before "show all"
const MAX_EVENTS = 500;       // watch events kept on screen; older ones are removed
const MEMBERS_EVERY_MS = 5000;
const PEER_STATUS_TIMEOUT_MS = 2000;

let token = null;             // auth token from /v3/auth/authenticate, kept in memory only

const $ = (id) => document.getElementById(id);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function message(text, ok) {
  const m = $("message");
  m.textContent = text;
  m.className = ok ? "ok" : "error";
}

// ---- bytes ----

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(b64) {
  if (!b64) return new Uint8Array(0);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const hex = (b) => "\\x" + b.toString(16).padStart(2, "0");

/** Bytes as readable text: UTF-8 if they are, control characters and other bytes as \xNN. */
function printable(bytes) {
  let text;
  try {
    text = strictUtf8.decode(bytes);
  } catch (e) {
    text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : hex(b))).join("");
    return text;
  }
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => hex(c.charCodeAt(0)));
}

/** A cell showing bytes, truncated to DISPLAY_MAX characters with a button that shows all. */
function bytesCell(bytes) {
  const td = document.createElement("td");
  td.className = "bytes";
  const text = printable(bytes);
  if (text.length <= DISPLAY_MAX) {
    td.textContent = text;
    return td;
  }
  const span = document.createElement("span");
  span.textContent = text.slice(0, DISPLAY_MAX) + "…";
  const more = document.createElement("button");
  more.type = "button";
  more.className = "more";
  more.textContent = "show all (" + bytes.length + " bytes)";
  more.addEventListener("click", () => {
    span.textContent = text;
    more.remove();
  });
  td.append(span, more);
  return td;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

/** The end of a prefix range (etcd clientv3 GetPrefixRangeEnd); [0] (all keys) for the empty prefix. */
function prefixEnd(prefix) {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0);
}

/** The first key of a prefix range: the prefix, or [0] for all keys (a range cannot start at the empty key). */
const rangeStart = (prefix) => (prefix.length ? prefix : Uint8Array.of(0));

// ---- gateway ----

async function api(path, body, base) {
  const headers = { "Content-Type": "application/json" };
  if (token && !base) headers.Authorization = token;
  const init = { method: "POST", headers, body: JSON.stringify(body) };
  if (base) init.signal = AbortSignal.timeout(PEER_STATUS_TIMEOUT_MS);
  const response = await fetch((base || "") + path, init);
  let json;
  try {
    json = await response.json();
  } catch (e) {
    throw new Error(path + ": HTTP " + response.status);
  }
  if (!response.ok) {
    throw new Error(json.message || json.error || "HTTP " + response.status);
  }
  return json;
}

// ---- login ----

async function login(event) {
  event.preventDefault();
  const name = $("login-user").value;
  try {
    const r = await api("/v3/auth/authenticate", { name, password: $("login-password").value });
    token = r.token;
    $("login-password").value = "";
    $("login-state").textContent = "logged in as " + name;
    $("logout-button").hidden = false;
    message("logged in as " + name, true);
  } catch (e) {
    message("login failed: " + e.message, false);
  }
}

function logout() {
  token = null;
  $("login-state").textContent = "not logged in";
  $("logout-button").hidden = true;
  message("logged out", true);
}

// ---- members ----

async function refreshMembers() {
  let list, local;
  try {
    [list, local] = await Promise.all([api("/v3/cluster/member/list", {}), api("/v3/maintenance/status", {})]);
  } catch (e) {
    message("members: " + e.message, false);
    return;
  }
  const localId = local.header.member_id;
  const rows = (list.members || []).map((m) => {
    const tr = document.createElement("tr");
    tr.dataset.memberId = m.ID;
    tr.append(cell(m.name || "(not started)"), cell(BigInt(m.ID).toString(16)), cell((m.clientURLs || []).join(", ")));
    const role = m.isLearner ? "learner" : m.ID === local.leader ? "leader" : "follower";
    const statusCells = (s, state) => [
      cell(state, state === "up" ? "" : "down"),
      cell(role, role === "leader" ? "leader" : ""),
      cell(s ? s.raftTerm : ""), cell(s ? s.raftIndex : ""), cell(s ? s.dbSize : ""), cell(s ? s.version : ""),
    ];
    if (m.ID === localId) {
      tr.append(...statusCells(local, "up"));
    } else {
      tr.append(...statusCells(null, "…"));
      peerStatus(m).then((s) => tr.replaceChildren(...Array.from(tr.children).slice(0, 3), ...statusCells(s, s ? "up" : "unreachable from this page")));
    }
    return tr;
  });
  $("members-body").replaceChildren(...rows);
}

/** A member's Status through its own client URLs (needs the browser to reach it), or null. */
async function peerStatus(member) {
  for (const url of member.clientURLs || []) {
    try {
      return await api("/v3/maintenance/status", {}, url.replace(/\/$/, ""));
    } catch (e) {
      // next URL
    }
  }
  return null;
}

// ---- key browser ----

const browse = { prefix: new Uint8Array(0), end: Uint8Array.of(0), pageStart: null, next: null, page: 0 };

async function browseFirst(event) {
  if (event) event.preventDefault();
  browse.prefix = utf8.encode($("browse-prefix").value);
  browse.end = prefixEnd(browse.prefix);
  browse.page = 1;
  await loadPage(rangeStart(browse.prefix));
}

async function loadPage(start) {
  const limit = Number($("browse-limit").value);
  let r;
  try {
    r = await api("/v3/kv/range", { key: toBase64(start), range_end: toBase64(browse.end), limit });
  } catch (e) {
    message("range: " + e.message, false);
    return;
  }
  browse.pageStart = start;
  const kvs = r.kvs || [];
  $("keys-body").replaceChildren(...kvs.map(keyRow));
  if (r.more && kvs.length) {
    const last = fromBase64(kvs[kvs.length - 1].key);
    browse.next = new Uint8Array(last.length + 1);
    browse.next.set(last); // the smallest key after the last one shown: last + \x00
  } else {
    browse.next = null;
  }
  $("browse-next").disabled = browse.next === null;
  $("browse-state").textContent = "page " + browse.page + ", " + kvs.length + " of " + (r.count || 0)
    + " keys at revision " + r.header.revision;
}

function keyRow(kv) {
  const key = fromBase64(kv.key);
  const tr = document.createElement("tr");
  const del = document.createElement("button");
  del.type = "button";
  del.textContent = "delete";
  del.addEventListener("click", () => deleteKey(key));
  const actions = document.createElement("td");
  actions.append(del);
  tr.append(bytesCell(key), bytesCell(fromBase64(kv.value)), cell(kv.mod_revision), cell(kv.version), actions);
  return tr;
}

async function nextPage() {
  if (!browse.next) return;
  browse.page++;
  await loadPage(browse.next);
}

const reloadPage = () => (browse.pageStart ? loadPage(browse.pageStart) : Promise.resolve());

async function put(event) {
  event.preventDefault();
  const key = $("put-key").value;
  if (!key) {
    message("put: the key is empty", false);
    return;
  }
  try {
    const r = await api("/v3/kv/put", { key: toBase64(utf8.encode(key)), value: toBase64(utf8.encode($("put-value").value)) });
    message("put " + key + " at revision " + r.header.revision, true);
  } catch (e) {
    message("put: " + e.message, false);
    return;
  }
  await reloadPage();
}

async function deleteKey(key) {
  try {
    const r = await api("/v3/kv/deleterange", { key: toBase64(key) });
    message("deleted " + (r.deleted || 0) + " key(s) at revision " + r.header.revision, true);
  } catch (e) {
    message("delete: " + e.message, false);
    return;
  }
  await reloadPage();
}

function deleteTyped() {
  const key = $("put-key").value;
  if (!key) {
    message("delete: the key is empty", false);
    return;
  }
  deleteKey(utf8.encode(key));
}

// ---- live watch ----

const watch = { socket: null, pending: [], frame: 0, received: 0 };

function startWatch(event) {
  event.preventDefault();
  stopWatch();
  const prefixText = $("watch-prefix").value;
  const prefix = utf8.encode(prefixText);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const socket = new WebSocket(scheme + "//" + location.host + "/v3/watch" + query);
  watch.socket = socket;
  watch.received = 0;
  $("watch-events").replaceChildren();
  $("watch-state").textContent = "connecting";
  $("watch-start").disabled = true;
  $("watch-stop").disabled = false;
  socket.onopen = () => socket.send(JSON.stringify({
    create_request: { key: toBase64(rangeStart(prefix)), range_end: toBase64(prefixEnd(prefix)) },
  }));
  socket.onmessage = (m) => {
    const frame = JSON.parse(m.data);
    if (frame.error) {
      $("watch-state").textContent = "error: " + frame.error.message;
      return;
    }
    const r = frame.result;
    if (r.created) {
      $("watch-state").textContent = "watching \"" + prefixText + "\" from revision " + r.header.revision;
    }
    if (r.canceled) {
      $("watch-state").textContent = "canceled: " + (r.cancel_reason || "");
    }
    for (const ev of r.events || []) {
      watch.received++;
      watch.pending.push(ev);
    }
    if (watch.pending.length > MAX_EVENTS) {
      watch.pending.splice(0, watch.pending.length - MAX_EVENTS); // they would scroll off at once
    }
    if (watch.pending.length && !watch.frame) {
      watch.frame = requestAnimationFrame(flushEvents);
    }
  };
  socket.onclose = () => {
    if (watch.socket === socket) {
      $("watch-state").textContent = "closed";
      $("watch-start").disabled = false;
      $("watch-stop").disabled = true;
      watch.socket = null;
    }
  };
}

/** Appends the events received since the last frame, newest first, keeping at most MAX_EVENTS on screen. */
function flushEvents() {
  watch.frame = 0;
  const list = $("watch-events");
  const fragment = document.createDocumentFragment();
  for (let i = watch.pending.length - 1; i >= 0; i--) {
    const ev = watch.pending[i];
    const type = ev.type || "PUT";
    const li = document.createElement("li");
    li.className = type;
    const value = type === "PUT" ? " = " + printable(fromBase64(ev.kv.value)).slice(0, DISPLAY_MAX) : "";
    li.textContent = type + " " + printable(fromBase64(ev.kv.key)).slice(0, DISPLAY_MAX) + value
      + " (revision " + ev.kv.mod_revision + ")";
    fragment.append(li);
  }
  watch.pending = [];
  list.prepend(fragment);
  while (list.childElementCount > MAX_EVENTS) {
    list.lastElementChild.remove();
  }
  list.dataset.received = String(watch.received);
}

function stopWatch() {
  const socket = watch.socket;
  watch.socket = null;
  if (socket) socket.close();
  $("watch-state").textContent = "not watching";
  $("watch-start").disabled = false;
  $("watch-stop").disabled = true;
}

// ---- wiring ----

$("login-form").addEventListener("submit", login);
$("logout-button").addEventListener("click", logout);
$("members-refresh").addEventListener("click", refreshMembers);
$("browse-form").addEventListener("submit", browseFirst);
$("browse-next").addEventListener("click", nextPage);
$("put-form").addEventListener("submit", put);
$("delete-button").addEventListener("click", deleteTyped);
$("watch-form").addEventListener("submit", startWatch);
$("watch-stop").addEventListener("click", stopWatch);
refreshMembers();
setInterval(refreshMembers, MEMBERS_EVERY_MS);
