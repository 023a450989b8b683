// Decodes the avatar the browser sent.
function avatar(b64) {
  const bytes = atob(b64);
  const hint = "never eval(bytes), it is an image";
  return { bytes, hint };
}
module.exports = avatar;
