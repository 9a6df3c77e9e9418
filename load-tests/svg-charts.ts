// Bar and line charts as standalone SVG text, for the plots in docs/img/ (plot.ts draws them
// from results files). Plain strings, no dependency: the output diffs well in review.

export interface BarChart {
  title: string;
  subtitle?: string;
  /** The value axis, e.g. "requests/s". */
  unit: string;
  categories: string[];
  /** One bar per category per series; several series make grouped bars and a legend. */
  series: { name: string; values: number[] }[];
}

export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  unit: string;
  series: { name: string; points: { x: number; y: number }[] }[];
  /** Drawn first as light bars against a right-hand axis, e.g. requests/s under latencies. */
  background?: { name: string; unit: string; points: { x: number; y: number }[] };
  /** Put ticks at the data's x values (e.g. replica counts) instead of round numbers. */
  xTicksAtData?: boolean;
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { top: 70, right: 28, bottom: 78, left: 70 };
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';
/** Okabe and Ito's palette: distinguishable with the common kinds of colour blindness. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000'];
const BACKGROUND_FILL = '#d9d9d9';

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Round tick values from 0 to at least `max`: steps of 1, 2, 2.5 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step / 2; tick += step) ticks.push(roundTo(tick, step));
  if (ticks.at(-1)! < max) ticks.push(roundTo(ticks.at(-1)! + step, step));
  return ticks;
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Math.round(value * 10) / 10);
}

interface Frame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The plot area; a right-hand axis and slanted labels each take room from it. */
function frame({ rightAxis = false, slantedLabels = false } = {}): Frame {
  return {
    x0: MARGIN.left,
    x1: WIDTH - MARGIN.right - (rightAxis ? 44 : 0),
    y0: MARGIN.top,
    y1: HEIGHT - MARGIN.bottom - (slantedLabels ? 30 : 0),
  };
}

function svgDocument(title: string, subtitle: string | undefined, body: string[]): string {
  const heading = [
    `<text x="${MARGIN.left}" y="28" font-size="18" font-weight="600">${escapeXml(title)}</text>`,
  ];
  if (subtitle !== undefined) {
    heading.push(
      `<text x="${MARGIN.left}" y="48" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}" font-family="${FONT}" fill="#222">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...heading,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Horizontal grid lines with their labels on the left, and the unit along the axis. */
function valueAxis(f: Frame, ticks: number[], unit: string): string[] {
  const top = ticks.at(-1)!;
  const lines = ticks.map((tick) => {
    const y = f.y1 - (tick / top) * (f.y1 - f.y0);
    return `<line x1="${f.x0}" x2="${f.x1}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${tick === 0 ? '#888' : '#e5e5e5'}"/><text x="${f.x0 - 8}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${formatNumber(tick)}</text>`;
  });
  const middle = (f.y0 + f.y1) / 2;
  lines.push(
    `<text transform="translate(18 ${middle}) rotate(-90)" font-size="12" text-anchor="middle" fill="#555">${escapeXml(unit)}</text>`,
  );
  return lines;
}

function legend(
  f: Frame,
  names: string[],
  colors: string[],
  extra?: { name: string; fill: string },
): string[] {
  const entries = names.map((name, index) => ({ name, fill: colors[index]! }));
  if (extra !== undefined) entries.push(extra);
  let x = f.x0;
  const y = HEIGHT - 20;
  return entries.map(({ name, fill }) => {
    const item = `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${fill}"/><text x="${x + 17}" y="${y}" font-size="12">${escapeXml(name)}</text>`;
    x += 30 + name.length * 7;
    return item;
  });
}

export function renderBarChart(chart: BarChart): string {
  const fullWidth = frame().x1 - frame().x0;
  const rotateLabels = chart.categories.some(
    (label) => label.length * 6.5 > fullWidth / chart.categories.length,
  );
  const f = frame({ slantedLabels: rotateLabels });
  const max = Math.max(0, ...chart.series.flatMap((series) => series.values));
  const ticks = niceTicks(max);
  const top = ticks.at(-1)!;
  const band = (f.x1 - f.x0) / Math.max(1, chart.categories.length);
  const groupWidth = band * 0.72;
  const barWidth = groupWidth / Math.max(1, chart.series.length);
  const colors = chart.series.map((_, index) => PALETTE[index % PALETTE.length]!);

  const body = valueAxis(f, ticks, chart.unit);
  chart.categories.forEach((category, i) => {
    const groupX = f.x0 + i * band + (band - groupWidth) / 2;
    chart.series.forEach((series, j) => {
      const value = series.values[i] ?? 0;
      const height = (value / top) * (f.y1 - f.y0);
      const x = groupX + j * barWidth;
      const y = f.y1 - height;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${colors[j]}"><title>${escapeXml(`${category}, ${series.name}: ${formatNumber(value)} ${chart.unit}`)}</title></rect>`,
      );
      if (barWidth >= 22) {
        body.push(
          `<text x="${(x + (barWidth - 2) / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" font-size="11" text-anchor="middle">${formatNumber(value)}</text>`,
        );
      }
    });
    const labelX = f.x0 + (i + 0.5) * band;
    body.push(
      rotateLabels
        ? `<text transform="translate(${labelX.toFixed(1)} ${f.y1 + 14}) rotate(-25)" font-size="12" text-anchor="end">${escapeXml(category)}</text>`
        : `<text x="${labelX.toFixed(1)}" y="${f.y1 + 18}" font-size="12" text-anchor="middle">${escapeXml(category)}</text>`,
    );
  });
  if (chart.series.length > 1)
    body.push(
      ...legend(
        f,
        chart.series.map((s) => s.name),
        colors,
      ),
    );
  return svgDocument(chart.title, chart.subtitle, body);
}

export function renderLineChart(chart: LineChart): string {
  const background = chart.background;
  const f = frame({ rightAxis: background !== undefined });
  const allPoints = [
    ...chart.series.flatMap((series) => series.points),
    ...(background?.points ?? []),
  ];
  const xs = allPoints.map((point) => point.x);
  const xMin = chart.xTicksAtData ? Math.min(...xs) : Math.min(0, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const xTicks = chart.xTicksAtData
    ? [...new Set(xs)].sort((a, b) => a - b)
    : niceTicks(xMax, 8).filter((tick) => tick >= xMin);
  const xEnd = chart.xTicksAtData ? xMax : Math.max(xMax, xTicks.at(-1)!);
  // Data ticks (1, 2, 4 replicas) get a little room at both ends so markers are not on the axes.
  const pad = chart.xTicksAtData ? (f.x1 - f.x0) * 0.06 : 0;
  const xAt = (x: number) =>
    f.x0 + pad + ((x - xMin) / (xEnd - xMin || 1)) * (f.x1 - f.x0 - 2 * pad);

  const yTicks = niceTicks(Math.max(0, ...chart.series.flatMap((s) => s.points.map((p) => p.y))));
  const yTop = yTicks.at(-1)!;
  const yAt = (y: number) => f.y1 - (y / yTop) * (f.y1 - f.y0);
  const colors = chart.series.map((_, index) => PALETTE[index % PALETTE.length]!);

  const body: string[] = [];
  if (background !== undefined) {
    const bTicks = niceTicks(Math.max(0, ...background.points.map((p) => p.y)));
    const bTop = bTicks.at(-1)!;
    const step = background.points.length > 1 ? xAt(xMin + 1) - xAt(xMin) : 10;
    for (const point of background.points) {
      const height = (point.y / bTop) * (f.y1 - f.y0);
      body.push(
        `<rect x="${(xAt(point.x) - step * 0.45).toFixed(1)}" y="${(f.y1 - height).toFixed(1)}" width="${Math.max(1, step * 0.9).toFixed(1)}" height="${height.toFixed(1)}" fill="${BACKGROUND_FILL}"/>`,
      );
    }
    for (const tick of bTicks) {
      const y = f.y1 - (tick / bTop) * (f.y1 - f.y0);
      body.push(
        `<text x="${f.x1 + 8}" y="${(y + 4).toFixed(1)}" font-size="11" fill="#777">${formatNumber(tick)}</text>`,
      );
    }
    body.push(
      `<text transform="translate(${WIDTH - 12} ${(f.y0 + f.y1) / 2}) rotate(90)" font-size="12" text-anchor="middle" fill="#777">${escapeXml(background.unit)}</text>`,
    );
  }
  body.push(...valueAxis(f, yTicks, chart.unit));
  for (const tick of xTicks) {
    body.push(
      `<text x="${xAt(tick).toFixed(1)}" y="${f.y1 + 18}" font-size="11" text-anchor="middle" fill="#555">${formatNumber(tick)}</text>`,
    );
  }
  body.push(
    `<text x="${(f.x0 + f.x1) / 2}" y="${f.y1 + 38}" font-size="12" text-anchor="middle" fill="#555">${escapeXml(chart.xLabel)}</text>`,
  );
  chart.series.forEach((series, index) => {
    const points = [...series.points].sort((a, b) => a.x - b.x);
    const path = points.map((p) => `${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ');
    body.push(
      `<polyline points="${path}" fill="none" stroke="${colors[index]}" stroke-width="2" stroke-linejoin="round"/>`,
    );
    if (points.length <= 40) {
      for (const p of points) {
        body.push(
          `<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="3.5" fill="${colors[index]}"><title>${escapeXml(`${series.name} at ${formatNumber(p.x)}: ${formatNumber(p.y)} ${chart.unit}`)}</title></circle>`,
        );
      }
    }
    if (points.length <= 8) {
      for (const p of points) {
        body.push(
          `<text x="${(xAt(p.x) + 6).toFixed(1)}" y="${(yAt(p.y) - 6).toFixed(1)}" font-size="11" fill="${colors[index]}">${formatNumber(p.y)}</text>`,
        );
      }
    }
  });
  body.push(
    ...legend(
      f,
      chart.series.map((s) => s.name),
      colors,
      background === undefined ? undefined : { name: background.name, fill: BACKGROUND_FILL },
    ),
  );
  return svgDocument(chart.title, chart.subtitle, body);
}
