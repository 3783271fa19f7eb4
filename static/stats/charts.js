// Parentline statistics: the small SVG charts of the report page. No dependencies.
//
// Every chart is one <svg role="img"> whose accessible name sums it up; its parts are
// not exposed one by one, because the same numbers are in a table next to every chart.
// Charts are drawn for a width in CSS pixels, so text keeps its size on a phone; the
// page draws them again when the width changes. Colours come from CSS classes, so that
// print can make them black on white, and series also differ by dash, marker or
// pattern: never by colour alone. A value of null is a suppressed number.

const NS = 'http://www.w3.org/2000/svg';
const FONT = 12;
const CHAR_W = FONT * 0.62; // a generous width of one character of the UI font

/** Creates an SVG element with attributes ("text" sets the text) and children. */
export function svg(tag, attrs = {}, children = []) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of [].concat(children)) if (c) e.append(c);
  return e;
}

/** A rough width of text in the chart font, for layout without measuring. */
export function textWidth(s) { return String(s).length * CHAR_W; }

const r1 = (v) => Math.round(v * 10) / 10;

function frame(width, height, label, cls) {
  return svg('svg', {
    class: 'chart' + (cls ? ' ' + cls : ''), role: 'img', 'aria-label': label, focusable: 'false',
    width: r1(width), height: r1(height), viewBox: `0 0 ${r1(width)} ${r1(height)}`,
  });
}

/** A round top and step for a count axis from 0 to max (whole numbers only). */
export function niceScale(max, want = 4) {
  if (!(max > 0)) return { top: want, step: 1 };
  const raw = max / want;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, Math.round([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)));
  return { top: Math.ceil(max / step) * step, step };
}

/** Horizontal grid lines with their values at the left. */
function yAxis(g, scale, yOf, left, right, fmt) {
  for (let v = 0; v <= scale.top; v += scale.step) {
    const y = r1(yOf(v));
    g.append(svg('line', { class: v === 0 ? 'axis' : 'grid', x1: left, x2: right, y1: y, y2: y }));
    g.append(svg('text', { class: 'tick', x: left - 6, y: y + 4, 'text-anchor': 'end', text: fmt(v) }));
  }
}

/**
 * Labels under the x axis, from the last (always shown) backwards, thinned out so
 * that no two overlap.
 */
function xAxis(g, labels, xOf, y, width) {
  const n = labels.length;
  if (!n) return;
  const slot = n > 1 ? Math.abs(xOf(1) - xOf(0)) : width;
  const every = Math.max(1, Math.ceil((Math.max(...labels.map(textWidth)) + 12) / slot));
  let leftEdge = Infinity;
  for (let i = n - 1; i >= 0; i -= every) {
    const w = textWidth(labels[i]);
    let x = xOf(i);
    let anchor = 'middle';
    let from = x - w / 2;
    if (x + w / 2 > width - 2) { anchor = 'end'; x = width - 2; from = x - w; }
    else if (from < 2) { anchor = 'start'; x = 2; from = 2; }
    if (from + w > leftEdge - 10) continue; // would touch the label to its right
    leftEdge = from;
    g.append(svg('line', { class: 'axis', x1: r1(xOf(i)), x2: r1(xOf(i)), y1: y - 22, y2: y - 17 }));
    g.append(svg('text', { class: 'tick', x: r1(x), y, 'text-anchor': anchor, text: labels[i] }));
  }
}

/** A marker shape centred on x, y: circle, square, triangle or diamond. */
export function marker(shape, x, y, cls = 'marker') {
  x = r1(x); y = r1(y);
  switch (shape) {
    case 'square': return svg('rect', { class: cls, x: x - 3.5, y: y - 3.5, width: 7, height: 7 });
    case 'triangle': return svg('path', { class: cls, d: `M${x} ${y - 4.5}L${x + 4.5} ${y + 3.5}L${x - 4.5} ${y + 3.5}Z` });
    case 'diamond': return svg('path', { class: cls, d: `M${x} ${y - 5}L${x + 5} ${y}L${x} ${y + 5}L${x - 5} ${y}Z` });
    default: return svg('circle', { class: cls, cx: x, cy: y, r: 3.8 });
  }
}

/**
 * A line chart over periods. series: [{cls, dash, marker, values: [number|null]}].
 * A suppressed value breaks the line and is shown as a hollow ring on the zero line.
 * yMax lets several small charts share one scale.
 */
export function lineChart({ width, height = 200, label, xLabels, series, yMax, fmt = String }) {
  const n = xLabels.length;
  const seen = series.flatMap((s) => s.values.filter((v) => v !== null));
  const scale = niceScale(yMax ?? Math.max(0, ...seen));
  const left = Math.max(30, textWidth(fmt(scale.top)) + 12);
  const right = width - 14;
  const top = 10;
  const bottom = height - 28;
  const xOf = (i) => (n <= 1 ? (left + right) / 2 : left + (right - left) * i / (n - 1));
  const yOf = (v) => bottom - (bottom - top) * v / scale.top;
  const root = frame(width, height, label, 'chart-line');
  const axes = svg('g', { class: 'axes' });
  yAxis(axes, scale, yOf, left, right, fmt);
  xAxis(axes, xLabels, xOf, height - 6, width);
  root.append(axes);
  const dots = n <= 40;
  if (n > 60) root.classList.add('dense');
  for (const s of series) {
    const g = svg('g', { class: 'series ' + (s.cls || '') });
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${r1(xOf(i))} ${r1(yOf(v))}`;
      pen = true;
    });
    if (d) g.append(svg('path', { class: 'line', d, 'stroke-dasharray': s.dash || null }));
    s.values.forEach((v, i) => {
      if (v === null) { g.append(marker('circle', xOf(i), yOf(0), 'sup-mark')); return; }
      const alone = (i === 0 || s.values[i - 1] === null) && (i === n - 1 || s.values[i + 1] === null);
      if (dots || alone) g.append(marker(s.marker, xOf(i), yOf(v)));
    });
    root.append(g);
  }
  return root;
}

/**
 * Horizontal bars, one per item: [{label, value: number|null}]. On a narrow width the
 * label sits above its bar, otherwise to its left. Each bar carries its value as text.
 */
export function hBarChart({ width, label, items, fmt = String, supText = '–' }) {
  const max = Math.max(0, ...items.map((it) => it.value ?? 0));
  const narrow = width < 480;
  const valueW = Math.max(textWidth(fmt(max)), textWidth(supText)) + 12;
  const labelW = narrow ? 0 : Math.min(Math.max(0, ...items.map((it) => textWidth(it.label))) + 14, width * 0.42);
  const rowH = narrow ? 44 : 30;
  const height = items.length * rowH + 8;
  const x0 = narrow ? 1 : labelW;
  const barMax = Math.max(10, width - x0 - valueW - 4);
  const root = frame(width, height, label, 'chart-bars');
  items.forEach((it, i) => {
    const y = 4 + i * rowH;
    const barY = narrow ? y + 20 : y + 5;
    const barH = 18;
    let text = String(it.label);
    if (!narrow) {
      const fit = Math.floor((labelW - 14) / CHAR_W);
      if (text.length > fit) text = text.slice(0, Math.max(1, fit - 1)) + '…';
    }
    root.append(svg('text', narrow
      ? { class: 'bar-label', x: x0, y: y + 14, text }
      : { class: 'bar-label', x: labelW - 8, y: barY + 13, 'text-anchor': 'end', text }));
    if (it.value === null) {
      root.append(svg('rect', { class: 'sup-bar', x: x0, y: barY, width: 10, height: barH, fill: 'url(#pat-sup)' }));
      root.append(svg('text', { class: 'bar-value', x: x0 + 16, y: barY + 13, text: supText }));
      return;
    }
    const w = max > 0 ? barMax * it.value / max : 0;
    if (w > 0) root.append(svg('rect', { class: 'bar ' + (it.cls || ''), x: x0, y: barY, width: r1(w), height: barH }));
    root.append(svg('text', { class: 'bar-value', x: r1(x0 + w + 6), y: barY + 13, text: fmt(it.value) }));
  });
  root.append(svg('line', { class: 'axis', x1: x0, x2: x0, y1: 2, y2: height - 2 }));
  return root;
}

/**
 * Stacked vertical bars, one per period. stacks (bottom to top):
 * [{cls, pattern, values: [number|null]}]; pattern is the id of an SVG pattern laid
 * over the colour. Suppressed parts are left out of the stack.
 */
export function stackedBars({ width, height = 220, label, xLabels, stacks, fmt = String }) {
  const n = xLabels.length;
  const totals = xLabels.map((_, i) => stacks.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const left = Math.max(30, textWidth(fmt(scale.top)) + 12);
  const right = width - 8;
  const top = 10;
  const bottom = height - 28;
  const slot = (right - left) / Math.max(1, n);
  const barW = Math.max(1, Math.min(56, slot * 0.7));
  const xOf = (i) => left + slot * (i + 0.5);
  const yOf = (v) => bottom - (bottom - top) * v / scale.top;
  const root = frame(width, height, label, 'chart-stacked');
  const axes = svg('g', { class: 'axes' });
  yAxis(axes, scale, yOf, left, right, fmt);
  xAxis(axes, xLabels, xOf, height - 6, width);
  root.append(axes);
  for (let i = 0; i < n; i++) {
    let base = 0;
    for (const s of stacks) {
      const v = s.values[i];
      if (v === null || !(v > 0)) continue;
      const y1 = yOf(base + v);
      const h = yOf(base) - y1;
      const box = { x: r1(xOf(i) - barW / 2), y: r1(y1), width: r1(barW), height: r1(h) };
      root.append(svg('rect', { ...box, class: 'seg ' + s.cls }));
      if (s.pattern) root.append(svg('rect', { ...box, class: 'seg-pattern', fill: `url(#${s.pattern})` }));
      base += v;
    }
  }
  return root;
}

/**
 * A heat map: rows × cols of values (number|null). levelOf(v) gives the colour step
 * 0..5 for a number. Numbers are written in the cells when they fit.
 */
export function heatmap({ width, label, rows, cols, values, levelOf, fmt = String }) {
  const left = Math.max(...rows.map(textWidth)) + 12;
  const top = 22;
  const cw = (width - left - 4) / cols.length;
  const ch = Math.max(20, Math.min(30, cw * 0.8));
  const height = top + rows.length * ch + 4;
  const max = Math.max(0, ...values.flat().map((v) => v ?? 0));
  const numbers = cw >= Math.max(textWidth(fmt(max)), textWidth('00')) + 6;
  const root = frame(width, height, label, 'chart-heatmap');
  const every = Math.max(1, Math.ceil((textWidth('00') + 6) / cw));
  cols.forEach((c, j) => {
    if (j % every !== 0) return;
    root.append(svg('text', { class: 'tick', x: r1(left + cw * (j + 0.5)), y: 14, 'text-anchor': 'middle', text: c }));
  });
  rows.forEach((rowLabel, i) => {
    const y = top + i * ch;
    root.append(svg('text', { class: 'tick', x: left - 8, y: r1(y + ch / 2 + 4), 'text-anchor': 'end', text: rowLabel }));
    cols.forEach((_, j) => {
      const v = values[i][j];
      const level = v === null ? 'sup' : levelOf(v);
      const box = { x: r1(left + cw * j), y: r1(y), width: r1(cw), height: r1(ch) };
      root.append(v === null
        ? svg('rect', { ...box, class: 'hm hm-sup', fill: 'url(#pat-sup)' })
        : svg('rect', { ...box, class: 'hm h' + level }));
      if (numbers) {
        root.append(svg('text', {
          class: 'hm-num ' + (v === null ? 'ht-sup' : 'ht' + level), x: r1(left + cw * (j + 0.5)), y: r1(y + ch / 2 + 4),
          'text-anchor': 'middle', text: v === null ? '–' : fmt(v),
        }));
      }
    });
  });
  return root;
}
