// Passkeys in the workspace: the only script the pages load. It passes
// the centre's WebAuthn options to the browser (navigator.credentials)
// and the authenticator's answer back; every decision is the centre's.
// Buttons carry data-passkey="signin" (a passkey alone), "confirm" (after
// the password) or "register" (add one to your account). Without
// JavaScript the buttons stay hidden and the pages work with passwords.
"use strict";

(function () {
  function fromB64(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64(buf) {
    const bytes = new Uint8Array(buf);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The options as the browser wants them: binary fields as buffers.
  function decodeOptions(o) {
    const pk = o.publicKey;
    pk.challenge = fromB64(pk.challenge);
    if (pk.user) pk.user.id = fromB64(pk.user.id);
    for (const list of [pk.allowCredentials, pk.excludeCredentials]) {
      for (const c of list || []) c.id = fromB64(c.id);
    }
    return o;
  }

  // The answer as the centre reads it: binary fields as base64url.
  function encodeCredential(c) {
    const r = c.response;
    const response = { clientDataJSON: toB64(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toB64(r.authenticatorData);
      response.signature = toB64(r.signature);
      if (r.userHandle) response.userHandle = toB64(r.userHandle);
    }
    return {
      id: c.id,
      rawId: toB64(c.rawId),
      type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: response,
    };
  }

  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await res.json().catch(() => ({ error: "the centre's answer could not be read" }));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function say(button, message) {
    const out = document.getElementById(button.dataset.status);
    if (out) out.textContent = message;
  }

  async function run(button) {
    const kind = button.dataset.passkey;
    const csrf = button.dataset.csrf;
    const next = button.dataset.next || "/ui/";
    button.disabled = true;
    try {
      if (kind === "register") {
        const name = document.getElementById(button.dataset.name).value;
        say(button, "Follow your browser's prompt to create the passkey…");
        const begun = await post("/ui/account/passkeys/begin", csrf);
        const cred = await navigator.credentials.create(decodeOptions(begun));
        await post("/ui/account/passkeys/finish", csrf, { name: name, credential: encodeCredential(cred) });
        window.location.assign("/ui/account");
        return;
      }
      let options;
      if (kind === "confirm") {
        options = JSON.parse(document.getElementById(button.dataset.options).textContent);
      } else {
        options = await post("/ui/signin/passkey", csrf);
      }
      say(button, "Follow your browser's prompt to use your passkey…");
      const cred = await navigator.credentials.get(decodeOptions(options));
      const done = await post("/ui/signin/passkey/finish", csrf, { next: next, credential: encodeCredential(cred) });
      window.location.assign(done.next);
    } catch (e) {
      say(button, "The passkey did not work: " + e.message);
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) return;
    for (const b of document.querySelectorAll("button[data-passkey]")) {
      b.hidden = false;
      b.addEventListener("click", function (ev) {
        ev.preventDefault();
        run(b);
      });
    }
  });
})();
