#!/usr/bin/env node
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
// Run first by every npm script: stops at once, with what to do, when this Node is older than
// package.json "engines" asks (an older one builds, then crashes in native addons such as
// better-sqlite3). Deliberately plain ES5 CommonJS, so that even a very old Node can parse it
// and print the message instead of a syntax error.
'use strict';

var fs = require('fs');
var path = require('path');

var root = path.join(__dirname, '..');

function readText(file) {
  var full = path.join(root, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '';
}

// [major, minor, patch] of "22.12", "v24.1.0", ">=22.12"; null when it is not a version.
function parseVersion(text) {
  var match = /^\s*(?:>=\s*)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(text || '');
  return match ? [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)] : null;
}

function atLeast(version, minimum) {
  for (var i = 0; i < 3; i++) {
    if (version[i] !== minimum[i]) return version[i] > minimum[i];
  }
  return true;
}

var engine = (JSON.parse(readText('package.json') || '{}').engines || {}).node;
var minimum = parseVersion(engine);
if (!minimum) {
  console.error('package.json "engines.node" must be ">=MAJOR.MINOR", not ' + JSON.stringify(engine));
  process.exit(1);
}
var current = parseVersion(process.versions.node);
if (current && atLeast(current, minimum)) process.exit(0);

var needed = engine.replace(/^\s*>=\s*/, '');
var preferred = readText('.nvmrc').trim() || String(minimum[0]);
var found = 'this is Node.js ' + process.version + ' (' + process.execPath + ').';
var home = '~/.cache/vigil-node' + preferred;
var message = [
  '',
  'Vigil needs Node.js ' + needed + ' or newer (' + preferred + ' preferred, see .nvmrc); ' + found,
  '',
  'Get Node.js ' + preferred + ', then run the command again:',
  '  with nvm:     nvm install && nvm use        (reads .nvmrc)',
  '  without nvm:  npm install --prefix ' + home + ' node@' + preferred,
  '                export PATH="' + home.replace('~', '$HOME') + '/node_modules/node/bin:$PATH"',
  "  or your system's package manager, or https://nodejs.org",
  '',
];
console.error(message.join('\n'));
process.exit(1);
