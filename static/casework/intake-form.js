/*
 * The complaint form (in the widget's iframe and on the plain page).
 *
 * - Solves the proof-of-work challenge (ALTCHA v1: find n with
 *   SHA-256(salt + n) = challenge) in the background with crypto.subtle.
 * - Keeps the signed form token fresh while the form is open, so a slow
 *   typist loses nothing.
 * - In the iframe: reports its height to the embedding page, posting only to
 *   the origin the server vouched for (data-parent-origin), never to "*".
 */
(function () {
  "use strict";
  var body = document.body;
  var parentOrigin = body.getAttribute("data-parent-origin");
  var embedded = window.parent !== window;

  function post(message) {
    if (embedded && parentOrigin) window.parent.postMessage(message, parentOrigin);
  }

  function reportHeight() {
    post({ type: "klachtpunt:height", height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
  }

  if (embedded && parentOrigin) {
    reportHeight();
    window.addEventListener("load", reportHeight);
    if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(body);
    if (body.hasAttribute("data-scroll-top")) post({ type: "klachtpunt:top" });
  }

  var focusTarget = document.querySelector("[data-kp-focus]");
  if (focusTarget) focusTarget.focus();

  var form = document.querySelector("form.intake-form");
  if (!form) return;

  var tokenInput = form.querySelector("[data-kp-token]");
  var powInput = form.querySelector("[data-kp-pow]");
  var statusBox = form.querySelector("[data-kp-status]");
  var challengeData = document.getElementById("kp-challenge");
  var challenge = challengeData ? JSON.parse(challengeData.textContent) : null;
  var hasCrypto = !!(window.crypto && window.crypto.subtle && window.TextEncoder);

  function setStatus(text) {
    if (statusBox) statusBox.textContent = text || "";
  }

  // Someone who complains on behalf of a client fills in more; hide it from the client.
  var behalf = form.querySelector("[data-kp-behalf]");
  function toggleBehalf() {
    if (!behalf) return;
    var chosen = form.querySelector('input[name="complainant_kind"]:checked');
    behalf.hidden = !chosen || chosen.value === "client";
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "complainant_kind") toggleBehalf();
  });
  toggleBehalf();

  // Proof of work

  function hexToBytes(hex) {
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return bytes;
  }

  function sameBytes(buffer, target) {
    var view = new Uint8Array(buffer);
    if (view[0] !== target[0]) return false;
    for (var i = 1; i < target.length; i++) if (view[i] !== target[i]) return false;
    return true;
  }

  async function solve(current) {
    var encoder = new TextEncoder();
    var target = hexToBytes(current.challenge);
    var batch = 400;
    for (var start = 0; start <= current.maxNumber; start += batch) {
      var jobs = [];
      for (var n = start; n < start + batch && n <= current.maxNumber; n++) {
        jobs.push(crypto.subtle.digest("SHA-256", encoder.encode(current.salt + n)));
      }
      var digests = await Promise.all(jobs);
      for (var i = 0; i < digests.length; i++) {
        if (sameBytes(digests[i], target)) return start + i;
      }
      if (current !== challenge) return null; // a newer challenge took over
    }
    return null;
  }

  var solving = Promise.resolve();
  function startSolving() {
    var current = challenge;
    powInput.value = "";
    if (!current || !hasCrypto) return;
    solving = solve(current).then(function (number) {
      if (number === null || current !== challenge) return;
      powInput.value = btoa(
        JSON.stringify({
          algorithm: current.algorithm,
          challenge: current.challenge,
          number: number,
          salt: current.salt,
          signature: current.signature,
        })
      );
    });
  }

  function expiresSoon(current) {
    var query = current.salt.split("?")[1] || "";
    var expires = Number(new URLSearchParams(query).get("expires"));
    return !expires || expires * 1000 - Date.now() < 30 * 60 * 1000;
  }

  // The form token (and, when due, a new challenge)

  var lastRefresh = Date.now();
  function refresh() {
    lastRefresh = Date.now();
    return fetch(form.getAttribute("data-challenge-url"), {
      credentials: "omit",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        tokenInput.value = data.token;
        if (data.challenge && (!challenge || expiresSoon(challenge))) {
          challenge = data.challenge;
          startSolving();
        }
      })
      .catch(function () {
        /* offline for a moment: the next round tries again */
      });
  }
  window.setInterval(refresh, 4 * 60 * 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() - lastRefresh > 60 * 1000) refresh();
  });

  // Sending

  var sending = false;
  window.addEventListener("pageshow", function () {
    sending = false;
  });

  function sendWhenSolved() {
    var waitingFor = solving;
    waitingFor.then(function () {
      if (powInput.value) {
        sending = true;
        setStatus("");
        form.submit();
      } else if (waitingFor !== solving) {
        sendWhenSolved();
      }
    });
  }

  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    if (challenge && !powInput.value) {
      event.preventDefault();
      if (!hasCrypto) {
        setStatus(form.getAttribute("data-text-unsupported"));
        return;
      }
      setStatus(form.getAttribute("data-text-working"));
      sendWhenSolved();
      return;
    }
    sending = true;
  });

  startSolving();
})();
