/** Small pieces every page uses. */
import type { ComponentChildren } from 'preact';
import type { StageView } from '../../runtime/src/admin/console-model';
import type { Loaded } from './hooks';

/** The stages in order. */
export const STAGES = ['TEST', 'PRE', 'RELEASE'] as const;
export type Stage = (typeof STAGES)[number];

/** A page: its title (also the document title) and content. */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  document.title = `${props.title} · apigw console`;
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {props.title}
        </h1>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

/** Renders `children(data)` once loaded; a failure or the first load show instead. */
export function Load<T>(props: { of: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const { data, error } = props.of;
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      {data === undefined ? !error && <p class="muted">Loading…</p> : props.children(data)}
    </>
  );
}

/** A table that scrolls sideways in a narrow window instead of squeezing. */
export function Table(props: { label: string; children: ComponentChildren; class?: string }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      <table class={props.class}>{props.children}</table>
    </div>
  );
}

/** A published stage: the revision (digest prefix), and a stale flag when the definition moved on since. */
export function StageBadge(props: { stage: Stage; view: StageView | undefined }) {
  const v = props.view;
  if (!v) return <span class="badge off" title={`not published to ${props.stage}`}>—</span>;
  return (
    <span class={`badge ${v.stale ? 'stale' : 'live'}`} title={`${props.stage}: revision ${v.digest.slice(0, 12)} published ${fmtTime(v.publishedAt)}${v.stale ? ' — stale: the definition changed since' : ''}`}>
      <code>{v.digest.slice(0, 7)}</code>
      {v.stale && <span class="flag"> stale</span>}
    </span>
  );
}

/** Who owns a resource. */
export function StackName(props: { stack: string | null }) {
  return props.stack === null ? <span class="muted">unowned</span> : <span>{props.stack}</span>;
}

/** A local, readable time. */
export function fmtTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A number with thousands separators. */
export function fmtNumber(n: number): string {
  return n.toLocaleString('en-US');
}
