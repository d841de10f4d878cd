// archivar: small progressive improvements; the page works without them.
// "/" focuses the search box; on an item page, "n" and "p" move between
// the marked matches.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  var current = 0;
  function go(step) {
    var marks = document.querySelectorAll("mark[id^='m']");
    if (!marks.length) return;
    current = (current + step + marks.length) % marks.length;
    var m = marks[current];
    m.scrollIntoView({ block: "center" });
    history.replaceState(null, "", "#" + m.id);
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var q = document.getElementById("q");
    if (e.key === "/" && q) {
      e.preventDefault();
      q.focus();
      q.select();
    } else if (e.key === "n") {
      go(1);
    } else if (e.key === "p") {
      go(-1);
    }
  });
  var hash = location.hash.match(/^#m(\d+)$/);
  if (hash) current = parseInt(hash[1], 10) - 1;
})();
