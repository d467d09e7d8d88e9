// The alerts page: the list comes from /api/alerts, live changes from server-sent events
// (/api/events); nothing here reloads the page. Text goes in through textContent only.
(function () {
  'use strict';
  const FILTERS = ['merchant', 'processor', 'kind', 'severity', 'status'];
  const COLUMNS = ['detectedAt', 'kind', 'severity', 'status', 'assignee', 'merchantId',
    'processor', 'expected', 'actual', 'difference'];
  const state = { filters: {}, selected: null, connectedBefore: false };
  const tbody = document.getElementById('alerts');
  const live = document.getElementById('live');

  function query() {
    const p = new URLSearchParams();
    for (const name of FILTERS) {
      if (state.filters[name]) p.set(name, state.filters[name]);
    }
    return p.toString();
  }

  function readFilters() {
    for (const name of FILTERS) {
      state.filters[name] = document.getElementById('f-' + name).value.trim();
    }
    document.getElementById('export').href = '/api/alerts.csv?' + query();
  }

  function matches(a) {
    const f = state.filters;
    return (!f.merchant || a.merchantId === f.merchant)
      && (!f.processor || a.processor === f.processor)
      && (!f.kind || a.kind === f.kind)
      && (!f.severity || a.severity === f.severity)
      && (!f.status || a.status === f.status);
  }

  async function getJson(url, options) {
    const r = await fetch(url, Object.assign({ credentials: 'same-origin' }, options || {}));
    if (r.status === 401) {
      window.location.href = '/login';
      throw new Error('signed out');
    }
    return { ok: r.ok, body: await r.json() };
  }

  async function load() {
    const message = document.getElementById('list-message');
    const r = await getJson('/api/alerts?' + query());
    if (!r.ok) {
      message.textContent = r.body.message;
      return;
    }
    message.textContent = '';
    tbody.replaceChildren(...r.body.map(row));
  }

  function row(a) {
    const tr = document.createElement('tr');
    tr.id = 'alert-' + a.alertId;
    tr.dataset.alertId = a.alertId;
    tr.className = 'sev-' + a.severity + ' status-' + a.status
      + (state.selected === a.alertId ? ' selected' : '');
    for (const c of COLUMNS) {
      const td = document.createElement('td');
      td.className = 'col-' + c;
      td.textContent = a[c] == null ? '' : a[c];
      tr.appendChild(td);
    }
    tr.addEventListener('click', () => show(a.alertId));
    return tr;
  }

  function upsert(a) {
    const existing = document.getElementById('alert-' + a.alertId);
    if (!matches(a)) {
      if (existing) existing.remove();
      return;
    }
    const tr = row(a);
    if (existing) existing.replaceWith(tr); else tbody.prepend(tr);
  }

  async function show(id) {
    state.selected = id;
    for (const tr of tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    const tr = document.getElementById('alert-' + id);
    if (tr) tr.classList.add('selected');
    const r = await getJson('/api/alerts/' + encodeURIComponent(id));
    if (r.ok) renderDetail(r.body);
  }

  function renderDetail(a) {
    const detail = document.getElementById('detail');
    detail.hidden = false;
    detail.dataset.alertId = a.alertId;
    document.getElementById('detail-title').textContent = a.kind + ' · ' + a.status;
    const dl = document.getElementById('detail-fields');
    dl.replaceChildren();
    const fields = [['Alert', a.alertId], ['Severity', a.severity], ['Status', a.status],
      ['Assignee', a.assignee], ['Merchant', a.merchantId], ['Processor', a.processor],
      ['Payment', a.paymentId], ['Settlement', a.settlementId], ['Expected', a.expected],
      ['Actual', a.actual], ['Difference', a.difference], ['Detected', a.detectedAt],
      ['Rule', a.rule], ['Detail', a.detail], ['Booking', a.compensationTxId]];
    for (const [label, value] of fields) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value == null ? '' : value;
      dd.id = 'detail-' + label.toLowerCase();
      dl.append(dt, dd);
    }
    const resolved = a.status === 'RESOLVED';
    document.getElementById('btn-acknowledge').disabled = resolved || a.status !== 'OPEN';
    document.getElementById('btn-assign').disabled = resolved;
    document.getElementById('btn-resolve').disabled = resolved;
    const audit = document.getElementById('audit');
    audit.replaceChildren();
    for (const e of a.audit || []) {
      const li = document.createElement('li');
      li.dataset.action = e.action;
      li.textContent = e.at + ' ' + e.action + ' by ' + e.actor
        + (e.assigneeAfter ? ' (assignee ' + e.assigneeAfter + ')' : '')
        + (e.note ? ': ' + e.note : '');
      audit.appendChild(li);
    }
  }

  async function act(action, body) {
    const id = document.getElementById('detail').dataset.alertId;
    const message = document.getElementById('action-message');
    const r = await getJson('/api/alerts/' + encodeURIComponent(id) + '/' + action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!r.ok) {
      message.textContent = r.body.message;
      return;
    }
    message.textContent = '';
    upsert(r.body);
    renderDetail(r.body);
  }

  document.getElementById('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    readFilters();
    load();
  });
  document.getElementById('btn-acknowledge').addEventListener('click', () => act('acknowledge', {}));
  document.getElementById('btn-assign').addEventListener('click',
    () => act('assign', { assignee: document.getElementById('assignee').value }));
  document.getElementById('btn-resolve').addEventListener('click',
    () => act('resolve', {
      note: document.getElementById('note').value,
      book_difference: document.getElementById('book-difference').checked,
    }));

  const events = new EventSource('/api/events');
  events.addEventListener('ready', () => {
    live.textContent = 'live';
    live.className = 'live-on';
    // after a reconnect, alerts pushed while we were away are in the database: read them
    if (state.connectedBefore) load();
    state.connectedBefore = true;
  });
  events.addEventListener('alert', (e) => {
    const a = JSON.parse(e.data);
    upsert(a);
    if (state.selected === a.alertId) show(a.alertId);
  });
  events.onerror = () => {
    live.textContent = 'reconnecting…';
    live.className = 'live-off';
  };

  readFilters();
  load();
}());
