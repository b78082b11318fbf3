/**
 * The "did it go out?" question: when Flowkeeper stopped while a step was sending something and
 * cannot tell whether it arrived, a person chooses. Plain labels and what each choice does.
 */

const CHOICES: Record<string, { label: string; explanation: string; danger?: boolean }> = {
  'send-again': {
    label: 'Send it again',
    explanation: 'Choose this if it did not go out. If it did, the receiver may get it twice.',
    danger: true,
  },
  'skip-item': {
    label: 'Skip this item',
    explanation: 'Choose this if it already went out, or should not. The run goes on with the other items.',
  },
  cancel: {
    label: 'Cancel the run',
    explanation: 'Stop here. Nothing more is sent; finished steps stay as they are.',
    danger: true,
  },
  'mark-done': {
    label: 'It went out',
    explanation: 'Treat the step as done and carry on.',
  },
};

export function choiceLabel(choice: string): string {
  return CHOICES[choice]?.label ?? choice.replaceAll('-', ' ');
}

export function choiceExplanation(choice: string): string {
  return CHOICES[choice]?.explanation ?? '';
}

export function isRiskyChoice(choice: string): boolean {
  return CHOICES[choice]?.danger === true;
}

/** The choices `runs.resume` accepts, in a calm order (the safest first). */
export function orderChoices(choices: readonly string[]): string[] {
  const order = ['skip-item', 'mark-done', 'send-again', 'cancel'];
  const rank = (c: string) => (order.includes(c) ? order.indexOf(c) : order.length);
  return [...choices].sort((a, b) => rank(a) - rank(b));
}
