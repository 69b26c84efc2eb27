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
