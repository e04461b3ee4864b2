/* 装维评价后台: progressive enhancements only — every page works without this file. */
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    // A ticked checkbox keeps focus but takes no text: shortcuts still apply.
    var box = t && t.tagName === "INPUT" && (t.type === "checkbox" || t.type === "radio");
    return t && !box && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  // Forms that change something important ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // Clickable rows.
  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.classList.add("row-link");
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, form")) { return; }
      window.location = row.getAttribute("data-href");
    });
  });

  // Quick notes fill the decision note.
  document.querySelectorAll("[data-note]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      var note = document.getElementById("note");
      note.setCustomValidity("");
      note.value = note.value ? note.value + "；" + chip.getAttribute("data-note") : chip.getAttribute("data-note");
      note.focus();
    });
  });

  // Keyboard: on a flag page J/K next/previous, C confirm, D dismiss, N note, Q queue;
  // in the queue J/K move, Enter opens.
  var flagPage = document.getElementById("decide-form") || document.getElementById("back-to-queue");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tr[data-href]"));
  var selected = -1;
  function select(i) {
    if (!rows.length) { return; }
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  function go(id) { var a = document.getElementById(id); if (a && a.href) { window.location = a.href; } }
  function click(id) { var b = document.getElementById(id); if (b) { b.click(); } }
  document.addEventListener("keydown", function (event) {
    if (flagPage && event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "note") {
      event.preventDefault(); click("confirm"); return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key.toLowerCase();
    if (flagPage) {
      if (key === "j" || event.key === "ArrowRight") { go("next-flag"); }
      else if (key === "k" || event.key === "ArrowLeft") { go("previous-flag"); }
      else if (key === "q") { go("back-to-queue"); }
      else if (key === "n") { event.preventDefault(); document.getElementById("note").focus(); }
      else if (key === "c") { event.preventDefault(); click("confirm"); }
      else if (key === "d") { event.preventDefault(); click("dismiss"); }
      else if (key === "p") { event.preventDefault(); click("preview-button"); }
      return;
    }
    if (rows.length) {
      if (key === "j" || event.key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
      else if (key === "k" || event.key === "ArrowUp") { event.preventDefault(); select(selected - 1); }
      else if (event.key === "Enter" && selected >= 0) { window.location = rows[selected].getAttribute("data-href"); }
    }
  });

  // Reveal a customer's phone in place (the server logs every reveal) and offer a tel: link.
  document.querySelectorAll("form.reveal-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) { return; }
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (body) {
          var link = document.createElement("a");
          link.href = body.tel; link.className = "tel"; link.textContent = body.phone;
          var cell = form.closest("td");
          cell.textContent = ""; cell.appendChild(link);
        })
        .catch(function () { form.submit(); });
    });
  });

  // Confirming needs a note: say so before the round trip.
  var decideForm = document.getElementById("decide-form");
  if (decideForm) {
    decideForm.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var note = document.getElementById("note");
      if (submitter && submitter.value === "confirmed" && !note.value.trim()) {
        event.preventDefault();
        note.setCustomValidity("确认虚假评价须写明依据");
        note.reportValidity();
        note.addEventListener("input", function () { note.setCustomValidity(""); }, { once: true });
      } else {
        note.setCustomValidity("");
      }
    });
  }

  // Upload with a progress bar; the per-row result replaces the form's result area.
  var upload = document.getElementById("import-form");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var bar = document.getElementById("progress");
      var label = document.getElementById("progress-label");
      var out = document.getElementById("import-result");
      var button = upload.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      bar.hidden = false; bar.classList.remove("busy"); bar.firstElementChild.style.width = "0";
      button.disabled = true;
      xhr.open("POST", upload.action);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round(e.loaded * 100 / e.total);
        bar.firstElementChild.style.width = pct + "%";
        label.textContent = "上传中 " + pct + "%";
      };
      xhr.upload.onload = function () { bar.classList.add("busy"); label.textContent = "已上传，正在逐行校验并写入…"; };
      xhr.onload = function () {
        button.disabled = false; bar.classList.remove("busy");
        if (xhr.status === 200) {
          bar.firstElementChild.style.width = "100%"; label.textContent = "完成";
          out.innerHTML = xhr.responseText;
        } else {
          var message = "导入失败 (HTTP " + xhr.status + ")";
          try { message = JSON.parse(xhr.responseText).error.message; } catch (ignored) { /* not JSON */ }
          label.textContent = message;
          out.innerHTML = "";
        }
      };
      xhr.onerror = function () { button.disabled = false; bar.classList.remove("busy"); label.textContent = "网络错误，请重试"; };
      xhr.send(new FormData(upload));
    });
  }
})();
