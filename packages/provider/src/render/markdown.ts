/**
 * The plan as a Markdown pull-request comment, cut to fit what code hosts
 * accept.
 */
import { kindInfo } from '@apigw/schema';
import type { Plan } from '../diff';
import { describe, renderHuman, resourceBlocks, summaryLine, symbolOf } from './human';

/** Rows of the resource table before the rest is summarized. */
const TABLE_ROWS = 200;
/** Characters of the folded full plan: code hosts cap a comment at 65,536. */
const DETAILS_CHARS = 40_000;

/**
 * The plan as a pull-request comment: the summary, a table of resources
 * and, folded, the full human plan in a diff block. Big plans are cut to
 * fit a comment, saying how much was left out.
 */
export function renderMarkdown(plan: Plan): string {
  const lines = [`### apigw plan: stack \`${plan.stack}\``, ''];
  if (plan.events.length === 0) {
    lines.push(`No changes: the gateway matches the document (revision ${plan.revision}).`);
    return lines.join('\n') + '\n';
  }
  lines.push(`**${summaryLine(plan)}**`, '', '| | resource | change |', '|---|---|---|');
  const blocks = resourceBlocks(plan);
  for (const block of blocks.slice(0, TABLE_ROWS)) {
    const e = block.main ?? block.stages[0]!;
    lines.push(`| \`${symbolOf(block)}\` | ${kindInfo(e.kind).label} \`${e.id}\` | ${escapeCell(describe(block, true))} |`);
  }
  if (blocks.length > TABLE_ROWS) lines.push(`| | ... | and ${blocks.length - TABLE_ROWS} more resources |`);
  const consequences = plan.events.flatMap((e) => (e.consequences ?? []).map((c) => ({ e, c })));
  if (consequences.length > 0) {
    lines.push('', '**Consequences**', '');
    for (const { e, c } of consequences)
      lines.push(
        c.effect === 'repoint'
          ? `- ${kindInfo(e.kind).label} \`${e.id}\` repoints ${c.apis.length} API(s) published to ${c.stage}: ${c.apis.map((a) => `\`${a}\``).join(', ')}`
          : c.effect === 'policy'
            ? `- ${kindInfo(e.kind).label} \`${e.id}\` changes the traffic policy of ${c.apis.length} API(s) in ${c.stage}: ${c.apis.map((a) => `\`${a}\``).join(', ')}`
            : `- ${kindInfo(e.kind).label} \`${e.id}\` unpublishes ${c.apis.length} API(s) from ${c.stage}: ${c.apis.map((a) => `\`${a}\``).join(', ')}`,
      );
  }
  let details = renderHuman(plan, { color: false }).trimEnd();
  let summary = 'Full plan';
  if (details.length > DETAILS_CHARS) {
    const cut = details.lastIndexOf('\n', DETAILS_CHARS);
    const omitted = details.slice(cut + 1).split('\n').length;
    details = details.slice(0, cut);
    summary = `Plan (first part; ${omitted} more lines: run apigw plan for all of it)`;
  }
  lines.push('', `<details><summary>${summary}</summary>`, '', '```diff', details, '```', '', '</details>');
  return lines.join('\n') + '\n';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
