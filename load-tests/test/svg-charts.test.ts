import { describe, expect, it } from 'vitest';
import { escapeXml, niceTicks, renderBarChart, renderLineChart } from '../svg-charts.ts';

/** Tags open and close in order: enough to catch a broken template without an XML parser. */
function expectBalancedTags(svg: string): void {
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
}

function attributeValues(svg: string, element: string, attribute: string): number[] {
  return [...svg.matchAll(new RegExp(`<${element} [^>]*?${attribute}="([\\d.]+)"`, 'g'))].map(
    (match) => Number(match[1]),
  );
}

describe('svg charts', () => {
  it('when drawing bars, then their heights are proportional to the values', () => {
    const svg = renderBarChart({
      title: 'Requests per second',
      unit: 'requests/s',
      categories: ['browse', 'write-mix'],
      series: [{ name: 'requests/s', values: [400, 200] }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expectBalancedTags(svg);
    // The background rect comes first; the bars follow it.
    const [, first, second] = attributeValues(svg, 'rect', 'height');
    expect(first! / second!).toBeCloseTo(2, 1);
    expect(svg).toContain('>browse</text>');
    expect(svg).toContain('>400</text>');
  });

  it('when several series are given, then bars are grouped and a legend names each', () => {
    const svg = renderBarChart({
      title: 'Latency per endpoint',
      unit: 'ms',
      categories: ['home', 'article', 'tags'],
      series: [
        { name: 'p50', values: [10, 12, 3] },
        { name: 'p99', values: [40, 45, 9] },
      ],
    });
    expectBalancedTags(svg);
    expect(svg.match(/<rect [^>]*fill="#0072B2"/g)).toHaveLength(3 + 1);
    expect(svg).toContain('>p99</text>');
  });

  it('when drawing lines against replicas, then each series is one polyline through its points', () => {
    const svg = renderLineChart({
      title: 'Latency by replicas',
      xLabel: 'replicas',
      unit: 'ms',
      xTicksAtData: true,
      series: [
        {
          name: 'p50',
          points: [
            { x: 4, y: 20 },
            { x: 1, y: 80 },
            { x: 2, y: 40 },
          ],
        },
        {
          name: 'p99',
          points: [
            { x: 1, y: 200 },
            { x: 2, y: 90 },
            { x: 4, y: 50 },
          ],
        },
      ],
    });
    expectBalancedTags(svg);
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((match) => match[1]!);
    expect(polylines).toHaveLength(2);
    const xs = polylines[0]!.split(' ').map((pair) => Number(pair.split(',')[0]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const ys = polylines[0]!.split(' ').map((pair) => Number(pair.split(',')[1]));
    expect(ys[0]).toBeLessThan(ys[2]!); // 80 ms at 1 replica is drawn above 20 ms at 4 (SVG y grows down)
    for (const tick of ['1', '2', '4']) expect(svg).toContain(`>${tick}</text>`);
  });

  it('when a timeline has a background series, then it gets bars and a right-hand axis', () => {
    const points = Array.from({ length: 30 }, (_, second) => ({ x: second, y: 100 + second }));
    const svg = renderLineChart({
      title: 'Spike',
      xLabel: 'seconds',
      unit: 'ms',
      series: [{ name: 'p99', points }],
      background: { name: 'requests/s', unit: 'requests/s', points },
    });
    expectBalancedTags(svg);
    expect(svg.match(/<rect [^>]*fill="#d9d9d9"/g)!.length).toBeGreaterThanOrEqual(30);
    expect(svg).toContain('rotate(90)');
  });

  it('when labels hold markup characters, then they are escaped', () => {
    const svg = renderBarChart({
      title: 'p99 < 200 ms & "fast"',
      unit: 'ms',
      categories: ['<script>'],
      series: [{ name: 'p99', values: [1] }],
    });
    expectBalancedTags(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain(escapeXml('p99 < 200 ms & "fast"'));
  });

  it('when choosing axis ticks, then they are round and reach the maximum', () => {
    expect(niceTicks(550)).toEqual([0, 200, 400, 600]);
    expect(niceTicks(95)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(1.2)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
