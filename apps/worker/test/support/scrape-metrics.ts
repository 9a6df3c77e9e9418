// Reads a process's Prometheus /metrics the way Prometheus does, so a test asserts on numbers
// rather than on the text format.

/** One scrape: each series, named as exported (`name{label="value"}`), to its value. */
export async function scrapeMetrics(metricsUrl: string): Promise<Map<string, number>> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // The value follows the last space: label values may contain spaces, values never do.
    const split = line.lastIndexOf(' ');
    series.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return series;
}

/** The value of one series, or undefined while the process does not export it. */
export async function scrapeMetric(
  metricsUrl: string,
  series: string,
): Promise<number | undefined> {
  return (await scrapeMetrics(metricsUrl)).get(series);
}
