// Installed by bench/bench_large.py in every document before the page's own scripts: stamps,
// in the browser's clock (ms since the epoch), when each part of a Streamlit page is first
// drawn and since when the page is fully drawn, from a MutationObserver on the whole document.
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const BUSY = ['stSpinner', 'stCacheSpinner', 'stSkeleton', 'stAppSkeleton', 'stSkeletonElement']
    .map(id => `[data-testid="${id}"]`).join(',')
    + ',[data-testid="stElementContainer"][data-stale="true"]';
  // stMain is missing on pages with st.chat_input; the block container is on every page.
  const MAIN = '[data-testid="stMainBlockContainer"]';
  const B = window.__bench = {longTasks: []};

  B.reset = () => {
    Object.assign(B, {zero: now(), marks: {}, full: null, why: [], trail: []});
    return B.zero;
  };
  B.reset();
  const mark = name => { if (!(name in B.marks)) B.marks[name] = now(); };
  const shown = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true});
  };
  // A chart's own key (st.echarts_chart(key=…)), else its place on the page.
  const keyOf = (el, index) => {
    const holder = el.closest('[data-testid="stElementContainer"]');
    const found = holder && [...holder.classList].find(c => c.startsWith('st-key-'));
    return found ? found.slice(7) : 'chart ' + (index + 1);
  };
  // The app's charts (ECharts) are drawn once their canvas has a size; a Plotly chart (the
  // comparison in bench_chart_floor.py) once its SVG holds its traces.
  const CHARTS = '[data-testid="stEChartsChart"],[data-testid="stPlotlyChart"]';
  const chartReady = el => {
    const canvas = el.querySelector('canvas');
    if (canvas) return canvas.width > 0 && canvas.height > 0;
    const gd = el.querySelector('.js-plotly-plot');
    return !!(gd && gd._fullLayout && gd.querySelector('.main-svg')
      && (gd.querySelector('.trace') || !(gd._fullData || []).length));
  };

  function check() {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector(MAIN);
    if (!app || !main) return;
    const state = app.getAttribute('data-test-script-state');
    if (main.querySelector('[data-testid="stElementContainer"]')) mark('main:element');
    const busy = document.querySelector(BUSY);
    if (busy) mark('busy:shown');
    const titles = [...main.querySelectorAll('h1')].filter(shown)
      .map(h => h.textContent.trim()).filter(Boolean);
    titles.forEach(t => mark('h1:' + t));
    for (const metric of main.querySelectorAll('[data-testid="stMetric"]')) {
      const label = metric.querySelector('[data-testid="stMetricLabel"]');
      const value = metric.querySelector('[data-testid="stMetricValue"]');
      if (label && value && value.textContent.trim() && shown(metric))
        mark('metric:' + label.textContent.trim());
    }
    // Charts and tables count once shown: a collapsed expander or another tab draws nothing.
    let charts = 0, tables = 0;
    main.querySelectorAll(CHARTS).forEach((el, i) => {
      if (chartReady(el)) mark('chart:' + keyOf(el, i)); else if (shown(el)) charts++;
    });
    main.querySelectorAll('[data-testid="stDataFrame"]').forEach(el => {
      if (shown(el) && !el.querySelector('canvas')) tables++;
    });
    const connection = app.getAttribute('data-test-connection-state');
    // A new title proves a new run (the previous page had another), and a new document
    // starts 'initial': no need to see 'running', which a fast run may skip altogether.
    const why = [state !== 'notRunning' && 'script ' + state,
      !titles.length && 'no title', charts && charts + ' charts undrawn',
      tables && tables + ' tables undrawn', connection !== 'CONNECTED' && connection,
      busy && 'busy: ' + busy.getAttribute('data-testid')].filter(Boolean);
    if (why.join() !== B.why.join()) B.trail.push([now(), why.join(', ') || 'drawn']);
    B.why = why;
    if (why.length) B.full = null;
    else if (!B.full || B.full.title !== titles[0]) {
      mark('drawn:' + titles[0]);
      B.full = {since: now(), title: titles[0]};
    }
  }

  new MutationObserver(check).observe(document, {subtree: true, childList: true,
    characterData: true, attributes: true,
    attributeFilter: ['data-test-script-state', 'data-test-connection-state', 'data-stale']});
  setInterval(check, 100);
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        const start = performance.timeOrigin + e.startTime;
        B.longTasks.push([start, e.duration]);
        // Drawn means drawn and idle: a task still drawing counts.
        if (B.full && start + e.duration > B.full.since) B.full.since = start + e.duration;
      }
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long-task timing in this browser: the figure stays 0 */ }

  B.state = () => ({zero: B.zero, marks: B.marks, full: B.full, why: B.why, trail: B.trail,
    now: now(), longTasks: B.longTasks});

  B.click = label => {
    const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
      .find(a => a.textContent.trim().endsWith(label));
    if (!link) return null;
    const zero = B.reset();
    link.click();
    return zero;
  };

  // The charts on the page, by key (their marks are counted in their options, bench_large.py).
  B.charts = () => [...document.querySelectorAll(CHARTS)].filter(el => el.closest(MAIN))
    .map((el, i) => keyOf(el, i));
})();
