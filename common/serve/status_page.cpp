#include "serve/status_page.hpp"

namespace sheratan::serve {

namespace {

// Everything the page shows goes in through textContent, never innerHTML: job and host
// fields are whatever clients wrote.
constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sheratan</title>
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fafafa; }
  body { margin: 0 auto; max-width: 60rem; padding: 1rem; }
  header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
  h1 { font-size: 1.4rem; margin: 0; }
  h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .2rem .6rem .2rem 0; border-bottom: 1px solid #ddd; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  #state { font-size: 1.6rem; font-weight: 600; margin: 0; }
  [data-status="OPERATIONAL"], [data-status="up"] { color: #17702f; }
  [data-status="DEGRADED"], [data-status="degraded"], [data-status="RECOVERY"] { color: #9a6400; }
  [data-status="PAUSED"], [data-status="down"] { color: #b3261e; }
  #conn { font-size: .85rem; color: #666; }
  #events { list-style: none; padding: 0; margin: 0; font-family: ui-monospace, monospace; font-size: .85rem; }
  #events li { padding: .1rem 0; border-bottom: 1px solid #eee; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #error { color: #b3261e; }
</style>
</head>
<body>
<header>
  <h1>Sheratan</h1>
  <span id="conn">connecting…</span>
  <form id="auth" hidden><input id="token" type="password" placeholder="bearer token (scope read)" autocomplete="off">
  <button>Use</button></form>
</header>
<p id="error" role="alert"></p>
<main>
  <section><h2>State</h2><p id="state">…</p><p id="since"></p></section>
  <section><h2>Queues</h2>
    <table id="queues"><thead><tr><th>queue</th><th>ready</th><th>leased</th><th>pending</th><th>blocked</th>
    <th>quarantined</th><th>done</th><th>dead</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Hosts</h2>
    <table id="hosts"><thead><tr><th>host</th><th>status</th><th>latency (EMA)</th><th>url</th></tr></thead>
    <tbody></tbody></table></section>
  <section><h2>Recent events</h2><ol id="events"></ol></section>
</main>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
const KEEP_EVENTS = 50;
let token = sessionStorage.getItem('sheratan-token') || '';

function request(path) {
  return fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {} }).then((answer) => {
    if (answer.status === 401 || answer.status === 403) {
      $('auth').hidden = false;
      throw new Error(path + ': ' + (token ? 'this token may not read' : 'a token is needed'));
    }
    if (!answer.ok) throw new Error(path + ': HTTP ' + answer.status);
    return answer;
  });
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const [text, numeric, status] of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    if (numeric) td.className = 'n';
    if (status) td.dataset.status = status;
    tr.append(td);
  }
  return tr;
}

function showState(state, since) {
  $('state').textContent = state;
  $('state').dataset.status = state;
  $('since').textContent = since ? 'since ' + since : '';
}

async function refresh() {
  try {
    const state = await (await request('/v1/state')).json();
    showState(state.state, state.since);
    const stats = await (await request('/v1/stats')).json();
    const columns = ['ready', 'leased', 'pending', 'blocked', 'quarantined', 'done', 'dead'];
    $('queues').tBodies[0].replaceChildren(...Object.entries(stats.queues).map(([name, counts]) =>
      row([[name], ...columns.map((c) => [String(counts[c] ?? 0), true])])));
    const hosts = (await (await request('/v1/hosts')).text()).split('\n').filter(Boolean).map(JSON.parse);
    $('hosts').tBodies[0].replaceChildren(...hosts.map((h) =>
      row([[h.name], [h.status || (h.heartbeat && h.heartbeat.status) || '–', false, h.status],
           [h.latency_ms_ema == null ? '–' : Math.round(h.latency_ms_ema) + ' ms', true],
           [h.url || 'heartbeats only']])));  // a host known by its heartbeats alone has no probe figures
    $('error').textContent = '';
  } catch (problem) {
    $('error').textContent = problem.message;
  }
}

let refreshing = null;
function refreshSoon() {  // many events in a burst make one refresh
  if (!refreshing) refreshing = setTimeout(() => { refreshing = null; refresh(); }, 200);
}

function summary(type, data) {
  switch (type) {
    case 'job': return 'job ' + data.job + ' ' + (data.from || '·') + ' → ' + data.to + (data.worker ? ' by ' + data.worker : '');
    case 'state': return 'state ' + (data.prev_state || '·') + ' → ' + data.next_state + ': ' + data.reason + ' (' + data.actor + ')';
    case 'host': return 'host ' + data.host + (data.ok ? ' ok ' : ' failed ') + data.latency_ms + ' ms' + (data.error ? ': ' + data.error : '');
    case 'ledger': return 'ledger #' + data.seq + ' ' + data.type + ' ' + (data.amount || data.id);
  }
  return type;
}

function showEvent(type, data) {
  const li = document.createElement('li');
  li.dataset.type = type;
  li.textContent = (data.ts || '') + '  ' + summary(type, data);
  $('events').prepend(li);
  while ($('events').children.length > KEEP_EVENTS) $('events').lastChild.remove();
  if (type === 'state') showState(data.next_state, data.ts);
  refreshSoon();
}

// The event stream through fetch rather than EventSource, which cannot send a token.
let cursor = '';
async function stream() {
  for (;;) {
    try {
      const answer = await request('/v1/events' + (cursor ? '?after=' + encodeURIComponent(cursor) : ''));
      $('conn').textContent = 'live';
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(': ');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
          }
          if (fields.id) cursor = fields.id;
          if (fields.event && fields.data) showEvent(fields.event, JSON.parse(fields.data));
        }
      }
    } catch (problem) {
      $('error').textContent = problem.message;
    }
    $('conn').textContent = 'reconnecting…';
    await new Promise((resume) => setTimeout(resume, 2000));
  }
}

$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('sheratan-token', token);
  $('auth').hidden = true;
  refresh();
});

refresh();
stream();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view status_page_html() {
  return kPage;
}

}  // namespace sheratan::serve
