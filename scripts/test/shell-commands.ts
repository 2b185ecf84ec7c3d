/** Test helper: the commands of a shell snippet from the docs, each with the answer shown in the comments after it. */

export interface ShellCommand {
  /** The command as written, continuation lines joined, without its trailing comment. */
  text: string;
  /** Its words, quotes removed (single and double quotes, backslash-newline continuations). */
  argv: string[];
  /** The comment lines right after it (`# …`), joined with their leading spaces trimmed: the answer shown. */
  answer?: string;
}

/**
 * Splits a snippet into commands. Quotes may span lines (a JSON body); `#` at the start of a word starts a comment;
 * a command's own trailing comment describes it, and comment lines that follow it are its answer.
 */
export function shellCommands(snippet: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let text = '';
  let i = 0;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push({ text: text.trim(), argv: words });
    words = [];
    text = '';
  };
  while (i < snippet.length) {
    const c = snippet[i];
    if (c === '\\' && snippet[i + 1] === '\n') {
      endWord();
      text += ' ';
      i += 2;
    } else if (c === "'" || c === '"') {
      const close = snippet.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed ${c} in ${snippet.slice(i, i + 40)}`);
      word = (word ?? '') + snippet.slice(i + 1, close);
      text += snippet.slice(i, close + 1);
      i = close + 1;
    } else if (c === '#' && word === undefined) {
      const eol = snippet.indexOf('\n', i);
      const comment = snippet.slice(i + 1, eol < 0 ? undefined : eol).trim();
      if (words.length) endCommand();
      else if (commands.length && text.trim() === '') {
        const last = commands[commands.length - 1];
        last.answer = (last.answer ?? '') + comment;
      }
      i = eol < 0 ? snippet.length : eol + 1;
    } else if (c === '\n') {
      endCommand();
      i++;
    } else if (c === ' ' || c === '\t') {
      endWord();
      text += c;
      i++;
    } else {
      word = (word ?? '') + c;
      text += c;
      i++;
    }
  }
  endCommand();
  return commands;
}
