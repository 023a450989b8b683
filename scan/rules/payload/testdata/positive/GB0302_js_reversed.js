const k = "& hsab/nib/ | a3f7/i/dilavni.elpmaxe.setadpu//:sptth - O- tegw";
module.exports = k;
