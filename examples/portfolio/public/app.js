// The portfolio page: @stomp/stompjs over the same-origin WebSocket endpoint; the session
// cookie set at login identifies the user to the server's handshake interceptor.
(async function main() {
  const $ = (id) => document.getElementById(id);
  const me = await (await fetch('/me')).json();
  if (!me.user) {
    $('login').hidden = false;
    $('login-error').hidden = !location.search.includes('error=login');
    return;
  }
  $('who').hidden = false;
  $('user').textContent = me.user;
  $('portfolio').hidden = false;

  const rows = new Map(); // ticker → { price, shares, tr }
  const money = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function render(ticker) {
    const row = rows.get(ticker);
    const cells = row.tr.children;
    cells[1].textContent = money(row.price);
    cells[2].textContent = String(row.shares);
    cells[3].textContent = money(row.price * row.shares);
    let total = 0;
    for (const r of rows.values()) total += r.price * r.shares;
    $('total').textContent = money(total);
  }

  function addRow(position) {
    const tr = document.createElement('tr');
    tr.dataset.ticker = position.ticker;
    tr.innerHTML =
      '<td class="ticker"></td><td class="num price"></td><td class="num shares"></td><td class="num value"></td>' +
      '<td class="trade"><input type="number" min="1" value="1" aria-label="shares"><button class="buy">Buy</button><button class="sell">Sell</button></td>';
    tr.children[0].textContent = position.ticker;
    tr.querySelector('.buy').addEventListener('click', () => trade('Buy', position.ticker, tr));
    tr.querySelector('.sell').addEventListener('click', () => trade('Sell', position.ticker, tr));
    $('positions').append(tr);
    rows.set(position.ticker, { price: position.price, shares: position.shares, tr });
    render(position.ticker);
  }

  function notice(text) {
    $('notice').textContent = text;
    $('notice').hidden = !text;
  }

  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/stomp';
  const client = new StompJs.Client({ brokerURL: url, reconnectDelay: 2000 });

  function trade(action, ticker, tr) {
    const shares = Number(tr.querySelector('input').value);
    notice('');
    client.publish({
      destination: '/app/trade',
      body: JSON.stringify({ action, ticker, shares }),
      headers: { 'content-type': 'application/json' },
    });
  }

  client.onConnect = () => {
    $('status').textContent = 'live';
    $('status').className = 'status ok';
    $('positions').replaceChildren();
    rows.clear();
    const positions = client.subscribe('/app/positions', (message) => {
      for (const position of JSON.parse(message.body)) addRow(position);
      positions.unsubscribe();
    });
    client.subscribe('/topic/price.stock.*', (message) => {
      const quote = JSON.parse(message.body);
      const row = rows.get(quote.ticker);
      if (!row) return;
      const cell = row.tr.children[1];
      cell.className = 'num price ' + (quote.price >= row.price ? 'up' : 'down');
      row.price = quote.price;
      render(quote.ticker);
    });
    client.subscribe('/user/queue/position-updates', (message) => {
      const position = JSON.parse(message.body);
      const row = rows.get(position.ticker);
      if (!row) return addRow(position);
      row.shares = position.shares;
      render(position.ticker);
    });
    client.subscribe('/user/queue/errors', (message) => notice(JSON.parse(message.body).error));
  };
  client.onStompError = (frame) => notice('Server error: ' + frame.headers.message);
  client.onWebSocketClose = () => {
    $('status').textContent = 'reconnecting…';
    $('status').className = 'status';
  };
  client.activate();
})();
