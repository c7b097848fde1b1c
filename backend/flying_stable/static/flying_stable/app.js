// Flying Stable: small vanilla JS. No framework, no network beyond this origin,
// and never the session token (C-AUTH-1): the shell's cookie is HttpOnly.
(function () {
  "use strict";

  // "Open App Data Folder": only when a shell bridge is present (C-SHELL-2).
  function wireBridge() {
    var button = document.getElementById("open-app-data");
    var bridge = window.desktop;
    if (!button || !bridge || typeof bridge.openAppDataFolder !== "function") return;
    button.hidden = false;
    button.addEventListener("click", function () { bridge.openAppDataFolder(); });
  }

  // In-page confirmation modal for delete and "clear the stable".
  function wireConfirm() {
    var modal = document.getElementById("confirm-modal");
    if (!modal || typeof modal.showModal !== "function") return;
    var pendingForm = null;
    document.querySelectorAll("[data-confirm]").forEach(function (trigger) {
      trigger.addEventListener("click", function () {
        pendingForm = document.getElementById(trigger.dataset.confirm);
        document.getElementById("confirm-title").textContent = trigger.dataset.confirmTitle || "Are you sure?";
        document.getElementById("confirm-body").textContent = trigger.dataset.confirmBody || "";
        modal.showModal();
      });
    });
    modal.addEventListener("close", function () {
      if (modal.returnValue === "confirm" && pendingForm) pendingForm.submit();
      pendingForm = null;
    });
  }

  // Client-side validation with themed messages; the server re-checks everything.
  function wireValidation() {
    document.querySelectorAll("form[data-validate]").forEach(function (form) {
      function check(field) {
        var box = form.querySelector('[data-error-for="' + field.name + '"]');
        var message = "";
        if (field.validity.valueMissing) message = field.dataset.msgRequired || "This is needed.";
        else if (field.validity.tooLong || (field.maxLength > 0 && field.value.length > field.maxLength))
          message = field.dataset.msgMaxlength || "That is too long.";
        else if (field.type === "text" && field.required && !field.value.trim())
          message = field.dataset.msgRequired || "This is needed.";
        if (box) box.textContent = message;
        var wrapper = field.closest(".field");
        if (wrapper) wrapper.classList.toggle("has-error", message !== "");
        return message === "";
      }
      var fields = form.querySelectorAll("input[name], textarea[name]");
      fields.forEach(function (field) {
        field.addEventListener("input", function () { check(field); });
        field.addEventListener("change", function () { check(field); });
      });
      form.addEventListener("submit", function (event) {
        var firstBad = null;
        fields.forEach(function (field) { if (!check(field) && !firstBad) firstBad = field; });
        if (firstBad) { event.preventDefault(); firstBad.focus(); }
      });
    });
  }

  // Stable Routines: poll every 2 s while something is queued or running.
  function wirePolling() {
    var section = document.getElementById("routines");
    if (!section || section.dataset.running !== "true") return;
    var url = section.dataset.statusUrl;
    function render(data) {
      data.routines.forEach(function (r) {
        var row = section.querySelector('.routine[data-id="' + r.id + '"]');
        if (!row) return;
        var badge = row.querySelector('[data-field="label"]');
        badge.textContent = r.label;
        badge.className = "badge badge-" + r.status;
        row.querySelector('[data-field="message"]').textContent =
          r.message + (r.duration_s ? " (" + r.duration_s + " s)" : "");
      });
    }
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          render(data);
          if (data.running) setTimeout(tick, 2000);
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    setTimeout(tick, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireBridge();
    wireConfirm();
    wireValidation();
    wirePolling();
  });
})();
