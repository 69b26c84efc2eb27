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

// Long values (templates/_long_value.html): the copy button puts the whole value on the clipboard; shown only
// where the browser allows it (a secure context: https, or http on localhost).
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("button[data-copy-text]").forEach(function (button) {
    var label = button.getAttribute("aria-label");
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy-text")).then(function () {
        var copied = button.getAttribute("data-copied");
        button.classList.add("copied");
        button.setAttribute("aria-label", copied);
        button.title = copied;
        clearTimeout(timer);
        timer = setTimeout(function () {
          button.classList.remove("copied");
          button.setAttribute("aria-label", label);
          button.title = label;
        }, 2000);
      });
    });
  });
});

// Times: the server writes them in UTC (<time datetime="...Z" data-local>, as the API gives them); the page shows
// them in the browser's own time zone, with the zone named. The UTC text stays in the tooltip.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var language = document.documentElement.lang || undefined;
  var options = {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "long",
  };
  var format;
  try {
    format = new Intl.DateTimeFormat(language, options);
  } catch (error) {
    return;
  }
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) {
      return;
    }
    element.title = element.textContent.trim();
    element.textContent = format.format(moment);
  });
});
