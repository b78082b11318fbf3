/** The editor's keyboard shortcuts, listed once for the help panel and kept true to editor-view's key handling. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: 'Tab', does: 'Move to the next step on the canvas' },
  { keys: 'Enter', does: 'Select the step that has the focus' },
  { keys: 'Arrow keys', does: 'Move the selected steps (Shift: further)' },
  { keys: 'Shift + drag', does: 'Select several steps with a box' },
  { keys: 'Ctrl + click', does: 'Add a step to the selection' },
  { keys: 'Ctrl + A', does: 'Select all steps' },
  { keys: 'Delete', does: 'Remove the selected steps or connections' },
  { keys: 'Ctrl + C / Ctrl + V', does: 'Copy and paste steps (also into another flow)' },
  { keys: 'Ctrl + D', does: 'Duplicate the selected steps' },
  { keys: 'Ctrl + Z', does: 'Undo' },
  { keys: 'Ctrl + Shift + Z or Ctrl + Y', does: 'Redo' },
  { keys: 'Escape', does: 'Clear the selection' },
  { keys: '?', does: 'Show this list' },
  { keys: '← → (on the timeline)', does: 'Step through a past run one moment at a time' },
];
