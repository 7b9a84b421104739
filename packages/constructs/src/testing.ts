import type { GatewayDocument } from '@apigw/schema';
import { SynthError, type SynthProblem } from './errors';
import { GatewayStack, type GatewayStackProps } from './gateway-stack';

/** Helpers for unit tests of gateway constructs. */
export class Testing {
  /** A fresh root stack (named `test` unless told otherwise). */
  static stack(name = 'test', props?: GatewayStackProps): GatewayStack {
    return new GatewayStack(name, props);
  }

  /** The stack's document; throws SynthError like `stack.synth()`. */
  static synth(stack: GatewayStack): GatewayDocument {
    return stack.synth();
  }

  /** Every problem synthesis finds, or an empty list when the stack is valid. */
  static synthProblems(stack: GatewayStack): readonly SynthProblem[] {
    try {
      stack.synth();
      return [];
    } catch (err) {
      if (err instanceof SynthError) return err.problems;
      throw err;
    }
  }
}
