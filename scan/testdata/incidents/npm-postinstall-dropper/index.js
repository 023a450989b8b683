'use strict';
module.exports = function format(c) {
  return '\x1b[' + c + 'm';
};
