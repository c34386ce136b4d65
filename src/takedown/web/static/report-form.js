// The report form's "fingerprint pictures or videos you have" field. The files are hashed here,
// in the browser (device-hash.js: PDQ or vPDQ, and SHA-256), and only the hashes go into the
// form: the file input has no name, so the browser never sends the files themselves. Where the browser cannot
// hash (no JavaScript, no WebCrypto outside a secure context, no createImageBitmap) the field
// stays hidden and the form works as before.
(function () {
  "use strict";
  var field = document.getElementById("fingerprints-field");
  var input = document.getElementById("fingerprints");
  var value = document.getElementById("fingerprints-value");
  var status = document.getElementById("fingerprints-status");
  var hasher = window.TakedownDeviceHash;
  if (!field || !input || !value || !status || !hasher) return;
  if (!window.crypto || !window.crypto.subtle || !window.createImageBitmap) return;
  field.hidden = false;

  var MOST = 10;
  var working = null; // the promise of the hashing under way, if any

  function say(template, values) {
    status.textContent = template.replace(/\{(\w+)\}/g, function (_, name) {
      return values[name];
    });
  }

  function fingerprintAll(files) {
    var found = [];
    var chain = Promise.resolve();
    files.forEach(function (file) {
      chain = chain.then(function () {
        if (/^video\//.test(file.type)) {
          return hasher.fingerprintVideo(file).then(function (print) {
            found.push({ type: "vpdq", value: print.vpdq }, { type: "sha256", value: print.sha256 });
          });
        }
        return hasher.fingerprintOffThread(file).then(function (print) {
          found.push(
            { type: "pdq", value: print.pdq, quality: print.quality },
            { type: "sha256", value: print.sha256 }
          );
        });
      }).catch(function (error) {
        if (!error.fileName) error.fileName = file.name;
        throw error;
      });
    });
    return chain.then(function () { return found; });
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    value.value = "";
    if (!files.length) {
      status.textContent = "";
      return;
    }
    if (files.length > MOST) {
      say(field.dataset.tooMany, {});
      input.value = "";
      return;
    }
    say(field.dataset.working, {});
    working = fingerprintAll(files).then(
      function (found) {
        value.value = JSON.stringify(found);
        say(field.dataset.done, { count: files.length });
      },
      function (error) {
        input.value = "";
        say(field.dataset.failed, { name: error.fileName || "" });
      }
    ).then(function () { working = null; });
  });

  // A reporter who presses "Send" while the fingerprints are being made sends them once ready.
  var form = field.closest("form");
  form.addEventListener("submit", function (event) {
    if (!working) return;
    event.preventDefault();
    working.then(function () { form.requestSubmit(); });
  });
})();
