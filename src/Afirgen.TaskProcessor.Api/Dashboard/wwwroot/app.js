// The AFIRGen task processor's dashboard: plain JavaScript over the processor's own API, no build step.
// Every view refreshes itself once a second while it is shown; nothing needs a reload.
"use strict";

const views = ["overview", "tasks", "dead-letters", "schedules"];
const state = { view: "overview", selectedTask: null, busy: false, queues: [], taskState: "" };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// In Azure the API answers only with a function key, and a local host with an API key only with that. Opened once
// as /?code=<key>, the page keeps the key for this tab (sessionStorage, so a reload keeps working and other tabs
// and sites never see it), takes it out of the address bar (bookmarks, screenshots and history then hold no key)
// and sends it as x-functions-key with every API request. A local host without a key ignores it, so opened as
// plain / the page simply sends none.
const KEY_STORAGE = "afirgen-tasks.functions-key";
const functionKey = (() => {
  const url = new URL(location.href);
  const code = url.searchParams.get("code");
  let stored = null;
  try {
    if (code) sessionStorage.setItem(KEY_STORAGE, code);
    stored = sessionStorage.getItem(KEY_STORAGE);
  } catch (error) {
    stored = code; // storage disabled: keep the key for this page only
  }
  if (code) {
    url.searchParams.delete("code");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return stored;
})();

async function api(path, options) {
  const headers = Object.assign({ "Accept": "application/json" }, options && options.headers);
  if (functionKey) headers["x-functions-key"] = functionKey;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (error) {
    body = null; // not JSON (a proxy's or the host's own error page): the status says enough
  }
  if (!response.ok) {
    const refused = response.status === 401 || (response.status === 403 && !(body && body.detail));
    const detail = refused
      ? `the API refused the request (${response.status}): open this page as /?code=<key> (a local host's TaskProcessor:LocalHost:ApiKey; in Azure a function key, az functionapp keys list), or sign in first if Entra ID is in front of it`
      : body && (body.detail || body.title) || response.statusText;
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return body;
}

function post(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
}

function setStatus(text, down) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("down", !!down);
}

function time(value) {
  if (value === null || value === undefined) return "";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return date.toLocaleTimeString([], { hour12: false });
}

function dateTime(value) {
  return value ? new Date(value).toLocaleString([], { hour12: false }) : "";
}

function stateCell(value) {
  const css = value && value.startsWith("lost") ? "lost" : value;
  return el("td", { class: "state state-" + css }, value);
}

function fill(tbody, rows, emptyText, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: String(columns), class: "muted" }, emptyText))]));
}

// ---- overview ----------------------------------------------------------------------------------

async function refreshOverview() {
  const [overview, throughput] = await Promise.all([api("/api/monitor/overview"), api("/api/monitor/throughput?minutes=15")]);
  state.queues = overview.queues.map(q => q.name);
  // A queue's row (its totals), then on Service Bus a row per lane, indented: broker queue, priority band, its figures.
  fill(document.querySelector("#queues-table tbody"), overview.queues.flatMap(q => [el("tr", { "data-queue": q.name },
    el("td", {}, q.name), el("td", { class: "num" }, q.defaultPriority), el("td", { class: "num" }, q.waiting),
    el("td", { class: "num" }, q.scheduled),
    el("td", { class: "num in-flight", "data-running": q.running, "data-held": q.held }, q.inFlight, el("div", { class: "sub" }, `${q.running} running · ${q.held} held`)),
    el("td", { class: "num" }, q.deadLettered),
    el("td", {}, q.consumers.length ? q.consumers.join(", ") : "none")),
    ...(q.lanes || []).map(l => el("tr", { class: "lane", "data-lane": l.name, "data-lane-of": q.name },
      el("td", {}, `${l.name} (${l.lane})`), el("td", { class: "num" }, `${l.minPriority}–${l.maxPriority}`), el("td", { class: "num" }, l.waiting),
      el("td", { class: "num" }, l.scheduled), el("td", { class: "num" }, l.inFlight), el("td", { class: "num" }, l.deadLettered), el("td", {})))]),
    "no queues", 7);

  const workers = document.getElementById("workers");
  workers.replaceChildren(...(overview.workers.length ? overview.workers.map(w => el("div", { class: "card", "data-worker": w.name },
    el("h3", {}, w.name),
    el("div", { class: "muted" }, `pid ${w.pid} · v${w.version} · concurrency ${w.concurrency} · prefetch ${w.prefetchCount}`),
    el("div", {}, `queues: ${w.queues.join(", ")}`),
    el("div", {}, `received ${w.received} · succeeded ${w.succeeded} · failed ${w.failed} · retried ${w.retried}`),
    el("div", { class: "muted" }, `running ${w.active.length} · held (prefetched, not started) ${w.reserved}`),
    w.active.length
      ? el("ul", {}, w.active.map(t => el("li", {}, `${t.name} `, el("code", {}, t.id.slice(0, 8)), ` since ${time(t.startedAt)} (${t.queue}, p${t.priority})`)))
      : el("div", { class: "muted" }, "idle"))) : [el("p", { class: "muted" }, "No worker has sent a heartbeat recently.")]));

  const lost = document.getElementById("lost");
  lost.replaceChildren(...(overview.lost.length ? [el("h2", {}, "Lost, awaiting redelivery"),
    el("ul", {}, overview.lost.map(l => el("li", {}, `${l.task.name} `, el("code", {}, l.task.id), ` on ${l.worker}: redelivered by ${time(l.task.redeliveryBy)}`)))] : []));

  drawChart(throughput.buckets);
}

function drawChart(buckets) {
  const chart = document.getElementById("chart");
  const width = 600, height = 140, pad = 18;
  const max = Math.max(1, ...buckets.map(b => b.succeeded + b.failed));
  const barWidth = (width - pad) / Math.max(1, buckets.length);
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const rect = (x, y, w, h, color) => {
    const r = document.createElementNS(svgNs, "rect");
    r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", w); r.setAttribute("height", h); r.setAttribute("fill", color);
    svg.append(r);
  };
  const label = (x, y, text) => {
    const t = document.createElementNS(svgNs, "text");
    t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("font-size", "11"); t.setAttribute("fill", "#5b6576");
    t.textContent = text; svg.append(t);
  };
  buckets.forEach((b, i) => {
    const x = pad + i * barWidth;
    const hOk = (b.succeeded / max) * (height - pad);
    const hBad = (b.failed / max) * (height - pad);
    rect(x, height - pad - hOk, Math.max(1, barWidth - 1), hOk, "#1f8a4c");
    rect(x, height - pad - hOk - hBad, Math.max(1, barWidth - 1), hBad, "#c0392b");
  });
  label(0, 11, String(max));
  label(0, height - 4, "0");
  if (buckets.length) label(width - 60, height - 4, time(buckets[buckets.length - 1].start));
  chart.replaceChildren(svg);
  const ok = buckets.reduce((s, b) => s + b.succeeded, 0), bad = buckets.reduce((s, b) => s + b.failed, 0);
  const recent = buckets.slice(-6).reduce((s, b) => s + b.succeeded + b.failed, 0);
  document.getElementById("chart-summary").textContent =
    `${ok} succeeded, ${bad} failed` + (ok + bad ? ` (failure rate ${(100 * bad / (ok + bad)).toFixed(1)} %)` : "") + `; last minute ${(recent / 60).toFixed(1)} tasks/s`;
}

// ---- tasks -------------------------------------------------------------------------------------

async function loadTaskChoices() {
  const [types, queues] = await Promise.all([api("/api/task/types"), api("/api/queues")]);
  const names = types["task-types"];
  const select = document.getElementById("enqueue-name");
  const filter = document.getElementById("filter-name");
  if (!select.options.length) select.append(...names.map(n => el("option", { value: n }, n)));
  if (filter.options.length === 1) filter.append(...names.map(n => el("option", { value: n }, n)));
  for (const id of ["enqueue-queue", "dl-queue"]) {
    const q = document.getElementById(id);
    if (q.options.length === 1) q.append(...queues.map(x => el("option", { value: x.name }, x.name)));
  }
}

// One tab per state the task index holds, with its count; "all" first.
const TASK_STATES = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"];

function drawStateTabs(counts) {
  const tab = (value, label, count) => el("button", {
    type: "button", role: "tab", "data-state": value, "aria-selected": String(state.taskState === value), class: value ? "state-" + value : null,
    onclick: () => { state.taskState = value; refresh(); },
  }, label, el("span", { class: "count" }, count));
  document.getElementById("state-tabs").replaceChildren(tab("", "all", counts.total),
    ...TASK_STATES.map(s => tab(s, s, counts.states[s] ?? 0)));
}

async function refreshTasks() {
  const params = new URLSearchParams({ limit: document.getElementById("filter-limit").value });
  const s = state.taskState, n = document.getElementById("filter-name").value, w = document.getElementById("filter-worker").value.trim();
  if (s) params.set("state", s);
  if (n) params.set("taskname", n);
  if (w) params.set("workername", w);
  const [tasks, counts] = await Promise.all([api("/api/tasks?" + params), api("/api/monitor/task-counts")]);
  drawStateTabs(counts);
  fill(document.querySelector("#tasks-table tbody"), Object.values(tasks).map(t => el("tr", { "data-task-id": t.uuid, onclick: () => openTask(t.uuid) },
    el("td", { class: "id" }, el("code", { title: t.uuid }, t.uuid.length > 13 ? t.uuid.slice(0, 8) + "…" : t.uuid)), el("td", { class: "name" }, t.name || ""), stateCell(t.state), el("td", {}, t.routing_key || ""),
    el("td", { class: "num" }, t.retries ?? ""), el("td", {}, t.worker || ""), el("td", {}, time(t.timestamp)),
    el("td", { class: "num" }, t.runtime === null || t.runtime === undefined ? "" : t.runtime.toFixed(3) + " s"),
    el("td", {}, OPEN_STATES.has(t.state) ? el("button", { type: "button", class: "revoke", onclick: e => { e.stopPropagation(); revoke(t.uuid, t.state === "STARTED"); } }, "revoke") : ""))), "no tasks yet", 9);
  if (state.selectedTask) await showTask(state.selectedTask);
}

// A link that opens another task's detail in place (its parent, root, children or chain links).
function taskLink(id, label) {
  return el("a", { href: "#tasks", class: "task-link", "data-task-link": id, onclick: event => { event.preventDefault(); openTask(id); } },
    el("code", {}, id), label ? ` ${label}` : null);
}

function linkList(items) {
  return items.length ? el("ul", { class: "links" }, items.map(item => el("li", {}, item))) : null;
}

// Opened by a click (a row or a link): brought into view, which on a phone is below the table.
async function openTask(id) {
  try {
    await showTask(id);
    document.getElementById("task-detail").scrollIntoView({ block: "nearest" });
  } catch (error) {
    setStatus("cannot reach the API: " + error.message, true);
  }
}

async function showTask(id) {
  state.selectedTask = id;
  document.getElementById("task-detail").hidden = false;
  document.getElementById("detail-id").textContent = id;
  let info, result;
  try {
    [info, result] = await Promise.all([api("/api/task/info/" + encodeURIComponent(id)), api("/api/task/result/" + encodeURIComponent(id))]);
  } catch (error) {
    if (error.status !== 404) throw error;
    // A chain link that has not been sent yet, or a task whose record has expired.
    document.getElementById("detail-fields").replaceChildren(el("dt", {}, "state"),
      el("dd", {}, "No record of this task yet: a chain link shows here once the task before it has finished; an old task's record expires with its result."));
    document.getElementById("detail-result").textContent = "";
    document.getElementById("detail-actions").hidden = true;
    return;
  }
  const children = info.children || [];
  const chain = info.chain || [];
  const rows = [["state", info.state], ["name", info.name], ["queue", info.queue], ["priority", info.priority], ["worker", info.worker],
    ["retries", info.retries], ["deliveries", info.delivery_count], ["sent", time(info.sent)], ["received", time(info.received)],
    ["started", time(info.started)], ["retried", time(info.retried)], ["succeeded", time(info.succeeded)], ["failed", time(info.failed)],
    ["revoked", time(info.revoked)], ["eta", info.eta], ["expires", info.expires], ["runtime", info.runtime === null ? "" : info.runtime + " s"],
    ["exception", info.exception], ["reason", info.reason],
    ["parent", info.parent_id ? taskLink(info.parent_id) : null],
    ["root", info.root_id && info.root_id !== id ? taskLink(info.root_id) : null],
    ["children", linkList(children.map(c => taskLink(c)))],
    ["chain", linkList(chain.map((link, i) => taskLink(link["task-id"], `${link.name}` + (i === 0 ? " (next)" : ""))))]];
  document.getElementById("detail-fields").replaceChildren(...rows.filter(r => r[1] !== null && r[1] !== undefined && r[1] !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v instanceof Node ? v : String(v))]));
  const shown = result.state === "FAILURE" ? `${result.result}\n\n${result.traceback || ""}` : JSON.stringify(result.result === undefined ? null : result.result, null, 2);
  document.getElementById("detail-result").textContent = shown;
  document.getElementById("detail-actions").hidden = !OPEN_STATES.has(info.state);
}

// States a revoke still changes: queued, waiting for a retry, or running (then it is stopped too).
const OPEN_STATES = new Set(["PENDING", "RECEIVED", "STARTED", "RETRY"]);

async function revoke(id, terminate) {
  const out = document.getElementById("detail-revoke-result");
  try {
    const answer = await post("/api/tasks/" + encodeURIComponent(id) + "/revoke", { terminate });
    out.textContent = answer.message;
  } catch (error) {
    out.textContent = "Not revoked: " + error.message;
  }
  await refreshTasks();
}

async function enqueue(event) {
  event.preventDefault();
  const out = document.getElementById("enqueue-result");
  try {
    const body = { name: document.getElementById("enqueue-name").value, kwargs: JSON.parse(document.getElementById("enqueue-kwargs").value || "{}") };
    const queue = document.getElementById("enqueue-queue").value, priority = document.getElementById("enqueue-priority").value, countdown = document.getElementById("enqueue-countdown").value;
    if (queue) body.queue = queue;
    if (priority) body.priority = Number(priority);
    if (countdown) body.countdown = Number(countdown);
    const answer = await post("/api/tasks", body);
    out.textContent = `Enqueued ${answer.id} on ${answer.queue} at priority ${answer.priority}.`;
    out.dataset.taskId = answer.id;
    await refreshTasks();
  } catch (error) {
    out.textContent = "Not enqueued: " + error.message;
  }
}

// ---- dead letters ------------------------------------------------------------------------------

async function refreshDeadLetters() {
  const queue = document.getElementById("dl-queue").value;
  const letters = await api("/api/dead-letters" + (queue ? "?queue=" + encodeURIComponent(queue) : ""));
  state.deadLettersShown = letters.length;
  fill(document.querySelector("#dead-letters-table tbody"), letters.map(d => el("tr", { "data-message-id": d.messageId, "data-task-id": d.taskId },
    el("td", {}, el("button", { type: "button", class: "replay", onclick: () => replay({ queue: d.queue, messageIds: [d.messageId] }) }, "Replay")),
    el("td", {}, d.queue), el("td", {}, d.taskName), el("td", { class: "state state-FAILURE" }, d.reason),
    el("td", { class: "wrap" }, d.description), el("td", { class: "num" }, d.deliveryCount), el("td", {}, time(d.deadLetteredAt)),
    el("td", {}, el("code", {}, d.taskId)))),
    "no dead letters", 8);
}

async function replay(filter) {
  const out = document.getElementById("dl-result");
  try {
    const answer = await post("/api/dead-letters/replay", filter);
    out.textContent = `Replayed ${answer.replayed} message(s): they are back on their queue with retries reset.`;
    await refreshDeadLetters();
  } catch (error) {
    out.textContent = "Not replayed: " + error.message;
  }
}

// ---- schedules ---------------------------------------------------------------------------------

async function refreshSchedules() {
  const schedules = await api("/api/schedules");
  fill(document.querySelector("#schedules-table tbody"), schedules.map(s => el("tr", { "data-schedule": s.name },
    el("td", {}, s.name, s.enabled ? null : el("div", { class: "sub" }, "off on this host")),
    el("td", {}, el("code", {}, s.cron), el("div", { class: "sub" }, s.timeZone)),
    el("td", { class: "next-run" }, s.error ? s.error : dateTime(s.nextRun)),
    el("td", {}, dateTime(s.lastDue)),
    el("td", { class: "wrap" }, el("ul", { class: "links" }, s.tasks.map(t => el("li", {}, el("code", {}, t.task),
      Object.keys(t.kwargs).length ? ` ${JSON.stringify(t.kwargs)}` : null, t.priority ? ` (p${t.priority})` : null)))),
    el("td", {}, el("button", { type: "button", class: "run-now", onclick: () => runNow(s) }, "Run now")))), "no schedules", 6);
}

async function runNow(schedule) {
  const out = document.getElementById("schedule-result");
  if (!confirm(`Enqueue the ${schedule.tasks.length} task(s) of schedule ${schedule.name} now, as its next run would?`)) return;
  try {
    const answer = await api("/api/schedules/" + encodeURIComponent(schedule.name) + "/run", { method: "POST" });
    out.textContent = `Enqueued ${answer.enqueued.length} task(s) of ${answer.schedule}: ` + answer.enqueued.map(t => `${t.name} (${t.id})`).join(", ") + ".";
    out.dataset.taskIds = answer.enqueued.map(t => t.id).join(" ");
  } catch (error) {
    out.textContent = "Not run: " + error.message;
  }
}

// ---- routing and refresh -----------------------------------------------------------------------

function show(view) {
  state.view = views.includes(view) ? view : "overview";
  for (const v of views) {
    document.getElementById("view-" + v).hidden = v !== state.view;
    document.getElementById("nav-" + v).classList.toggle("active", v === state.view);
  }
  refresh();
}

async function refresh() {
  if (state.busy) return;
  state.busy = true;
  try {
    if (state.view === "overview") await refreshOverview();
    else if (state.view === "tasks") await refreshTasks();
    else if (state.view === "dead-letters") await refreshDeadLetters();
    else await refreshSchedules();
    setStatus("live · updated " + new Date().toLocaleTimeString([], { hour12: false }));
  } catch (error) {
    setStatus("cannot reach the API: " + error.message, true);
  } finally {
    state.busy = false;
  }
}

document.getElementById("enqueue-form").addEventListener("submit", enqueue);
document.getElementById("task-filters").addEventListener("change", () => refresh());
document.getElementById("dl-queue").addEventListener("change", () => refresh());
document.getElementById("dl-replay-all").addEventListener("click", () => {
  const queue = document.getElementById("dl-queue").value;
  // Every dead letter of the queue (or of all queues) goes back to work at once: ask first.
  const what = `${state.deadLettersShown ?? "all"} dead letter(s)` + (queue ? ` of queue ${queue}` : " of every queue");
  if (!confirm(`Replay ${what}? They go back on their queues with retries reset and run again.`)) {
    document.getElementById("dl-result").textContent = "Nothing replayed.";
    return;
  }
  replay(queue ? { queue } : {});
});
document.getElementById("detail-revoke").addEventListener("click", () => revoke(state.selectedTask, false));
document.getElementById("detail-terminate").addEventListener("click", () => revoke(state.selectedTask, true));
document.getElementById("detail-close").addEventListener("click", () => { state.selectedTask = null; document.getElementById("task-detail").hidden = true; });
window.addEventListener("hashchange", () => show(location.hash.slice(1)));
loadTaskChoices().catch(error => setStatus("cannot reach the API: " + error.message, true));
show(location.hash.slice(1));
setInterval(refresh, 1000);
