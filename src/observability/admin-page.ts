// The admin view's page: markup and style only. Its script (admin-script.ts) is served as a file
// of its own (CSP `script-src 'self'`, no inline script) and fills it from `<path>/api`.

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
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: .75rem; margin-top: 1rem; }
  .chart { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .6rem; }
  .chart figcaption { display: flex; justify-content: space-between; gap: .5rem; color: #57606a; }
  .chart figcaption b { color: #1b1f24; font-variant-numeric: tabular-nums; }
  .chart svg { display: block; width: 100%; height: 64px; margin: .2rem 0; }
  .chart polyline, .chart polygon, .chart line { vector-effect: non-scaling-stroke; }
  .chart polyline { fill: none; stroke-width: 1.5; }
  .chart polygon { fill: #0969da; fill-opacity: .12; stroke: none; }
  .chart line { stroke: #d0d7de; }
  .chart .s0 { stroke: #0969da; color: #0969da; } .chart .s1 { stroke: #bf8700; color: #bf8700; }
  .chart small { color: #57606a; }
  table { border-collapse: collapse; min-width: 30rem; }
  th, td { text-align: left; padding: .2rem .8rem .2rem 0; border-bottom: 1px solid #eaeef2; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  #status { margin-left: .5rem; font-size: .85rem; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; }
  .more { color: #57606a; }
  form { margin: 1rem 0; }
  .pager { display: flex; align-items: center; gap: .5rem; margin: .5rem 0; }
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
  <section id="charts" class="charts" aria-label="The last minutes"></section>
  <h2>Sessions by transport</h2>
  <table><tbody id="transports"></tbody></table>
  <h2>Closed, by cause</h2>
  <table><tbody id="closes"></tbody></table>
  <h2>Destinations</h2>
  <table><thead><tr><th>destination</th><th>subscriptions</th></tr></thead><tbody id="destinationRows"></tbody></table>
  <p id="destinationsMore" class="more"></p>
  <h2>Users</h2>
  <table><thead><tr><th>user</th><th>sessions</th></tr></thead><tbody id="userRows"></tbody></table>
  <p id="usersMore" class="more"></p>
  <h2>Sessions</h2>
  <form id="sessionFilter" role="search">
    <select id="filterField" aria-label="Filter on">
      <option value="q">any field</option>
      <option value="user">user</option>
      <option value="id">session id</option>
      <option value="transport">transport</option>
      <option value="address">address</option>
    </select>
    <input id="filter" type="search" maxlength="200" size="32" placeholder="filter sessions" aria-label="Filter sessions">
  </form>
  <table><thead><tr><th>id</th><th>user</th><th>transport</th><th>address</th><th>subscriptions</th><th>queued bytes</th></tr></thead><tbody id="sessionRows"></tbody></table>
  <div class="pager">
    <button id="prev" type="button">‹ previous</button>
    <span id="pageInfo"></span>
    <button id="next" type="button">next ›</button>
  </div>
</div>
<script src="%SCRIPT%"></script>
</body>
</html>
`;
