/**
 * The human plan, as Terraform prints one: resources grouped, a symbol per
 * change, field changes line by line, consequences for published APIs, and
 * the summary.
 */
import { kindInfo } from '@apigw/schema';
import type { FieldChange } from '../kinds';
import type { Consequence, Plan, PlanEvent } from '../diff';
import { painter, type Paint, type RenderOptions } from './style';
import { formatValue } from './values';

/** One resource's events, in plan order. */
export interface ResourceBlock {
  readonly key: string;
  readonly main?: PlanEvent;
  readonly stages: PlanEvent[];
}

/** Groups events by resource, keeping plan order. */
export function resourceBlocks(plan: Plan): ResourceBlock[] {
  const blocks = new Map<string, { key: string; main?: PlanEvent; stages: PlanEvent[] }>();
  for (const e of plan.events) {
    const key = `${e.kind} ${e.id}`;
    let block = blocks.get(key);
    if (!block) blocks.set(key, (block = { key, stages: [] }));
    if (e.op === 'publish' || e.op === 'unpublish') block.stages.push(e);
    else if (!block.main) block.main = e;
    else blocks.set(`${key}\u0000${e.op}`, { key, main: e, stages: [] });
  }
  return [...blocks.values()];
}

/** The Terraform symbol of a resource's change. */
export function symbolOf(block: ResourceBlock): '+' | '~' | '-' | '-/+' {
  switch (block.main?.op) {
    case 'create':
    case 'authorize':
      return '+';
    case 'delete':
    case 'revoke':
      return '-';
    case 'replace':
      return '-/+';
    default:
      return '~';
  }
}

/** What happens to the resource, in words. */
export function describe(block: ResourceBlock, withReason = false): string {
  const main = block.main;
  const publishes = block.stages.filter((s) => s.op === 'publish').map((s) => s.stage);
  const unpublishes = block.stages.filter((s) => s.op === 'unpublish').map((s) => s.stage);
  const parts: string[] = [];
  switch (main?.op) {
    case 'create':
      parts.push('will be created');
      break;
    case 'authorize':
      parts.push('will be granted');
      break;
    case 'delete':
      parts.push('will be destroyed');
      break;
    case 'revoke':
      parts.push('will be revoked');
      break;
    case 'replace':
      parts.push('must be replaced');
      break;
    case 'adopt':
      parts.push(main.changes.length > 0 ? 'will be adopted by this stack and updated in place' : 'will be adopted by this stack');
      break;
    case 'update':
      parts.push('will be updated in place');
      break;
  }
  if (withReason && main?.reason) parts[0] = `${parts[0]} (${main.reason})`;
  if (unpublishes.length > 0) parts.push(`unpublished from ${unpublishes.join(', ')}`);
  if (publishes.length > 0) parts.push(`published to ${publishes.join(', ')}`);
  if (!main) parts[0] = `will be ${parts[0]}`;
  return parts.join(', then ');
}

/**
 * The plan for people: Terraform's symbols, one block per resource with
 * its field-level changes, what it does to other APIs, and the summary
 * line. Secrets are already masked in the plan's events.
 */
export function renderHuman(plan: Plan, options: RenderOptions): string {
  const paint = painter(options);
  if (plan.events.length === 0)
    return `No changes. The gateway matches the document (stack ${plan.stack}, revision ${plan.revision}).\n`;
  const lines: string[] = [
    `apigw will perform the following actions on stack ${plan.stack} (planned against revision ${plan.revision}):`,
    '',
  ];
  for (const block of resourceBlocks(plan)) lines.push(...renderBlock(block, paint), '');
  lines.push(summaryLine(plan, paint));
  return lines.join('\n') + '\n';
}

/** `Plan: N to add, M to change, K to destroy.` */
export function summaryLine(plan: Plan, paint: Paint = (_s, t) => t): string {
  const { add, change, destroy } = plan.summary;
  return `${paint('bold', 'Plan:')} ${add} to add, ${change} to change, ${destroy} to destroy.`;
}

function renderBlock(block: ResourceBlock, paint: Paint): string[] {
  const first = block.main ?? block.stages[0]!;
  const label = kindInfo(first.kind).label;
  const symbol = symbolOf(block);
  const lines: string[] = [];
  lines.push(paint('dim', `  # ${label} ${first.id} ${describe(block, true)}`));
  lines.push(`  ${colorSymbol(symbol, paint)} ${label} ${first.id}`);
  for (const c of block.main?.changes ?? []) lines.push(`      ${changeLine(c, paint)}`);
  for (const s of block.stages) {
    const sym = s.op === 'publish' ? paint('green', '+') : paint('red', '-');
    lines.push(`      ${sym} ${s.op === 'publish' ? 'publish to' : 'unpublish from'} ${s.stage} ${paint('dim', `(${s.reason})`)}`);
  }
  for (const c of block.main?.consequences ?? []) lines.push(`      ${consequenceLine(c, paint)}`);
  return lines;
}

function colorSymbol(symbol: string, paint: Paint): string {
  switch (symbol) {
    case '+':
      return paint('green', '+');
    case '-':
      return paint('red', '-');
    case '-/+':
      return `${paint('red', '-')}/${paint('green', '+')}`;
    default:
      return paint('yellow', '~');
  }
}

/** One field change: `~ /path: old → new`, `+ /path: new`, `- /path: old`. */
export function changeLine(c: FieldChange, paint: Paint = (_s, t) => t): string {
  const replace = c.forcesReplacement ? paint('red', ' # forces replacement') : '';
  if (c.before === undefined) return `${paint('green', '+')} ${c.path}: ${formatValue(c.after)}${replace}`;
  if (c.after === undefined) return `${paint('red', '-')} ${c.path}: ${formatValue(c.before)}${replace}`;
  return `${paint('yellow', '~')} ${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}${replace}`;
}

/** What a backend or plugin change does to the APIs it serves or acts on. */
export function consequenceLine(c: Consequence, paint: Paint = (_s, t) => t): string {
  const n = `${c.apis.length} API${c.apis.length === 1 ? '' : 's'}`;
  const what =
    c.effect === 'repoint'
      ? `repoints ${n} published to ${c.stage} at once (no republish): ${c.apis.join(', ')}`
      : c.effect === 'policy'
        ? `changes the traffic policy of ${n} in ${c.stage}: ${c.apis.join(', ')}`
        : `unpublishes ${n} from ${c.stage}: ${c.apis.join(', ')}`;
  return `${paint('cyan', '!')} ${what}`;
}
