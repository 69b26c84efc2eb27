// "Show QR code" / "Show secret key": without JavaScript both panels simply stay visible.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-reveal]").forEach(function (button) {
    var panel = document.getElementById(button.getAttribute("data-reveal"));
    if (!panel) {
      return;
    }
    panel.hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = panel.hidden;
      panel.hidden = !show;
      button.setAttribute("aria-expanded", show ? "true" : "false");
    });
  });
});

// Recovery codes: Copy puts the codes on the clipboard, Print prints the page (both shown only with JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var list = document.getElementById(button.getAttribute("data-copy"));
    if (!list || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var codes = Array.prototype.map.call(list.querySelectorAll("code"), function (code) {
        return code.textContent;
      });
      navigator.clipboard.writeText(codes.join("\n") + "\n");
    });
  });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
