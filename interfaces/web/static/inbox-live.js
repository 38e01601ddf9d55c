// The liaison's inbox, live: a new whistle is added to the list and announced (有新的吹哨)
// without reloading. Progressive: without JavaScript the page is the same list, reloaded by
// hand. Text goes in with textContent only, never as HTML.
(function () {
  "use strict";
  var list = document.getElementById("inbox-items");
  var banner = document.getElementById("inbox-live");
  if (!list || !banner || !window.EventSource) return;

  function announce(text) {
    banner.textContent = text;
    banner.hidden = false;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function reportInForm(w) {
    var csrf = document.querySelector('input[name="csrf"]');
    var form = el("form");
    form.method = "post";
    form.action = "/ui/inbox/" + encodeURIComponent(w.case_id) + "/" + encodeURIComponent(w.whistle_id);
    var token = el("input");
    token.type = "hidden";
    token.name = "csrf";
    token.value = csrf ? csrf.value : "";
    var note = el("input");
    note.name = "note";
    note.maxLength = 2000;
    note.placeholder = "报到说明（可选）";
    note.setAttribute("aria-label", "报到说明");
    var button = el("button", "", "报到");
    button.type = "submit";
    form.append(token, note, button);
    return form;
  }

  var source = new EventSource(list.getAttribute("data-stream"));

  source.addEventListener("whistle", function (e) {
    var w = JSON.parse(e.data);
    var id = "summons-" + w.case_id + "-" + w.whistle_id;
    if (document.getElementById(id)) return; // already listed when the page was drawn
    var item = el("li", "new");
    item.id = id;
    var link = el("a", "", w.title);
    link.href = "/ui/cases/" + encodeURIComponent(w.case_id);
    item.append(link, " · " + w.whistle_id + "（" + w.level_label + "吹哨）");
    item.append(el("div", "muted", "报到时限 " + w.deadline_text));
    item.append(reportInForm(w));
    list.insertBefore(item, list.firstChild);
    var empty = document.getElementById("inbox-empty");
    if (empty) empty.hidden = true;
    announce("有新的吹哨：" + w.title);
  });

  source.addEventListener("changed", function (e) {
    var c = JSON.parse(e.data);
    var item = document.getElementById("summons-" + c.case_id + "-" + c.whistle_id);
    if (!item) return;
    item.classList.add("changed");
    var form = item.querySelector("form");
    if (form) form.remove();
    item.append(el("div", "tag", c.label));
  });

  source.addEventListener("reset", function () {
    announce("收件箱有较多更新，请刷新页面。");
    source.close();
  });

  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) announce("实时更新已断开，请刷新页面。");
  });
})();
