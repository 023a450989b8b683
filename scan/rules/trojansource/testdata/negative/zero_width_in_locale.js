// Excerpts of real locale data: date-fns 4.1.0 locale/km/_lib/formatRelative.js
// and gu/_lib/localize.js. Khmer marks word breaks with U+200B, and the
// Gujarati string starts with one: text shaping inside strings.
const formatRelativeLocale = {
  lastWeek: "'ថ្ងៃ'eeee'ស​ប្តា​ហ៍​មុនម៉ោង' p",
  yesterday: "'ម្សិលមិញនៅម៉ោង' p",
  today: "'ថ្ងៃនេះម៉ោង' p",
};
const dayPeriodValues = {
  abbreviated: {
    am: "AM",
    pm: "PM",
    midnight: "​મધ્યરાત્રિ",
    noon: "બપોરે",
    morning: "સવારે",
    afternoon: "બપોરે",
  },
};
