#!/usr/bin/env node
// Prints a bcrypt hash for a console user's `passwordHash` in the `impetus.users` settings.
//   npm run hash-password              asks twice, without echo
//   printf '%s' "$PW" | npm run -s hash-password     reads stdin (scripts, CI)
//   npm run hash-password -- --cost 12 more rounds (default 10; each +1 doubles the work)
// The password is never taken from the command line, where it would land in shell history.
'use strict';
/* global Buffer */
const bcrypt = require('bcryptjs');

function fail(message) {
  console.error(`hash-password: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let cost = 10;
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--cost') cost = Number(args[++i]);
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: npm run hash-password [-- --cost N]   (password from the terminal, or from stdin)');
    process.exit(0);
  } else fail(`unknown argument ${args[i]} (the password is read from the terminal or stdin, never from arguments)`);
}
if (!Number.isInteger(cost) || cost < 4 || cost > 15) fail('--cost must be a whole number from 4 to 15');

function readHidden(prompt) {
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.removeListener('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => (data += c));
    process.stdin.on('end', () => resolve(data.replace(/\r?\n$/, '')));
    process.stdin.on('error', reject);
  });
}

(async () => {
  let password;
  if (process.stdin.isTTY) {
    password = await readHidden('Password: ');
    if ((await readHidden('Again: ')) !== password) fail('the two passwords differ');
  } else {
    password = await readStdin();
  }
  if (!password) fail('the password is empty');
  // bcrypt reads only the first 72 bytes; a longer password would be silently cut.
  if (Buffer.byteLength(password) > 72) fail('bcrypt uses at most 72 bytes of a password; choose a shorter one');
  console.log(bcrypt.hashSync(password, cost));
})();
