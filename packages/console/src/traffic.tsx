/**
 * Live traffic from the runtime's request metrics: the console samples the
 * cumulative counters every few seconds and draws rates and latency
 * percentiles of each interval as small inline SVG charts.
 */
import { useState } from 'preact/hooks';
import type { TrafficSample, TrafficSeries } from '../../runtime/src/admin/console-model';
import { call, query } from './api';
import { apiHref } from './route';
import { useInterval } from './hooks';
import { fmtNumber } from './ui';

/** How often traffic is sampled. */
export const TRAFFIC_MS = 5000;
/** Samples kept per series (5 minutes at the default rate). */
const HISTORY = 60;

/** The latency below which a fraction `q` of the observations fall, from a cumulative histogram (linear within a bucket). */
export function quantile(buckets: readonly (readonly [number, number])[], q: number): number | undefined {
  const total = buckets.length === 0 ? 0 : buckets[buckets.length - 1]![1];
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** The difference of two cumulative histograms (an interval's observations). */
function delta(now: TrafficSeries['buckets'], before: TrafficSeries['buckets'] | undefined): [number, number][] {
  const prev = new Map(before ?? []);
  return now.map(([le, c]) => [le, c - (prev.get(le) ?? 0)]);
}

/** One point of a series' history. */
interface Point {
  readonly at: number;
  readonly rate: number;
  readonly errors: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
}

/** A series' history and latest cumulative values. */
interface Tracked {
  readonly latest: TrafficSeries;
  readonly points: readonly Point[];
}

/** Samples traffic (optionally of one API) and keeps each series' history. */
export function useTraffic(api?: string): { series: Tracked[]; error: string } {
  const [state, setState] = useState<{ byKey: Map<string, Tracked>; at: number; error: string }>({ byKey: new Map(), at: 0, error: '' });
  useInterval(() => {
    call<TrafficSample>(`/v1/console/traffic${query({ api })}`).then(
      (sample) =>
        setState((s) => {
          const byKey = new Map<string, Tracked>();
          for (const series of sample.series) {
            const key = `${series.api}\n${series.stage}`;
            const before = s.byKey.get(key);
            const seconds = before && s.at > 0 ? Math.max(0.001, (sample.at - s.at) / 1000) : 0;
            let points = before?.points ?? [];
            if (before && seconds > 0) {
              const interval = delta(series.buckets, before.latest.buckets);
              const requests = series.requests - before.latest.requests;
              const errors = errorCount(series) - errorCount(before.latest);
              points = [...points, { at: sample.at, rate: requests / seconds, errors, p50: quantile(interval, 0.5), p99: quantile(interval, 0.99) }].slice(-HISTORY);
            }
            byKey.set(key, { latest: series, points });
          }
          return { byKey, at: sample.at, error: '' };
        }),
      (error: Error) => setState((s) => ({ ...s, error: error.message })),
    );
  }, TRAFFIC_MS);
  return { series: [...state.byKey.values()], error: state.error };
}

function errorCount(series: TrafficSeries): number {
  let n = 0;
  for (const [status, count] of Object.entries(series.statuses)) if (Number(status) >= 400) n += count;
  return n;
}

/** Milliseconds, readable. */
function fmtMs(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const ms = seconds * 1000;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A small line chart of one or two series; `label` describes it for screen readers. */
export function Sparkline(props: { label: string; lines: readonly (readonly (number | undefined)[])[]; width?: number; height?: number }) {
  const width = props.width ?? 160;
  const height = props.height ?? 36;
  const all = props.lines.flat().filter((v): v is number => v !== undefined);
  const max = Math.max(...all, 0) || 1;
  const n = Math.max(...props.lines.map((l) => l.length), 2);
  const path = (values: readonly (number | undefined)[]) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === undefined) return void (pen = false);
      const x = (i / (n - 1)) * (width - 2) + 1;
      const y = height - 1 - (v / max) * (height - 2);
      d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} class="axis" />
      {props.lines.map((l, i) => (
        <path key={i} d={path(l)} class={`line line-${i}`} />
      ))}
    </svg>
  );
}

/** Requests, errors by status and latency of each (API, stage) series. */
export function TrafficTable(props: { api?: string; limit?: number }) {
  const { series, error } = useTraffic(props.api);
  const shown = series.slice(0, props.limit ?? 100);
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {shown.length === 0 ? (
        <p class="muted">No traffic recorded yet{props.api ? ' for this API' : ''}.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="traffic" tabIndex={0}>
          <table class="traffic">
            <thead>
              <tr>
                {!props.api && <th scope="col">API</th>}
                <th scope="col">Stage</th>
                <th scope="col" class="num">
                  Requests
                </th>
                <th scope="col">Requests/s</th>
                <th scope="col">By status</th>
                <th scope="col">Latency p50 / p99</th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ latest, points }) => {
                const last = points[points.length - 1];
                return (
                  <tr key={`${latest.api}\n${latest.stage}`}>
                    {!props.api && (
                      <th scope="row">
                        <a href={apiHref(latest.api)}>{latest.api}</a>
                      </th>
                    )}
                    <td>{latest.stage}</td>
                    <td class="num">{fmtNumber(latest.requests)}</td>
                    <td>
                      <Sparkline label={`requests per second of ${latest.api} in ${latest.stage}`} lines={[points.map((p) => p.rate), points.map((p) => p.errors)]} />
                      <div class="small">{last ? `${last.rate.toFixed(1)}/s` : 'sampling…'}</div>
                    </td>
                    <td>
                      <StatusBars statuses={latest.statuses} />
                    </td>
                    <td>
                      <Sparkline label={`latency p50 and p99 of ${latest.api} in ${latest.stage}`} lines={[points.map((p) => p.p50), points.map((p) => p.p99)]} />
                      <div class="small">
                        {fmtMs(last?.p50 ?? quantile(latest.buckets, 0.5))} / {fmtMs(last?.p99 ?? quantile(latest.buckets, 0.99))}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Counts by HTTP status as small bars (errors in the error colour). */
function StatusBars(props: { statuses: Readonly<Record<string, number>> }) {
  const entries = Object.entries(props.statuses).sort((a, b) => a[0].localeCompare(b[0]));
  const max = Math.max(...entries.map(([, n]) => n), 1);
  return (
    <ul class="bars">
      {entries.map(([status, n]) => (
        <li key={status}>
          <span class="code">{status}</span>
          <svg width="60" height="8" role="img" aria-label={`${n} responses with status ${status}`}>
            <rect width={Math.max(1, (n / max) * 60)} height="8" class={Number(status) >= 400 ? 'err' : 'okbar'} />
          </svg>
          <span class="small">{fmtNumber(n)}</span>
        </li>
      ))}
    </ul>
  );
}
