/**
 * Syntax colouring for expressions, as a small CodeMirror StreamLanguage (no jsonata grammar
 * package is maintained for CodeMirror 6). Two modes: a bare jsonata expression (conditions,
 * transforms) and a `{{ }}` template, where only the parts inside the braces are jsonata.
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';

interface State {
  template: boolean;
  inExpression: boolean;
  inComment: boolean;
}

const KEYWORDS = new Set(['and', 'or', 'in', 'function']);
const ATOMS = new Set(['true', 'false', 'null']);

function expressionToken(stream: StringStream, state: State): string | null {
  if (state.inComment) {
    if (stream.skipTo('*/')) {
      stream.match('*/');
      state.inComment = false;
    } else stream.skipToEnd();
    return 'comment';
  }
  if (stream.eatSpace()) return null;
  if (state.template && stream.match('}}')) {
    state.inExpression = false;
    return 'meta';
  }
  if (stream.match('/*')) {
    state.inComment = true;
    return 'comment';
  }
  const ch = stream.peek();
  if (ch === '"' || ch === "'") {
    stream.next();
    let escaped = false;
    while (!stream.eol()) {
      const c = stream.next();
      if (c === ch && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    return 'string';
  }
  if (ch === '`') {
    stream.next();
    stream.skipTo('`');
    stream.next();
    return 'propertyName';
  }
  if (stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number';
  if (stream.match(/^\$[A-Za-z0-9_]*/)) return 'variableName.special';
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
  if (word) {
    if (KEYWORDS.has(word[0])) return 'keyword';
    if (ATOMS.has(word[0])) return 'atom';
    return 'propertyName';
  }
  if (stream.match(/^(:=|!=|<=|>=|~>|\.\.|\?:|\?\?|[-+*/%=<>&!?:.^#@|])/)) return 'operator';
  if (stream.match(/^[()[\]{}]/)) return 'bracket';
  stream.next();
  return null;
}

function templateToken(stream: StringStream, state: State): string | null {
  if (state.inExpression) return expressionToken(stream, state);
  if (stream.match('{{')) {
    state.inExpression = true;
    return 'meta';
  }
  // Plain text up to the next opening braces.
  while (!stream.eol() && !stream.match('{{', false)) stream.next();
  return 'content';
}

export function jsonataLanguage(template: boolean): StreamLanguage<State> {
  return StreamLanguage.define<State>({
    name: template ? 'flowkeeper-template' : 'jsonata',
    startState: () => ({ template, inExpression: false, inComment: false }),
    copyState: (s) => ({ ...s }),
    token: template ? templateToken : expressionToken,
    languageData: { commentTokens: { block: { open: '/*', close: '*/' } }, closeBrackets: { brackets: ['(', '[', '{', '"', "'"] } },
  });
}

/** Whether the cursor sits inside a `{{ … }}` of a template (where completion makes sense). */
export function insideTemplateExpression(textBefore: string): boolean {
  return textBefore.lastIndexOf('{{') > textBefore.lastIndexOf('}}');
}
