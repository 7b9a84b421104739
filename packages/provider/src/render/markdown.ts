import { kindInfo } from '@apigw/schema';
import type { Plan } from '../diff';
import { describe, renderHuman, resourceBlocks, summaryLine, symbolOf } from './human';

/**
 * The plan as a pull-request comment: the summary, a table of resources
 * and, folded, the full human plan in a diff block.
 */
export function renderMarkdown(plan: Plan): string {
  const lines = [`### apigw plan: stack \`${plan.stack}\``, ''];
  if (plan.events.length === 0) {
    lines.push(`No changes: the gateway matches the document (revision ${plan.revision}).`);
    return lines.join('\n') + '\n';
  }
  lines.push(`**${summaryLine(plan).replace(/^Plan:/, 'Plan:')}**`, '', '| | resource | change |', '|---|---|---|');
  for (const block of resourceBlocks(plan)) {
    const e = block.main ?? block.stages[0]!;
    lines.push(`| \`${symbolOf(block)}\` | ${kindInfo(e.kind).label} \`${e.id}\` | ${escapeCell(describe(block, true))} |`);
  }
  const consequences = plan.events.flatMap((e) => (e.consequences ?? []).map((c) => ({ e, c })));
  if (consequences.length > 0) {
    lines.push('', '**Consequences**', '');
    for (const { e, c } of consequences)
      lines.push(
        c.effect === 'repoint'
          ? `- ${kindInfo(e.kind).label} \`${e.id}\` repoints ${c.apis.length} API(s) published to ${c.stage}: ${c.apis.map((a) => `\`${a}\``).join(', ')}`
          : `- ${kindInfo(e.kind).label} \`${e.id}\` unpublishes ${c.apis.length} API(s) from ${c.stage}: ${c.apis.map((a) => `\`${a}\``).join(', ')}`,
      );
  }
  lines.push('', '<details><summary>Full plan</summary>', '', '```diff', renderHuman(plan, { color: false }).trimEnd(), '```', '', '</details>');
  return lines.join('\n') + '\n';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
