// Passkeys and security keys (WebAuthn), the browser's side. A form marked data-passkey="create" registers one;
// data-passkey="get" signs in (or confirms) with the passkey chosen in its device picker. The options come from
// the form's data-passkey-options URL (a POST with the session's CSRF token: it issues a challenge); the browser's
// answer goes back as JSON in the form's hidden "credential" or "assertion" field, and the form is submitted.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBuffer(descriptor.id) });
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  // PublicKeyCredential as JSON (WebAuthn's own JSON form), with the response's fields in base64url.
  function credentialJSON(credential, fields) {
    var response = {};
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      response[name] = value instanceof ArrayBuffer ? toText(value) : value;
    });
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return credentialJSON(credential, {
      clientDataJSON: response.clientDataJSON,
      attestationObject: response.attestationObject,
      transports: response.getTransports ? response.getTransports() : [],
    });
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return credentialJSON(credential, {
      clientDataJSON: response.clientDataJSON,
      authenticatorData: response.authenticatorData,
      signature: response.signature,
      userHandle: response.userHandle || undefined,
    });
  }

  function chosenDevice(form) {
    return form.querySelector('input[name="device"]:checked') || form.querySelector('input[type="hidden"][name="device"]');
  }

  function usesPasskey(form) {
    if (form.getAttribute("data-passkey") === "create") {
      return true;
    }
    var device = chosenDevice(form);
    return !!device && device.getAttribute("data-kind") === "passkey";
  }

  function fetchOptions(form) {
    var body = new URLSearchParams();
    body.set("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    var device = chosenDevice(form);
    if (device) {
      body.set("device", device.value);
    }
    return fetch(form.getAttribute("data-passkey-options"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (json) {
        if (!response.ok) {
          var refused = new Error(json.error || "");
          refused.name = "Refused";
          throw refused;
        }
        return json;
      });
    });
  }

  function ceremony(form) {
    var creating = form.getAttribute("data-passkey") === "create";
    return fetchOptions(form).then(function (json) {
      if (creating) {
        return navigator.credentials.create({ publicKey: creationOptions(json) }).then(registrationJSON);
      }
      return navigator.credentials.get({ publicKey: requestOptions(json) }).then(assertionJSON);
    });
  }

  function explain(error, panel) {
    if (error && error.name === "Refused" && error.message) {
      return error.message;
    }
    if (error && error.name === "InvalidStateError") {
      return panel.getAttribute("data-registered");
    }
    if (error && error.name === "NotAllowedError") {
      return panel.getAttribute("data-cancelled");
    }
    return panel.getAttribute("data-failed");
  }

  function run(form) {
    var panel = form.querySelector("[data-passkey-panel]");
    var status = form.querySelector("[data-passkey-status]");
    var field = form.querySelector('input[name="' + (form.getAttribute("data-passkey") === "create" ? "credential" : "assertion") + '"]');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      status.textContent = panel.getAttribute("data-unsupported");
      return;
    }
    if (form.hasAttribute("data-passkey-busy")) {
      return;
    }
    form.setAttribute("data-passkey-busy", "");
    status.textContent = panel.getAttribute("data-waiting");
    ceremony(form).then(
      function (answer) {
        field.value = JSON.stringify(answer);
        form.submit();
      },
      function (error) {
        form.removeAttribute("data-passkey-busy");
        status.textContent = explain(error, panel);
      }
    );
  }

  // The code field for a device with codes, the passkey panel for a passkey.
  function showChosen(form) {
    var passkey = usesPasskey(form);
    var code = form.querySelector("[data-code-field]");
    var panel = form.querySelector("[data-passkey-panel]");
    if (code) {
      code.hidden = passkey;
      code.querySelectorAll("input").forEach(function (input) {
        input.disabled = passkey;
      });
    }
    if (panel) {
      panel.hidden = !passkey;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      showChosen(form);
      form.querySelectorAll('input[name="device"]').forEach(function (radio) {
        radio.addEventListener("change", function () {
          showChosen(form);
        });
      });
      form.addEventListener("submit", function (event) {
        if (event.submitter && event.submitter.hasAttribute("formaction")) {
          return; // Cancel
        }
        if (!usesPasskey(form)) {
          return;
        }
        event.preventDefault();
        run(form);
      });
      if (form.hasAttribute("data-passkey-auto") && usesPasskey(form)) {
        run(form);
      }
    });
  });
})();
