/* The scorecard's filters. Progressive enhancement: without this script the form stays hidden and
   every row and measure shows; with it, a search box (words, accents and case ignored, every word
   must appear) and a mission, a verdict and a year hide the rows and measures that do not match.
   The state lives in the address's fragment (#q=…&mission=…&verdict=…&year=…), so a filtered view
   can be linked, bookmarked or opened by a headless browser. Nothing is fetched. */
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  if (!form) return;
  var NAMES = ["q", "mission", "verdict", "year"];
  var output = form.querySelector("output");

  function field(name) {
    return form.elements.namedItem(name);
  }
  function value(name) {
    var f = field(name);
    return f ? f.value : "";
  }
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) {
    return fold(text).split(/[^a-z0-9]+/).filter(Boolean);
  }
  function hasAll(text, ws) {
    for (var i = 0; i < ws.length; i++) if (text.indexOf(ws[i]) < 0) return false;
    return true;
  }
  function linkText(cell) {
    var a = cell && cell.querySelector("a");
    return a ? a.textContent : cell ? cell.textContent : "";
  }

  // The index: the missions and their programmes, then the table of measures.
  var missions = [], programmes = {}, missionText = {};
  document.querySelectorAll("table.programmes tbody.mission").forEach(function (tbody) {
    var head = tbody.querySelector("tr.mission-row");
    var code = tbody.getAttribute("data-mission");
    var mission = { el: tbody, code: code, programmes: [], text: fold(linkText(head.cells[0]) + " " + linkText(head.cells[1])) };
    missionText[code] = mission.text;
    tbody.querySelectorAll("tr[data-programme]").forEach(function (tr) {
      var p = { el: tr, code: tr.getAttribute("data-programme"), mission: code,
        text: fold(linkText(tr.cells[0]) + " " + linkText(tr.cells[1])) + " " + mission.text };
      programmes[p.code] = p;
      mission.programmes.push(p);
    });
    missions.push(mission);
  });
  var measureTable = document.querySelector("table.measures");
  var yearColumn = {};
  var rows = [];
  if (measureTable) {
    measureTable.tHead.querySelectorAll("th[data-year]").forEach(function (th) {
      yearColumn[th.getAttribute("data-year")] = th.cellIndex;
    });
    Array.prototype.forEach.call(measureTable.tBodies[0].rows, function (tr) {
      var link = tr.cells[3].querySelector("a");
      var key = link ? link.getAttribute("href").replace(/^[^#]*#m-/, "") : "";
      var programme = programmes[tr.getAttribute("data-programme")];
      var mission = tr.getAttribute("data-mission");
      rows.push({ el: tr, mission: mission, programme: programme,
        text: fold(linkText(tr.cells[3]) + " " + key) + " " + (programme ? programme.text : missionText[mission] || "") });
    });
  }
  // A programme or mission page: its measures.
  var articles = Array.prototype.map.call(document.querySelectorAll("article.measure"), function (el) {
    return { el: el, text: fold(el.querySelector("h4").textContent + " " + el.getAttribute("data-measure")) };
  });

  function rowHasVerdict(row, verdict, year) {
    var columns = year ? [yearColumn[year]] : Object.keys(yearColumn).map(function (y) { return yearColumn[y]; });
    return columns.some(function (n) {
      var cell = row.el.cells[n];
      return cell && cell.classList.contains("verdict-" + verdict);
    });
  }
  function articleHasVerdict(article, verdict, year) {
    var selector = 'td[data-verdict="' + verdict + '"]' + (year ? '[data-year="' + year + '"]' : "");
    return article.el.querySelector(selector) !== null;
  }

  function apply() {
    var ws = words(value("q")), mission = value("mission"), verdict = value("verdict"), year = value("year");
    var searched = {};  // programme code, or "mission " + code for a mission's own measures: one matches the search
    var shownRows = 0;
    rows.forEach(function (row) {
      var inMission = !mission || row.mission === mission;
      var found = inMission && hasAll(row.text, ws);
      if (found) searched[row.programme ? row.programme.code : "mission " + row.mission] = true;
      var show = found && (!verdict || rowHasVerdict(row, verdict, year));
      row.el.hidden = !show;
      if (show) shownRows++;
    });
    var shownProgrammes = 0, allProgrammes = 0;
    missions.forEach(function (m) {
      var inMission = !mission || m.code === mission;
      var any = inMission && (hasAll(m.text, ws) || searched["mission " + m.code] === true);
      m.programmes.forEach(function (p) {
        var show = inMission && (hasAll(p.text, ws) || searched[p.code] === true);
        p.el.hidden = !show;
        any = any || show;
        allProgrammes++;
        if (show) shownProgrammes++;
      });
      m.el.hidden = !any;
    });
    var shownArticles = 0;
    articles.forEach(function (a) {
      var show = hasAll(a.text, ws) && (!verdict || articleHasVerdict(a, verdict, year));
      a.el.hidden = !show;
      if (show) shownArticles++;
    });
    document.querySelectorAll("section.indicator, section.objective").forEach(function (section) {
      section.hidden = section.querySelector("article.measure:not([hidden])") === null;
    });
    var parts = [];
    if (missions.length) parts.push(shownProgrammes + " of " + allProgrammes + " programmes");
    if (rows.length) parts.push(shownRows + " of " + rows.length + " measures");
    if (articles.length) parts.push(shownArticles + " of " + articles.length + " measures");
    output.textContent = parts.join(", ") + " shown";
  }

  function fromFragment() {
    if (location.hash.indexOf("=") < 0) return false;  // a plain anchor (#m-30157) is not a filter
    var params = new URLSearchParams(location.hash.slice(1));
    NAMES.forEach(function (name) {
      var f = field(name);
      if (f) f.value = params.get(name) || "";
    });
    return true;
  }
  function toFragment() {
    var params = new URLSearchParams();
    NAMES.forEach(function (name) {
      if (value(name)) params.set(name, value(name));
    });
    var text = params.toString();
    try {
      history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
    } catch (e) {
      /* some browsers refuse it on file://: the filter still applies */
    }
  }

  form.addEventListener("input", function () {
    apply();
    toFragment();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () {
      apply();
      toFragment();
    }, 0);
  });
  window.addEventListener("hashchange", function () {
    if (fromFragment()) apply();
  });
  form.hidden = false;
  fromFragment();
  apply();
})();
