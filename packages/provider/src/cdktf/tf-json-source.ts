/**
 * `-f cdk.tf.json`: the document source of a stack CDKTF synthesized, which
 * the CLI puts in front of the core's sources so a pipeline without
 * Terraform can plan and apply it.
 */
import { parseJsonFile, type DocumentSource } from '../desired/sources';
import { parseTfJsonDocument } from './from-tf-json';

/**
 * A stack synthesized by CDKTF (`cdk.tf.json`): the apigw resources in it,
 * read by the CDKTF integration's converter (`./from-tf-json`), which
 * names a problem's place in the file rather than in the document.
 */
export const tfJsonSource: DocumentSource = {
  name: 'synthesized CDKTF stack',
  matches: (file) => file.endsWith('.tf.json'),
  load: async (file) => parseTfJsonDocument(parseJsonFile(file), file),
};

