import { createInterface } from 'node:readline';
import { AdminError } from './context.js';

/** The first line of `input` (without its line ending), for `--password-stdin`. */
function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let done = false;
    lines.once('line', (line) => {
      done = true;
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!done) reject(new AdminError('no password on standard input'));
    });
    input.once('error', reject);
  });
}

/**
 * Asks at the terminal without echoing what is typed. Backspace erases; Ctrl-C or Ctrl-D gives up.
 */
function askHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          return reject(new AdminError('no password given'));
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    }
    input.on('data', onData);
  });
}

/** The new password: one line of stdin, or asked twice at the terminal; refused when neither is possible. */
export async function readNewPassword(fromStdin: boolean, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  if (fromStdin) return readLine(input);
  if (!input.isTTY) throw new AdminError('no terminal to ask for the password on: write it as one line to standard input with --password-stdin');
  const first = await askHidden('New password: ', input, output);
  const again = await askHidden('Repeat it: ', input, output);
  if (first !== again) throw new AdminError('the two passwords differ');
  return first;
}
