// The admin page's charts, as browser code: one small inline SVG per series group, drawn from the
// samples `<path>/api` keeps (a sample a second). No library, no CDN: polylines whose points are
// the samples. Each figure carries `data-points`, `data-last` and `data-peak` for tests and tools.
// Part of ADMIN_SCRIPT (admin-script.ts), which runs it inside its own function scope.

export const CHARTS_SCRIPT = `
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CHART_W = 300;
  const CHART_H = 64;
  const CHARTS = [
    { id: 'sessions', title: 'sessions', keys: ['sessions'] },
    { id: 'connects', title: 'connects/s', keys: ['connects'] },
    { id: 'deliveries', title: 'deliveries/s', keys: ['deliveries'] },
    { id: 'frames', title: 'frames/s', keys: ['framesIn', 'framesOut'], labels: ['in', 'out'] },
    { id: 'dropped', title: 'messages dropped/s', keys: ['dropped'] },
    { id: 'slow', title: 'slow consumers closed/s', keys: ['slowConsumersClosed'] },
  ];

  const svg = (name, attributes) => {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  };
  const span = (text, className) => {
    const element = document.createElement('span');
    element.textContent = text;
    if (className) element.className = className;
    return element;
  };
  const fixed = (n) => Math.round(n * 10) / 10;
  // A round top for the y axis, so small rates do not fill the chart with noise.
  const niceTop = (max) => {
    if (max <= 1) return 1;
    const step = 10 ** Math.floor(Math.log10(max));
    return [1, 2, 5, 10].map((m) => m * step).find((top) => top >= max);
  };
  const windowText = (seconds) => (seconds % 60 === 0 ? seconds / 60 + ' min' : seconds < 120 ? seconds + ' s' : Math.round(seconds / 60) + ' min');

  function buildCharts(container) {
    return CHARTS.map((def) => {
      const figure = document.createElement('figure');
      figure.className = 'chart';
      figure.id = 'chart-' + def.id;
      figure.dataset.points = '0';
      const caption = document.createElement('figcaption');
      const title = span(def.title);
      (def.labels || []).forEach((label, i) => title.append(' ', span(label, 's' + i)));
      const value = document.createElement('b');
      value.textContent = '0';
      caption.append(title, value);
      const chart = svg('svg', { viewBox: '0 0 ' + CHART_W + ' ' + CHART_H, preserveAspectRatio: 'none', role: 'img', 'aria-label': def.title });
      const area = svg('polygon', { points: '' });
      chart.append(svg('line', { x1: 0, y1: CHART_H - 0.5, x2: CHART_W, y2: CHART_H - 0.5 }), area);
      const lines = def.keys.map((key, i) => {
        const line = svg('polyline', { class: 's' + i, points: '', 'data-key': key });
        chart.append(line);
        return line;
      });
      const legend = document.createElement('small');
      figure.append(caption, chart, legend);
      container.append(figure);
      return { def, figure, value, area, lines, legend };
    });
  }

  // x: time, right edge at the newest sample (the server's clock, not the browser's), over what
  // the history holds (30 s at least, the view's window at most); y: value.
  function drawCharts(charts, samples, seconds) {
    const end = samples.length > 0 ? samples[samples.length - 1].at : 0;
    const span = samples.length > 0 ? end - samples[0].at : 0;
    const shown = Math.round(Math.min(seconds, Math.max(30, span / 1000)));
    const x = (at) => fixed(CHART_W - ((end - at) / (shown * 1000)) * CHART_W);
    for (const chart of charts) {
      let peak = 0;
      for (const sample of samples) for (const key of chart.def.keys) peak = Math.max(peak, sample[key]);
      const top = niceTop(peak);
      const y = (value) => fixed(CHART_H - 1 - (value / top) * (CHART_H - 4));
      const points = chart.def.keys.map((key) => samples.map((s) => x(s.at) + ',' + y(s[key])).join(' '));
      chart.lines.forEach((line, i) => line.setAttribute('points', points[i]));
      chart.area.setAttribute('points', samples.length < 2 ? '' :
        points[0] + ' ' + x(end) + ',' + CHART_H + ' ' + x(samples[0].at) + ',' + CHART_H);
      const last = samples[samples.length - 1];
      const current = chart.def.keys.map((key) => (last ? last[key] : 0));
      chart.value.textContent = current.map(round).join(' / ');
      chart.legend.textContent = 'peak ' + round(peak) + ' · last ' + windowText(shown);
      chart.figure.dataset.points = String(samples.length);
      chart.figure.dataset.last = current.join(',');
      chart.figure.dataset.peak = String(peak);
    }
  }
`;
