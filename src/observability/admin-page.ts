// The admin view's page and script. Static: all data comes from `<path>/api` with the token.
// The script writes data with textContent only (names and destinations come from clients).

export const ADMIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard admin</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
  .cards { display: flex; flex-wrap: wrap; gap: .75rem; }
  .card { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; }
  .card b { display: block; font-size: 1.4rem; }
  table { border-collapse: collapse; min-width: 30rem; }
  th, td { text-align: left; padding: .2rem .8rem .2rem 0; border-bottom: 1px solid #eaeef2; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  #status { margin-left: .5rem; font-size: .85rem; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; }
  form { margin: 1rem 0; }
</style>
</head>
<body>
<h1>Switchboard <span id="status"></span></h1>
<form id="login" hidden>
  <label>Admin token <input id="token" type="password" autocomplete="off" size="40"></label>
  <button type="submit">Show</button>
  <span id="error" class="bad"></span>
</form>
<div id="view" hidden>
  <div class="cards">
    <div class="card">sessions<b id="sessions">0</b></div>
    <div class="card">users<b id="users">0</b></div>
    <div class="card">subscriptions<b id="subscriptions">0</b></div>
    <div class="card">destinations<b id="destinations">0</b></div>
    <div class="card">frames in/s<b id="framesIn">0</b></div>
    <div class="card">frames out/s<b id="framesOut">0</b></div>
    <div class="card">deliveries/s<b id="deliveries">0</b></div>
    <div class="card">connects/s<b id="connects">0</b></div>
    <div class="card">broker<b id="broker">–</b></div>
  </div>
  <h2>Sessions by transport</h2>
  <table><tbody id="transports"></tbody></table>
  <h2>Closed, by cause</h2>
  <table><tbody id="closes"></tbody></table>
  <h2>Destinations</h2>
  <table><thead><tr><th>destination</th><th>subscriptions</th></tr></thead><tbody id="destinationRows"></tbody></table>
  <h2>Users</h2>
  <table><thead><tr><th>user</th><th>sessions</th></tr></thead><tbody id="userRows"></tbody></table>
  <h2>Sessions</h2>
  <table><thead><tr><th>id</th><th>user</th><th>transport</th><th>address</th><th>subscriptions</th><th>queued bytes</th></tr></thead><tbody id="sessionRows"></tbody></table>
  <p id="omitted"></p>
</div>
<script src="%SCRIPT%"></script>
</body>
</html>
`;

export const ADMIN_SCRIPT = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const api = location.pathname.replace(/\\/+$/, '') + '/api';
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) { sessionStorage.setItem('switchboard.admin', fromHash); history.replaceState(null, '', location.pathname); }
  let token = sessionStorage.getItem('switchboard.admin');
  let timer;

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

  function render(data) {
    const s = data.stats;
    $('sessions').textContent = s.sessions;
    $('users').textContent = data.users.length;
    $('subscriptions').textContent = s.subscriptions.count;
    $('destinations').textContent = s.subscriptions.destinations;
    for (const key of ['framesIn', 'framesOut', 'deliveries', 'connects']) $(key).textContent = round(data.rates[key]);
    $('broker').textContent = data.broker.kind + (data.broker.available ? '' : ' (down)');
    $('broker').className = data.broker.available ? 'ok' : 'bad';
    rows($('transports'), Object.entries(s.stomp.sessions.current).filter(([, n]) => n > 0), ([k, n]) => [[k], [n, true]]);
    rows($('closes'), Object.entries(s.stomp.closes).filter(([, n]) => n > 0), ([k, n]) => [[k], [n, true]]);
    rows($('destinationRows'), data.destinations, (d) => [[d.destination], [d.subscriptions, true]]);
    rows($('userRows'), data.users, (u) => [[u.name], [u.sessions, true]]);
    rows($('sessionRows'), data.sessions, (x) => [[x.id], [x.user ?? '–'], [x.transport], [x.remoteAddress ?? ''],
      [Object.values(x.subscriptions).join(', ')], [x.buffered, true]]);
    $('omitted').textContent = data.sessionsOmitted > 0 ? data.sessionsOmitted + ' more sessions not listed' : '';
    $('status').textContent = 'live, ' + new Date(data.at).toLocaleTimeString();
    $('status').className = 'ok';
  }

  async function poll() {
    clearTimeout(timer);
    try {
      const response = await fetch(api, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
      if (response.status === 401) {
        sessionStorage.removeItem('switchboard.admin');
        $('view').hidden = true;
        $('login').hidden = false;
        $('error').textContent = token ? 'Unauthorized: wrong token' : '';
        $('status').textContent = '';
        return;
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      $('login').hidden = true;
      $('view').hidden = false;
      render(await response.json());
    } catch (error) {
      $('status').textContent = 'unreachable (' + error.message + ')';
      $('status').className = 'bad';
    }
    timer = setTimeout(poll, 1000);
  }

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('switchboard.admin', token);
    poll();
  });
  if (token) poll(); else $('login').hidden = false;
})();
`;
