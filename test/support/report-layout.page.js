// Runs in the page (report.html in headless Chromium; test/e2e/report-layout.test.ts): plain DOM and SVG
// geometry, nothing of the project. Evaluates to the Layout the test judges, in client pixels.
(() => {
  const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const within = (x, y, r) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  const equity = [...document.querySelectorAll('figure[id^="equity-"]')].map((fig) => {
    const svg = fig.querySelector('svg');
    const legends = [...svg.querySelectorAll('g.role-legend')].map((g) => g.getBoundingClientRect());
    const collisions = [];
    let sampled = 0;
    // Every plotted mark: curves, drawdown areas, entry rules and entry markers (not axes, titles or legends).
    for (const el of svg.querySelectorAll('g.role-mark > path, g.role-mark > line')) {
      const mark = (el.parentElement.getAttribute('class') ?? '').split(' ').at(-1) ?? '?';
      const shape = el;
      const isSymbol = el.parentElement.classList.contains('mark-symbol');
      if (isSymbol) {
        const r = el.getBoundingClientRect();
        sampled++;
        for (const l of legends) if (overlaps(r, l)) collisions.push(`${mark} point at ${r.x},${r.y}`);
        continue;
      }
      // Lines and areas: points every 2 px along the drawn path, in page coordinates.
      const m = shape.getScreenCTM();
      const length = shape.getTotalLength();
      if (!m || !(length > 0)) continue;
      for (let d = 0; d <= length; d += 2) {
        const at = shape.getPointAtLength(d);
        const p = new DOMPoint(at.x, at.y).matrixTransform(m);
        sampled++;
        for (const l of legends) {
          if (within(p.x, p.y, l)) collisions.push(`${mark} at ${p.x.toFixed(0)},${p.y.toFixed(0)}`);
        }
      }
    }
    return {
      figure: fig.id,
      legends: legends.length,
      legendArea: legends.reduce((a, l) => a + l.width * l.height, 0),
      sampled,
      collisions: collisions.slice(0, 10),
    };
  });

  const svg = document.querySelector('#breadth figure svg');
  const box = svg.getBoundingClientRect();
  const recent = svg.querySelector('g.recent_zweig_ema_marks path');
  const overview = svg.querySelector('g.zweig_ema_marks path');
  const breadth = {
    width: box.width,
    intrinsicWidth: svg.viewBox.baseVal.width,
    recentTitle: [...svg.querySelectorAll('text')].some((t) =>
      /^Last \d+ years \(/.test(t.textContent ?? ''),
    ),
    recentLineWidth: recent ? recent.getBoundingClientRect().width : 0,
    overviewLineWidth: overview ? overview.getBoundingClientRect().width : 0,
    ticks: [...svg.querySelectorAll('g.signal_firings_marks > path')].map((p) => {
      const r = p.getBoundingClientRect();
      return {
        label: p.getAttribute('aria-label') ?? '',
        fill: p.getAttribute('fill') ?? '',
        top: r.top,
        bottom: r.bottom,
        width: r.width,
        inside: r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom,
      };
    }),
    zweigMarks: [...svg.querySelectorAll('g.zweig_firings_marks > path')].map(
      (p) => p.getAttribute('aria-label') ?? '',
    ),
  };

  const t = document.querySelector('table.firings');
  // A box that clips the table (a scroll box, or overflow hidden) is what a print or a screenshot would cut.
  const clippedBy = [];
  for (let e = t; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    const clips = cs.overflowY !== 'visible' || cs.maxHeight !== 'none';
    if (clips && e.scrollHeight > e.clientHeight + 1) clippedBy.push(`${e.tagName.toLowerCase()}#${e.id}`);
  }
  return {
    equity,
    breadth,
    table: {
      rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent ?? '')),
      height: t.getBoundingClientRect().height,
      clippedBy,
    },
  };
})();
