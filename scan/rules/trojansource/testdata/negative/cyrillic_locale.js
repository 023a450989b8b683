// Excerpts of real locale data: moment 2.30.1 src/locale/mk.js and mn.js;
// date-fns 4.1.0 locale/kk/_lib/match.js, mk/_lib/formatRelative.js and
// uk/_lib/formatDistance.js. Cyrillic locale strings and regular expressions
// mix in Latin letters (нe, пo, сe, днi): text, not identifiers.
const mk = {
    weekdaysMin: 'нe_пo_вт_ср_че_пе_сa'.split('_'),
};
const mnFormat = {
        LL: 'YYYY оны MMMMын D',
};
const matchDayPatterns = {
  any: [
    /^ж[ек]/i,
    /^д[үй]/i,
    /^сe[й]/i,
    /^сә[р]/i,
    /^б[ей]/i,
    /^ж[ұм]/i,
    /^се[н]/i,
  ],
};
function lastWeek(weekday) {
      return "'ова " + weekday + " вo' p";
}
const xDays = {
      singularGenitive: "{{count}} днi",
};
