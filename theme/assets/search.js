/* crosswalk search page: drives Pagefind's JS API with facet checkboxes.
 *
 * First-party and external (the Content-Security-Policy forbids inline
 * scripts). Over http(s) it imports pagefind/pagefind.js as Pagefind intends.
 * Opened from file://, Chromium blocks both module scripts and fetch(), so it
 * loads pagefind/pagefind.classic.js (a classic-script build written by
 * crosswalk) and answers Pagefind's fetches from pagefind/offline/*.js,
 * classic scripts that hand their bytes to crosswalkPagefindData().
 *
 * Large books split the index into parts built in parallel:
 * pagefind/shards.js lists the parts besides pagefind/ itself, and each is
 * merged with Pagefind's mergeIndex, which sums the facet counts and merges
 * the results by score. Browsing by filters alone sorts by priority, where a
 * result's score is its place in its own part (0, -1, ...), so merged by
 * score the parts would interleave; each part carries a filter naming it
 * (mergeFilter), and such a listing is read part after part: each part holds
 * the next run of priorities.
 *
 * Identifiers: every record holds its own id, and a document the ids it
 * cites, as whole terms in the meta fields "ids" and "cites" (letters and
 * digits in lower case, with and without the zero padding: see
 * src/site/search.rs), weighed here so the id's page comes first, then the
 * documents citing it. A query is first written the way the crosswalk
 * reads ids (idQuery).
 */
(function () {
  "use strict";

  var PAGE_SIZE = 20;
  /** Boosts of a match in the id meta fields, over Pagefind's defaults
   * (title 5, other fields 1): a page's own id, then a citation. */
  var RANKING = { metaWeights: { ids: 12, cites: 6 } };
  /** The filter each part of the index carries (mergeFilter). */
  var PART = "crosswalk-part";
  var script = document.currentScript;
  var base = new URL("../pagefind/", script.src);
  var root = new URL("../", script.src);
  var offline = location.protocol === "file:";

  var app = document.getElementById("search-app");
  var fallback = document.getElementById("search-fallback");
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var clear = document.getElementById("facets-clear");
  if (!app || !form || !input || !status || !list) return;

  var pagefind = null;
  var parts = 1;
  var generation = 0;
  var shown = [];
  var pending = [];
  var timer = null;

  /** Load a classic script; resolves when it ran. */
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = src;
      el.onload = function () { resolve(); };
      el.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(el);
    });
  }

  /** file:// only: answer Pagefind's fetches of its own files from the
   * script-wrapped copies, since fetch() of file:// URLs is blocked. */
  function installOfflineFetch() {
    var waiting = {};
    var realFetch = window.fetch ? window.fetch.bind(window) : null;
    window.crosswalkPagefindData = function (rel, b64) {
      var binary = atob(b64);
      var bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      (waiting[rel] || []).forEach(function (resolve) { resolve(bytes); });
      delete waiting[rel];
    };
    window.fetch = function (request, init) {
      var url = String(request && request.url ? request.url : request);
      var absolute = new URL(url, location.href).href;
      if (absolute.indexOf(base.href) !== 0) {
        return realFetch ? realFetch(request, init) : Promise.reject(new Error("no fetch"));
      }
      var rel = absolute.slice(base.href.length).split("?")[0].split("#")[0];
      return new Promise(function (resolve, reject) {
        (waiting[rel] = waiting[rel] || []).push(function (bytes) {
          resolve(new Response(bytes, { status: 200 }));
        });
        loadScript(base.href + "offline/" + rel + ".js").catch(function (e) {
          delete waiting[rel];
          reject(e);
        });
      });
    };
  }

  /** The Pagefind module, the http or the file:// way. */
  function loadPagefind() {
    if (!offline) return import(base.href + "pagefind.js");
    installOfflineFetch();
    globalThis.crosswalkPagefindUrl = base.href + "pagefind.js";
    return loadScript(base.href + "pagefind.classic.js").then(function () {
      if (!window.crosswalkPagefind) throw new Error("pagefind.classic.js did not load");
      return window.crosswalkPagefind;
    });
  }

  /** The index's other parts (pagefind/shards.js); none if it is missing. */
  function loadShards() {
    return loadScript(base.href + "shards.js").then(function () {
      return Array.isArray(window.crosswalkSearchShards) ? window.crosswalkSearchShards : [];
    }, function () { return []; });
  }

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll(".facets input[type=checkbox]"));
  }

  /** Selected facet values as Pagefind filters: any value within a facet,
   * every facet at once. */
  function selectedFilters() {
    var filters = {};
    boxes().forEach(function (box) {
      if (!box.checked) return;
      (filters[box.name] = filters[box.name] || { any: [] }).any.push(box.value);
    });
    return filters;
  }

  /** Reflect the state in the address bar so results can be shared. */
  function saveState(q) {
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    boxes().forEach(function (box) { if (box.checked) params.append(box.name, box.value); });
    var query = params.toString();
    try {
      history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    } catch (e) {
      /* some browsers refuse replaceState on file://; the state is only a convenience */
    }
  }

  function restoreState() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    var header = document.getElementById("site-search");
    if (header) header.value = input.value;
    boxes().forEach(function (box) {
      box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
    });
  }

  /** Identifiers compare without case and punctuation: "pr.ac-1" = "PR.AC-1",
   * as the index's id terms are written. */
  function squeeze(text) {
    return String(text || "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  }

  /** A typed id in the form the crosswalk reads it (crates/catalog/src/ids.rs,
   * canonical): without a CyFun level prefix (BASIC_PR.AC-5.3 is PR.AC-5.3,
   * also after "ALIAS:"), and an SP 800-53 style id without zero padding
   * (AC-02 is AC-2, ac-2.1 and AC-2 (1) are AC-2(1)). Other words are left
   * as typed; the index holds ids with and without their padding. */
  function idQuery(q) {
    return String(q)
      // "AC-2 (1)": the enhancement belongs to the id before it.
      .replace(/\b([A-Za-z]{2}-\d+)\s+\((\d+)\)/g, "$1($2)")
      .split(/\s+/)
      .map(function (word) {
        var colon = word.lastIndexOf(":");
        var alias = colon === -1 ? "" : word.slice(0, colon + 1);
        var id = word.slice(colon + 1).replace(/^(basic|important|essential)_(?=\S)/i, "");
        var sp = /^([A-Za-z]{2})-(\d+)(?:\((\d+)\)|\.(\d+))?$/.exec(id);
        if (sp) {
          var enhancement = sp[3] || sp[4];
          id = sp[1].toUpperCase() + "-" + Number(sp[2]) + (enhancement ? "(" + Number(enhancement) + ")" : "");
        }
        return alias + id;
      })
      .join(" ");
  }

  /** Copy Pagefind's excerpt keeping only text and <mark>: the excerpt is
   * HTML and the indexed text comes from the book. */
  function excerptNode(html) {
    var p = document.createElement("p");
    p.className = "excerpt";
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function chip(text, className) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function resultItem(data) {
    var meta = data.meta || {};
    var li = document.createElement("li");
    li.className = "result";
    var h = document.createElement("h3");
    var a = document.createElement("a");
    a.href = new URL(String(data.raw_url || data.url).replace(/^\/+/, ""), root).href;
    var title = meta.title || data.url;
    if (meta.id && title.indexOf(meta.id) === -1) {
      a.appendChild(chip(meta.id, "doc-id"));
      a.appendChild(document.createTextNode(" "));
    }
    a.appendChild(document.createTextNode(title));
    h.appendChild(a);
    li.appendChild(h);
    var line = document.createElement("p");
    line.className = "result-meta";
    if (meta.kind) line.appendChild(chip(meta.kind, "chip"));
    if (meta.status) line.appendChild(chip(meta.status, "badge status-" + meta.status));
    if (line.childNodes.length) li.appendChild(line);
    if (meta.summary) {
      var summary = document.createElement("p");
      summary.textContent = meta.summary;
      li.appendChild(summary);
    }
    if (data.excerpt && input.value.trim()) li.appendChild(excerptNode(data.excerpt));
    return li;
  }

  /** Put pages whose own id is exactly what was typed first (in any of the
   * spellings their "ids" field lists). */
  function exactFirst(datas, q) {
    var wanted = squeeze(idQuery(q));
    if (!wanted) return datas;
    function own(d) {
      var meta = d.meta || {};
      var ids = meta.ids ? meta.ids.split(" ") : [squeeze(meta.id)];
      return ids.indexOf(wanted) !== -1;
    }
    return datas.filter(own).concat(datas.filter(function (d) { return !own(d); }));
  }

  /** Plain words (no digit: not an id) as the check below reads them: each
   * cut by two letters (keeping four), so a stemmed match ("backups" for
   * "backup") passes. */
  function plainWords(q) {
    if (/\d/.test(q) || idQuery(q) !== q) return null;
    var words = q.toLowerCase().split(/\s+/).filter(Boolean);
    return words.map(function (w) { return w.slice(0, Math.max(4, w.length - 2)); });
  }

  /** Whether a result really holds each word (a word of its text or title
   * starts with it). A part of a split index without the word answers with
   * pages holding only the longest word the query starts with: "dialysis"
   * listed 45 pages of "dia...", none about dialysis. */
  function holdsWords(data, words) {
    var text = ((data.meta && data.meta.title) || "") + " " + (data.content || "");
    text = text.toLowerCase();
    return words.every(function (w) {
      var at = text.indexOf(w);
      while (at !== -1) {
        if (at === 0 || !/[\p{L}\p{N}]/u.test(text.charAt(at - 1))) return true;
        at = text.indexOf(w, at + 1);
      }
      return false;
    });
  }

  /** Results checked for their words before any is shown. */
  var CHECKED = 150;

  /** `results` without those that do not hold the words typed (see
   * holdsWords), checking the first CHECKED; resolves to [kept, total]. */
  function withTheirWords(results, words) {
    if (!words) return Promise.resolve([results, results.length]);
    var head = results.slice(0, CHECKED);
    return Promise.all(head.map(function (r) { return r.data(); })).then(function (datas) {
      var kept = head.filter(function (r, i) { return holdsWords(datas[i], words); });
      var rest = results.slice(CHECKED);
      return [kept.concat(rest), kept.length + rest.length];
    });
  }

  /** Results holding the typed word whole first, each group in score order.
   * Pagefind also matches the words a query word starts (a word-typing aid
   * and its stemming), and a part of the index without the word at all
   * falls back to the longest word the query starts with: for an id, a
   * stray "t" or "nis2" of another page, which a small part can score above
   * the documents citing the id in another part. */
  function wholeFirst(results, whole) {
    var found = {};
    whole.forEach(function (r) { found[r.id] = true; });
    return results.filter(function (r) { return found[r.id]; })
      .concat(results.filter(function (r) { return !found[r.id]; }));
  }

  /** Browsing by filters alone, with a split index: the results part after
   * part, each in its own priority order (see the comment at the top). */
  function byPart(filters) {
    var searches = [];
    for (var n = 0; n < parts; n++) {
      var own = Object.assign({}, filters);
      own[PART] = { any: [String(n)] };
      searches.push(pagefind.search(null, { filters: own, sort: { priority: "asc" } }));
    }
    return Promise.all(searches).then(function (found) {
      return found.reduce(function (all, search) { return all.concat(search ? search.results : []); }, []);
    });
  }

  function updateCounts(filters) {
    if (!filters || Object.keys(filters).length === 0) return;
    boxes().forEach(function (box) {
      var count = box.parentNode.querySelector(".count");
      var n = (filters[box.name] || {})[box.value] || 0;
      if (count) count.textContent = "(" + n + ")";
    });
  }

  function showMore() {
    var page = pending.splice(0, PAGE_SIZE);
    var mine = generation;
    return Promise.all(page.map(function (r) { return r.data(); })).then(function (datas) {
      if (mine !== generation) return;
      if (shown.length === 0) datas = exactFirst(datas, input.value);
      datas.forEach(function (d) { shown.push(d); list.appendChild(resultItem(d)); });
      more.hidden = pending.length === 0;
    });
  }

  function run() {
    var q = input.value.trim();
    var filters = selectedFilters();
    saveState(q);
    var mine = ++generation;
    if (!q && Object.keys(filters).length === 0) {
      list.replaceChildren();
      more.hidden = true;
      status.textContent = "Type a word or an identifier, or pick filters.";
      app.dataset.state = "done";
      return Promise.resolve();
    }
    status.textContent = "Searching…";
    app.dataset.state = "searching";
    var options = { filters: filters };
    if (!q) options.sort = { priority: "asc" };
    var query = q ? idQuery(q) : null;
    // One word (an id, often): also search it as a whole word.
    var whole = query && /^[^\s"]+$/.test(query) ? "\"" + query + "\"" : null;
    return Promise.all([
      pagefind.search(query, options),
      whole ? pagefind.search(whole, options) : null,
      !q && parts > 1 ? byPart(filters) : null,
    ]).then(function (found) {
      var search = found[0];
      if (mine !== generation) return;
      if (!search) return;
      var ordered = found[2] || (found[1] ? wholeFirst(search.results, found[1].results) : search.results.slice());
      return withTheirWords(ordered, q ? plainWords(q) : null).then(function (checked) {
        if (mine !== generation) return;
        list.replaceChildren();
        shown = [];
        pending = checked[0];
        updateCounts(search.filters);
        return checked[1];
      });
    }).then(function (n) {
      if (n === undefined) return;
      return showMore().then(function () {
        if (mine !== generation) return;
        status.textContent = n === 0
          ? "No results" + (q ? " for “" + q + "”" : "") + ". Try fewer filters or another word."
          : n + " result" + (n === 1 ? "" : "s") + (q ? " for “" + q + "”" : "") + ".";
        app.dataset.state = "done";
      });
    }).catch(function (e) { fail(e); });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  }

  function fail(error) {
    app.dataset.state = "error";
    status.textContent = "Search could not start (" + (error && error.message ? error.message : error) +
      "). If this site was built with --no-search there is no index; browse the indexes below.";
    if (fallback) fallback.hidden = false;
  }

  function start() {
    restoreState();
    // On a phone the filters would push the results off screen: fold them
    // unless some are in use.
    var box = document.getElementById("facet-box");
    if (box && window.matchMedia && window.matchMedia("(max-width: 48rem)").matches &&
        Object.keys(selectedFilters()).length === 0) {
      box.open = false;
    }
    app.hidden = false;
    if (fallback) fallback.hidden = true;
    status.textContent = "Loading the search index…";
    var shards = [];
    var indexPath = offline ? base.href : base.pathname;
    /** Each part's options: its filter naming it, the ranking. */
    function partOptions(n) {
      var filter = {};
      filter[PART] = String(n);
      return { excerptLength: 24, ranking: RANKING, mergeFilter: filter };
    }
    Promise.all([loadPagefind(), loadShards()]).then(function (loaded) {
      pagefind = loaded[0];
      shards = loaded[1];
      parts = shards.length + 1;
      return pagefind.options(Object.assign({ basePath: indexPath, noWorker: offline }, partOptions(0)));
    }).then(function () {
      return pagefind.init ? pagefind.init() : null;
    }).then(function () {
      // One after another: merged results keep the parts' order on ties.
      return shards.reduce(function (done, dir, n) {
        return done.then(function () {
          return pagefind.mergeIndex(indexPath + dir, partOptions(n + 1));
        });
      }, Promise.resolve());
    }).then(function () {
      // Loading the filter index up front makes each search report facet counts.
      return pagefind.filters ? pagefind.filters() : null;
    }).then(function () {
      form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
      input.addEventListener("input", schedule);
      boxes().forEach(function (box) { box.addEventListener("change", run); });
      if (clear) clear.addEventListener("click", function () {
        boxes().forEach(function (box) { box.checked = false; });
        run();
      });
      if (more) more.addEventListener("click", showMore);
      document.documentElement.dataset.searchReady = "true";
      return run();
    }).catch(notYet);
  }

  /** `crosswalk serve` builds the search index after the pages: for a
   * moment after it starts (longer for a large book), the index is not
   * there yet. Over http the page waits for it and tries again, rather
   * than saying the site has no search; from file:// the index is there
   * or never will be. */
  var attempts = 0;
  function notYet(error) {
    if (offline || pagefind || attempts >= 40) return fail(error);
    attempts += 1;
    app.dataset.state = "waiting";
    status.textContent = "The search index is being built; this page tries again in a moment…";
    setTimeout(start, 1500);
  }

  start();
})();
