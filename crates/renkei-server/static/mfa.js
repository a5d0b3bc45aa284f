// Passkeys: the portal's only script, because WebAuthn is reached through
// navigator.credentials alone. A form marked data-passkey="create" or "get"
// carries the server's options (data-options, JSON with base64url binary
// fields); on submit the browser asks the authenticator, and the answer is
// put in the form's "credential" field (JSON, base64url) and posted as a
// plain form, which the server verifies against the ceremony it started.
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var s = atob(b64);
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      var copy = Object.assign({}, c);
      copy.id = toBytes(c.id);
      return copy;
    });
  }

  function creationOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBytes(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: toBytes(pk.user.id) });
    pk.excludeCredentials = withIds(pk.excludeCredentials);
    return pk;
  }

  function requestOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBytes(pk.challenge);
    pk.allowCredentials = withIds(pk.allowCredentials);
    return pk;
  }

  function created(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toB64url(cred.response.attestationObject),
        clientDataJSON: toB64url(cred.response.clientDataJSON)
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function asserted(cred) {
    var r = cred.response;
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64url(r.authenticatorData),
        clientDataJSON: toB64url(r.clientDataJSON),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function attach(form) {
    var status = form.querySelector(".passkey-status");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!window.PublicKeyCredential || !navigator.credentials) {
        if (status) { status.textContent = form.dataset.failed; status.hidden = false; }
        return;
      }
      var options = JSON.parse(form.dataset.options);
      var ask = form.dataset.passkey === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) }).then(created)
        : navigator.credentials.get({ publicKey: requestOptions(options) }).then(asserted);
      ask.then(function (answer) {
        form.elements.credential.value = JSON.stringify(answer);
        // form.submit() skips this handler: the form goes as it is.
        form.submit();
      }).catch(function () {
        if (status) { status.textContent = form.dataset.failed; status.hidden = false; }
      });
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(attach);
})();
