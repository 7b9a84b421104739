/** Plans for people (terminal, Markdown) and machines (JSON). */
export { renderHuman, summaryLine, changeLine, consequenceLine } from './human';
export { renderMarkdown } from './markdown';
export { renderJson, toPlanDocument, secretRef, isSecretRef, PLAN_FORMAT_VERSION, type PlanDocument, type SecretRef } from './json';
export { useColor, painter, type RenderOptions, type Paint } from './style';
export { formatValue } from './values';
