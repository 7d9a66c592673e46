/**
 * The Prometheus text exposition format, version 0.0.4: what `GET /metrics` answers.
 * Families are built from stats snapshots at scrape time, so nothing here runs on the
 * receive path; a registry only checks that no two collectors claim one name.
 */

/** The content type scrapers expect for this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge';

export interface MetricSample {
  /** Label name → value; values may hold any text (escaped on output). */
  labels?: Readonly<Record<string, string>> | undefined;
  value: number;
}

/** One metric name with its HELP, TYPE and samples (none: HELP and TYPE alone). */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly MetricSample[];
}

/** Reads a snapshot and describes it, once per scrape. */
export type MetricsCollector = () => readonly MetricFamily[];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Names starting with `__` are reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text escapes backslash and newline; label values escape the double quote too. */
const escapeHelp = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
const escapeLabel = (text: string) =>
  text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');

/** Go's float syntax as Prometheus parses it: `+Inf`, `-Inf`, `NaN`, else JS's own digits. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(name: string, labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  for (const [label] of pairs) {
    if (!LABEL_NAME.test(label))
      throw new TypeError(`metric ${name}: bad label name ${JSON.stringify(label)}`);
  }
  return `{${pairs.map(([label, value]) => `${label}="${escapeLabel(value)}"`).join(',')}}`;
}

/**
 * The exposition text of `families`, in their order.
 * @throws {TypeError} for a bad metric or label name, or a name used twice: a bug in a
 *   collector, never something a scraper should be handed.
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new TypeError(`bad metric name ${JSON.stringify(f.name)}`);
    if (seen.has(f.name)) throw new TypeError(`metric ${f.name} described twice`);
    seen.add(f.name);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${formatLabels(f.name, s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

/** The collectors one endpoint serves, rendered together on each scrape. */
export class MetricsRegistry {
  private readonly collectors: MetricsCollector[] = [];

  add(collector: MetricsCollector): this {
    this.collectors.push(collector);
    return this;
  }

  /** The exposition text of every collector's families (a name claimed twice throws). */
  render(): string {
    return formatExposition(this.collectors.flatMap((collect) => collect()));
  }
}
