import type * as MathJs from 'mathjs' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import type { AgentTool, ToolOutput } from '../agent-tool';

// mathjs's own parser and evaluator (no eval); the functions that reach outside arithmetic are disabled,
// as mathjs's security notes advise for untrusted expressions.
// mathjs ships CommonJS beside its ESM build; its types are ESM-only, hence the typed require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { all, create } = require('mathjs') as typeof MathJs;
const math = create(all!);
const evaluate = math.evaluate.bind(math);
const disabled = () => {
  throw new Error('not available in this calculator');
};
math.import(
  {
    import: disabled,
    createUnit: disabled,
    evaluate: disabled,
    parse: disabled,
    simplify: disabled,
    derivative: disabled,
    resolve: disabled,
    reviver: disabled,
  },
  { override: true },
);

const CalculatorInput = z.strictObject({
  expression: z
    .string()
    .min(1)
    .max(1_000)
    .describe('An arithmetic expression, e.g. "(2 + 3) * 4 / 7", "sqrt(2)^2", "10 % 3", "2 km to m"'),
});

/** Evaluates an arithmetic expression exactly as written (mathjs), so the model need not do sums itself. */
export const calculatorTool: AgentTool<z.infer<typeof CalculatorInput>> = {
  name: 'calculator',
  description:
    'Evaluate an arithmetic expression (numbers, + - * / ^ %, parentheses, functions such as sqrt, sin, log, unit conversions) and return its value.',
  input: CalculatorInput,
  run: ({ expression }): Promise<ToolOutput> => {
    try {
      const value: unknown = evaluate(expression);
      if (typeof value === 'function' || value === undefined) {
        return Promise.resolve({ ok: false, error: { code: 'invalid_expression', message: 'not a value' } });
      }
      return Promise.resolve({
        ok: true,
        output: { expression, result: math.format(value, { precision: 14 }) },
      });
    } catch (error) {
      return Promise.resolve({
        ok: false,
        error: {
          code: 'invalid_expression',
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  },
};
