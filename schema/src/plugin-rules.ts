/**
 * The document rules of plugins and their attachments (see
 * `plugin-checks.ts` for what each checks).
 */
import { checkAttachmentTarget, checkPluginConfig, conflictingAttachments } from './plugin-checks';
import type { Rule, RuleResource } from './rules';

/** A plugin's configuration fits its type and is usable (CIDR blocks, keys, origins). */
export const pluginConfigs: Rule = (input, report) => {
  for (const r of input.resources.plugin ?? []) {
    for (const c of checkPluginConfig(r.spec)) report(r, 'PLUGIN_CONFIG', c.pointer, `plugin ${r.spec.name}: ${c.message}`);
  }
};

/** An attachment names exactly one of api and group. */
export const attachmentTargets: Rule = (input, report) => {
  for (const r of input.resources.pluginAttachment ?? []) {
    const c = checkAttachmentTarget(r.spec);
    if (c !== null) report(r, 'PLUGIN_CONFIG', c.pointer, `attachment of plugin ${r.spec.plugin}: ${c.message}`);
  }
};

/**
 * At most one plugin of each type is attached to one API, or to one group,
 * in a stage (an API's own plugin still beats its group's); the later
 * attachment is reported at the stage.
 */
export const onePluginPerType: Rule = (input, report) => {
  const types = new Map((input.resources.plugin ?? []).map((r) => [r.spec.name, r.spec.type] as const));
  const attachments = (input.resources.pluginAttachment ?? []) as readonly RuleResource<'pluginAttachment', unknown>[];
  const bySpec = new Map(attachments.map((r) => [r.spec, r] as const));
  for (const { attachment, first, stage, type } of conflictingAttachments(
    attachments.map((r) => r.spec),
    (name) => types.get(name),
  )) {
    const target = attachment.api !== undefined ? `api ${attachment.api}` : `group ${attachment.group}`;
    report(
      bySpec.get(attachment)! as never,
      'PLUGIN_CONFLICT',
      `/stages/${attachment.stages.indexOf(stage)}`,
      `${target} already has ${type} plugin ${first.plugin} in ${stage}; plugin ${attachment.plugin} would be a second one`,
    );
  }
};
