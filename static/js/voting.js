/* Voting journey (issue 5): forms marked data-once submit once (a double click sends one
   request); while the code message is still "sending" the review page polls until a
   gateway has taken it, then shows the news; and the third channel's review page polls
   until the SMS has arrived, then seals the ballot by submitting #received-form (or
   reloads, to say why it cannot: the session moved on, or too many wrong codes voided the
   code). */
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  var delivery = document.querySelector("[data-delivery-poll]");
  if (delivery) {
    var deliveryTimer = window.setInterval(function () {
      fetch(delivery.dataset.deliveryPoll, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.code_delivery === "sending") { return; }
          window.clearInterval(deliveryTimer);
          var typed = document.querySelector("[data-role=confirm-form] input[name=code]");
          if (!typed || !typed.value) { window.location.reload(); }  /* never wipe a code being typed */
        })
        .catch(function () { /* try again on the next tick */ });
    }, 1500);
  }
  var poll = document.querySelector("[data-poll-url]");
  var received = document.getElementById("received-form");
  if (!poll || !received) { return; }
  var timer = window.setInterval(function () {
    fetch(poll.dataset.pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.is_code_received && !received.dataset.sent) {
          window.clearInterval(timer);
          received.dataset.sent = "1";
          received.submit();
        } else if (data.state !== "code_sent" || data.is_code_void) {
          window.clearInterval(timer);
          window.location.reload();
        }
      })
      .catch(function () { /* try again on the next tick */ });
  }, 2000);
})();
