// The admin page's script, served as `<path>/admin.js`. All data comes from `<path>/api` with the
// token; client-chosen strings (names, destinations, ids) are written with textContent only.
import { CHARTS_SCRIPT } from './admin-charts-script.js';

export const ADMIN_SCRIPT = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const api = location.pathname.replace(/\\/+$/, '') + '/api';
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) { sessionStorage.setItem('switchboard.admin', fromHash); history.replaceState(null, '', location.pathname); }
  let token = sessionStorage.getItem('switchboard.admin');
  let timer;
  let sequence = 0;
  const PAGE_SIZE = 50;
  const view = { offset: 0, limit: PAGE_SIZE, samples: [], seconds: 300 };

  const rows = (tbody, items, cells) => {
    tbody.replaceChildren(...items.map((item) => {
      const tr = document.createElement('tr');
      for (const [value, numeric] of cells(item)) {
        const td = document.createElement('td');
        td.textContent = String(value);
        if (numeric) td.className = 'n';
        tr.append(td);
      }
      return tr;
    }));
  };
  const round = (n) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10).toLocaleString('en-US');
  const more = (list, what) => (list.total > list.items.length ? (list.total - list.items.length).toLocaleString('en-US') + ' more ' + what + ' not listed' : '');
${CHARTS_SCRIPT}
  const charts = buildCharts($('charts'));

  // Keeps the samples of the last window: the first answer brings the server's history, later
  // ones only what is new (since=).
  function addSamples(history) {
    view.seconds = history.seconds;
    const all = view.samples.concat(history.samples);
    const newest = all.length > 0 ? all[all.length - 1].at : 0;
    view.samples = all.filter((s) => s.at > newest - history.seconds * 1000).slice(-history.seconds);
  }

  function renderSessions(page, total) {
    rows($('sessionRows'), page.items, (x) => [[x.id], [x.user ?? '–'], [x.transport], [x.remoteAddress ?? ''],
      [Object.values(x.subscriptions).join(', ')], [x.buffered, true]]);
    const filtered = page.matched === total ? '' : ' (filtered from ' + total.toLocaleString('en-US') + ')';
    $('pageInfo').textContent = page.matched === 0 ? 'no sessions' + filtered :
      (page.offset + 1).toLocaleString('en-US') + '–' + (page.offset + page.items.length).toLocaleString('en-US') +
      ' of ' + page.matched.toLocaleString('en-US') + filtered;
    view.limit = page.limit;
    $('prev').disabled = page.offset === 0;
    $('next').disabled = page.offset + page.limit >= page.matched;
    // Sessions went away under the current page: go back to the last page that has some.
    if (page.matched > 0 && page.offset >= page.matched) {
      view.offset = Math.floor((page.matched - 1) / page.limit) * page.limit;
      schedule(0);
    }
  }

  function render(data) {
    const s = data.stats;
    $('sessions').textContent = s.sessions;
    $('users').textContent = data.users.total;
    $('subscriptions').textContent = s.subscriptions.count;
    $('destinations').textContent = s.subscriptions.destinations;
    for (const key of ['framesIn', 'framesOut', 'deliveries', 'connects']) $(key).textContent = round(data.rates[key]);
    $('broker').textContent = data.broker.kind + (data.broker.available ? '' : ' (down)');
    $('broker').className = data.broker.available ? 'ok' : 'bad';
    addSamples(data.history);
    drawCharts(charts, view.samples, view.seconds);
    rows($('transports'), Object.entries(s.stomp.sessions.current).filter(([, n]) => n > 0), ([k, n]) => [[k], [n, true]]);
    rows($('closes'), Object.entries(s.stomp.closes).filter(([, n]) => n > 0), ([k, n]) => [[k], [n, true]]);
    rows($('destinationRows'), data.destinations.items, (d) => [[d.destination], [d.subscriptions, true]]);
    $('destinationsMore').textContent = more(data.destinations, 'destinations');
    rows($('userRows'), data.users.items, (u) => [[u.name], [u.sessions, true]]);
    $('usersMore').textContent = more(data.users, 'users');
    renderSessions(data.sessions, s.sessions);
    $('status').textContent = 'live, ' + new Date(data.at).toLocaleTimeString();
    $('status').className = 'ok';
  }

  function query() {
    const params = new URLSearchParams({ offset: String(view.offset), limit: String(PAGE_SIZE) });
    const filter = $('filter').value.trim();
    if (filter) params.set($('filterField').value, filter);
    const newest = view.samples[view.samples.length - 1];
    if (newest) params.set('since', String(newest.at));
    return params;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  async function poll() {
    clearTimeout(timer);
    const mine = ++sequence;
    try {
      const response = await fetch(api + '?' + query(), { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
      if (mine !== sequence) return;
      if (response.status === 401) {
        sessionStorage.removeItem('switchboard.admin');
        view.samples = [];
        $('view').hidden = true;
        $('login').hidden = false;
        $('error').textContent = token ? 'Unauthorized: wrong token' : '';
        $('status').textContent = '';
        return;
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const data = await response.json();
      if (mine !== sequence) return;
      $('login').hidden = true;
      $('view').hidden = false;
      render(data);
    } catch (error) {
      if (mine !== sequence) return;
      $('status').textContent = 'unreachable (' + error.message + ')';
      $('status').className = 'bad';
    }
    schedule(1000);
  }

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('switchboard.admin', token);
    poll();
  });
  $('sessionFilter').addEventListener('submit', (event) => event.preventDefault());
  const refilter = () => { view.offset = 0; schedule(250); };
  $('filter').addEventListener('input', refilter);
  $('filterField').addEventListener('change', refilter);
  $('prev').addEventListener('click', () => { view.offset = Math.max(0, view.offset - view.limit); poll(); });
  $('next').addEventListener('click', () => { view.offset += view.limit; poll(); });
  if (token) poll(); else $('login').hidden = false;
})();
`;
