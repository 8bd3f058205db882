"""The search page served at ``/``: one HTML document with inline CSS and JavaScript, no external assets (it works
offline), readable on a phone-sized viewport. It posts to ``/search`` and shows each result's title, id and
score, the English the model read with the critic's scores, and the language used; an ambiguous query offers
its candidate languages as buttons. Results are written with ``textContent`` (no HTML from the index is run).
"""

from __future__ import annotations

import html

from lira.languages import LANGUAGES

# Content-Security-Policy of the page: nothing but this origin, and the page's own inline code.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
       "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>LiRA product search</title>
<style>
  :root { --fg: #1b1f24; --muted: #5a6470; --line: #d8dde3; --accent: #0b5cad; --bad: #a4161a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Thai",
         "Noto Nastaliq Urdu", sans-serif; color: var(--fg); background: #f6f7f9; }
  main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .75rem; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; }
  input, select, button { font: inherit; padding: .55rem .7rem; border: 1px solid var(--line); border-radius: .4rem;
                          background: #fff; min-height: 2.75rem; }
  #query { flex: 1 1 16rem; min-width: 0; }
  #token { flex: 1 1 100%; }
  button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
  #status { color: var(--muted); margin: .75rem 0 0; min-height: 1.4em; overflow-wrap: anywhere; }
  #status.error { color: var(--bad); }
  #english { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem;
             margin-top: .75rem; overflow-wrap: anywhere; }
  #english[hidden] { display: none; }
  .critic { color: var(--muted); font-size: .9rem; }
  .flag { color: var(--bad); }
  ol { padding: 0; list-style: none; margin: .75rem 0; }
  li.result { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem;
              margin-bottom: .5rem; display: grid; grid-template-columns: 2rem 1fr auto; gap: .25rem .5rem; }
  .rank { color: var(--muted); }
  .title { font-weight: 600; overflow-wrap: anywhere; }
  .score { font-variant-numeric: tabular-nums; color: var(--muted); }
  .meta { grid-column: 2 / 4; color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
  .langs button { background: #fff; color: var(--accent); margin: .25rem .25rem 0 0; min-height: 2.2rem; }
</style>
</head>
<body>
<main>
  <h1>LiRA product search</h1>
  <form id="search" autocomplete="off">
    <input id="query" name="query" type="search" dir="auto" placeholder="Search in any language" aria-label="query"
           maxlength="__MAXLEN__" required>
    <select id="lang" name="lang" aria-label="language">
      <option value="">auto</option>
__OPTIONS__
    </select>
    <input id="token" name="token" type="password" placeholder="access token" aria-label="access token" hidden>
    <button id="go" type="submit">Search</button>
  </form>
  <p id="status" role="status"></p>
  <section id="english" hidden></section>
  <ol id="results"></ol>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const auth = __AUTH__;
  if (auth) $("token").hidden = false;
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;
                                   if (text !== undefined) e.textContent = text; return e; };
  const fmt = (c) => c ? `fidelity ${c.s.toFixed(1)} · tone ${c.e.toFixed(1)} · style ${c.p.toFixed(1)}` : "";
  function status(text, bad) { $("status").textContent = text; $("status").className = bad ? "error" : ""; }
  function showEnglish(en, lang, method) {
    const box = $("english"); box.replaceChildren(); box.hidden = false;
    const head = el("div");
    if (en.text) { head.append("English read: ", el("strong", "chosen", en.text)); }
    else { head.append(el("span", "flag", `No English read (${en.used})`)); }
    box.append(head);
    const critic = fmt(en.critic);
    if (critic) box.append(el("div", "critic", `critic: ${critic}`));
    if (en.fallback || en.reason) box.append(el("div", "flag", en.reason || "translator fallback"));
    box.append(el("div", "critic", `language ${lang} · ${method}${en.cached ? " · cached" : ""}`));
  }
  const titleOf = (r) => { const t = el("span", "title", r.title || r.text); t.dir = "auto"; return t; };
  function showResults(results) {
    const list = $("results"); list.replaceChildren();
    for (const r of results) {
      const li = el("li", "result"); li.dataset.id = r.id;
      li.append(el("span", "rank", String(r.rank)), titleOf(r),
                el("span", "score", r.score.toFixed(3)), el("span", "meta", `${r.id} · ${r.text}`));
      list.append(li);
    }
  }
  function offerLanguages(candidates) {
    const box = el("div", "langs");
    for (const code of candidates) {
      const b = el("button", "", code); b.type = "button";
      b.addEventListener("click", () => { $("lang").value = code; run(); });
      box.append(b);
    }
    $("status").append(box);
  }
  async function run() {
    const query = $("query").value;
    const body = { query };
    if ($("lang").value) body.lang = $("lang").value;
    const headers = { "Content-Type": "application/json" };
    if (auth && $("token").value) headers.Authorization = "Bearer " + $("token").value;
    status("Searching…"); $("go").disabled = true;
    try {
      const res = await fetch("search", { method: "POST", headers, body: JSON.stringify(body) });
      const data = await res.json();
      if (!res.ok) {
        $("results").replaceChildren(); $("english").hidden = true;
        status(data.error || `error ${res.status}`, true);
        if (data.candidates && data.field === "lang") offerLanguages(data.candidates);
        return;
      }
      showEnglish(data.english, data.lang, data.method);
      showResults(data.results);
      status(`${data.results.length} results in ${Math.round(data.timings_ms.total)} ms`);
    } catch (err) {
      status("The server did not answer: " + err, true);
    } finally { $("go").disabled = false; }
  }
  $("search").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
})();
</script>
</body>
</html>
"""


def page_html(*, auth: bool, max_query_chars: int) -> str:
    """The page, with the language picker filled from ``lira.languages`` and a token box when ``auth``."""
    options = "\n".join(f'      <option value="{x.code}">{html.escape(x.name)} ({x.code})</option>' for x in LANGUAGES)
    return (_TEMPLATE.replace("__OPTIONS__", options).replace("__AUTH__", "true" if auth else "false")
            .replace("__MAXLEN__", str(int(max_query_chars))))
