/**
 * The CodeMirror 6 editor for expressions: jsonata colouring, autocomplete of `$input`,
 * `$nodes.<ancestor>` and the item's fields, and undo inside the editor. Controlled: the value
 * comes from props and every edit goes to `onChange` (the inspector batches edits into one
 * undo step of the flow).
 */
import { useEffect, useRef } from 'react';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExtension } from '@codemirror/view';
import type { Suggestion } from './expression-scope.ts';
import { insideTemplateExpression, jsonataLanguage } from './jsonata-language.ts';

export interface ExpressionEditorProps {
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  /** `template`: text with `{{ }}` parts; `expression`: bare jsonata. */
  mode: 'template' | 'expression';
  suggestions: readonly Suggestion[];
  /** The id of the visible label, or (in table rows) `ariaLabel`. */
  labelledBy?: string;
  ariaLabel?: string;
  describedBy?: string;
  placeholder?: string;
  readOnly?: boolean;
  invalid?: boolean;
  multiline?: boolean;
}

export function ExpressionEditor(props: ExpressionEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Callbacks and suggestions are read through a ref so the editor is built once per field.
  const latest = useRef(props);
  latest.current = props;
  const applyingOutside = useRef(false);
  // Validity changes while typing (the flow is re-validated): reconfigured, never rebuilt, so focus stays.
  const attributesSlot = useRef(new Compartment());

  useEffect(() => {
    const complete = (context: CompletionContext): CompletionResult | null => {
      const word = context.matchBefore(/[$A-Za-z_`][\w.$`]*/);
      if (latest.current.mode === 'template' && !insideTemplateExpression(context.state.sliceDoc(0, context.pos))) return null;
      if (!word && !context.explicit) return null;
      return {
        from: word ? word.from : context.pos,
        options: latest.current.suggestions.map((s) => ({ label: s.label, detail: s.detail, type: s.type, ...(s.type === 'function' ? { apply: `${s.label}()` } : {}) })),
        validFor: /^[\w.$`]*$/,
      };
    };
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        history(),
        closeBrackets(),
        autocompletion({ override: [complete], activateOnTyping: true }),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        jsonataLanguage(props.mode === 'template'),
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
        attributesSlot.current.of(EditorView.contentAttributes.of(contentAttributes(latest.current))),
        EditorState.readOnly.of(props.readOnly ?? false),
        EditorView.editable.of(!(props.readOnly ?? false)),
        ...(props.placeholder ? [placeholderExtension(props.placeholder)] : []),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !applyingOutside.current) latest.current.onChange(update.state.doc.toString());
          if (update.focusChanged && !update.view.hasFocus) latest.current.onBlur?.();
        }),
      ],
    });
    const editor = new EditorView({ state, parent: host.current! });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Rebuilt only when the kind of editor changes; value changes are applied below.
  }, [props.mode, props.readOnly]);

  useEffect(() => {
    view.current?.dispatch({ effects: attributesSlot.current.reconfigure(EditorView.contentAttributes.of(contentAttributes(props))) });
  }, [props.labelledBy, props.ariaLabel, props.describedBy, props.invalid, props.multiline]);

  // An outside change (undo, another field's effect) replaces the text without losing focus.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value) {
      applyingOutside.current = true;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
      applyingOutside.current = false;
    }
  }, [props.value]);

  return <div ref={host} className={`expression-editor${props.multiline ? ' expression-editor-multiline' : ''}${props.invalid ? ' expression-editor-invalid' : ''}`} />;
}

function contentAttributes(props: ExpressionEditorProps): Record<string, string> {
  const attributes: Record<string, string> = { 'aria-multiline': String(props.multiline ?? false) };
  if (props.labelledBy) attributes['aria-labelledby'] = props.labelledBy;
  if (props.ariaLabel) attributes['aria-label'] = props.ariaLabel;
  if (props.describedBy) attributes['aria-describedby'] = props.describedBy;
  if (props.invalid) attributes['aria-invalid'] = 'true';
  return attributes;
}
