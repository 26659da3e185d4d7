// Tarjama's page: talks to the server's own API (/v1, /translate_file). No external scripts or fonts.
"use strict";

const $ = (id) => document.getElementById(id);

function apiKey() { return $("api-key").value.trim(); }

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (apiKey()) h["X-API-Key"] = apiKey();
  return h;
}

async function call(method, path, body) {
  const options = { method, headers: headers(body !== undefined && !(body instanceof FormData)) };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) options.body = JSON.stringify(body);
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

function setStatus(id, text, isError) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", !!isError);
}

// Fill `el` with `text`: the term ranges [start, end, status, title] wrapped in <span class="term status">, and
// the flagged sentences' ranges [start, end, why] in <mark class="flagged"> (their terms inside).
function highlight(el, text, ranges, marks = []) {
  el.textContent = "";
  ranges.sort((a, b) => a[0] - b[0]);
  marks.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [start, end, why] of marks) {
    if (start < at) continue;
    appendTerms(el, text, at, start, ranges);
    const mark = document.createElement("mark");
    mark.className = "flagged";
    mark.title = why;
    appendTerms(mark, text, start, end, ranges);
    el.append(mark);
    at = end;
  }
  appendTerms(el, text, at, text.length, ranges);
}

// Append text[from:to] to `el`, the term ranges that lie inside it wrapped.
function appendTerms(el, text, from, to, ranges) {
  let at = from;
  for (const [start, end, status, title] of ranges) {
    if (start < at || end > to) continue;
    el.append(document.createTextNode(text.slice(at, start)));
    const span = document.createElement("span");
    span.className = `term ${status}`;
    span.dataset.status = status;
    span.title = title;
    span.textContent = text.slice(start, end);
    el.append(span);
    at = end;
  }
  el.append(document.createTextNode(text.slice(at, to)));
}

// Why quality estimation flagged a sentence: its risk and each flag's kind and detail.
function reasons(sentence) {
  return `risk ${sentence.risk.toFixed(2)}: ` + sentence.flags.map(f => `${f.kind}: ${f.detail}`).join("; ");
}

// Where the flagged sentences are: [start, end, why] in the source and in the translation (sentences come in
// order, so each translation is looked for after the previous one).
function flaggedRanges(result) {
  const source = [], output = [];
  let cursor = 0;
  for (const sentence of result.sentences) {
    const found = sentence.translation ? result.translation.indexOf(sentence.translation, cursor) : -1;
    if (found >= 0) cursor = found + sentence.translation.length;
    if (!sentence.flags || sentence.flags.length === 0) continue;
    if (found >= 0) output.push([found, found + sentence.translation.length, reasons(sentence)]);
    if (sentence.offset !== undefined) {
      source.push([sentence.offset, sentence.offset + sentence.source.length, reasons(sentence)]);
    }
  }
  return { source, output };
}

function showResult(result) {
  const sourceRanges = [], targetRanges = [], rows = [];
  const taken = [];
  const free = (s, e) => taken.every(([a, b]) => e <= a || s >= b);
  for (const sentence of result.sentences) {
    for (const term of sentence.terms) {
      const title = `${term.concept}: ${term.status}`;
      if (sentence.offset !== undefined) {
        sourceRanges.push([sentence.offset + term.start, sentence.offset + term.end, term.status, title]);
      }
      if (term.target) {
        let from = 0, found = -1;
        while ((found = result.translation.indexOf(term.target, from)) >= 0
               && !free(found, found + term.target.length)) from = found + 1;
        if (found >= 0) {
          taken.push([found, found + term.target.length]);
          targetRanges.push([found, found + term.target.length, term.status, title]);
        }
      }
      rows.push([term.source, term.target || "—", term.status, term.concept]);
    }
  }
  const flagged = flaggedRanges(result);
  highlight($("source-view"), result.source, sourceRanges, flagged.source);
  highlight($("output"), result.translation, targetRanges, flagged.output);
  const body = $("terms").querySelector("tbody");
  body.textContent = "";
  for (const [ar, target, status, concept] of rows) {
    const tr = document.createElement("tr");
    for (const [value, cls] of [[ar, ""], [target, ""], [status, `term ${status}`], [concept, ""]]) {
      const td = document.createElement("td");
      if (cls) { const s = document.createElement("span"); s.className = cls; s.textContent = value; td.append(s); }
      else td.textContent = value;
      if (value === ar) td.lang = "ar";
      tr.append(td);
    }
    body.append(tr);
  }
  $("terms").hidden = rows.length === 0;
  showReview(result);
}

// The sentences quality estimation flagged: risk, the reasons, and the sentence (Arabic, then its translation).
function showReview(result) {
  const list = $("review").querySelector("ul");
  list.textContent = "";
  for (const sentence of result.sentences) {
    if (!sentence.flags || sentence.flags.length === 0) continue;
    const item = document.createElement("li");
    const why = document.createElement("span");
    why.className = "why";
    why.textContent = reasons(sentence);
    const source = document.createElement("q");
    source.lang = "ar";
    source.dir = "rtl";
    source.textContent = sentence.source;
    const target = document.createElement("q");
    target.textContent = sentence.translation;
    item.append(why, document.createElement("br"), source, document.createTextNode(" → "), target);
    list.append(item);
  }
  $("review").hidden = list.children.length === 0;
}

// Busy buttons are marked aria-disabled, not disabled: a disabled button drops the keyboard focus.
function setBusy(id, busy) { $(id).setAttribute("aria-disabled", busy ? "true" : "false"); }
function isBusy(id) { return $(id).getAttribute("aria-disabled") === "true"; }

async function translate() {
  if (isBusy("translate-button")) return;
  const text = $("source").value;
  if (!text.trim()) { setStatus("status", "Type some Arabic first.", true); return; }
  setBusy("translate-button", true);
  $("output").textContent = "";
  $("terms").hidden = true;
  $("review").hidden = true;
  setStatus("status", "Translating…");
  try {
    const target = $("target").value;
    $("output").dir = "ltr";
    $("output").lang = target;
    const body = { q: text, target, glossary_mode: $("mode").value, qe: true };
    if ($("glossary").value) body.glossary = $("glossary").value;
    const data = await call("POST", "/v1/translate", body);
    showResult(data.results[0]);
    $("source").hidden = true;
    $("source-view").hidden = false;
    $("edit-button").hidden = false;
    const terms = data.results[0].sentences.reduce((n, s) => n + s.terms.length, 0);
    setStatus("status", `Done: ${data.results[0].sentences.length} sentence(s), ${terms} glossary term(s).`);
  } catch (error) {
    setStatus("status", error.message, true);
  } finally {
    setBusy("translate-button", false);
  }
}

function edit() {
  $("source").hidden = false;
  $("source-view").hidden = true;
  $("edit-button").hidden = true;
  $("source").focus();
}

async function translateFile(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  form.append("source", "ar");
  form.append("target", $("target").value);
  if (apiKey()) form.append("api_key", apiKey());
  $("file-button").disabled = true;
  setStatus("file-status", "Translating…");
  $("file-result").textContent = "";
  try {
    const data = await call("POST", "/translate_file", form);
    const link = document.createElement("a");
    link.href = data.translatedFileUrl;
    link.id = "download-link";
    link.textContent = "Download the translation";
    link.setAttribute("download", "");
    $("file-result").append(link, document.createTextNode(` (kept ${Math.round(data.expiresIn / 60)} minutes)`));
    setStatus("file-status", "Done.");
  } catch (error) {
    setStatus("file-status", error.message, true);
  } finally {
    $("file-button").disabled = false;
  }
}

let concepts = [];

function showConcepts() {
  const filter = $("filter").value.trim().toLowerCase();
  const body = $("concepts").querySelector("tbody");
  body.textContent = "";
  const shown = concepts.filter((c) => !filter || [c.id, ...c.ar, ...c.en, ...c.zh].some((v) => v.toLowerCase().includes(filter)));
  for (const c of shown) {
    const tr = document.createElement("tr");
    tr.dataset.id = c.id;
    for (const [value, lang] of [[c.id, ""], [c.type, ""], [c.ar.join(" | "), "ar"], [c.en.join(" | "), "en"], [c.zh.join(" | "), "zh"]]) {
      const td = document.createElement("td");
      td.textContent = value;
      if (lang) td.lang = lang;
      if (lang === "ar") td.dir = "rtl";
      tr.append(td);
    }
    body.append(tr);
  }
  $("glossary-count").textContent = `${shown.length} of ${concepts.length} concepts`;
}

async function loadGlossary() {
  const name = $("browse-glossary").value;
  if (!name) { concepts = []; showConcepts(); return; }
  try {
    const data = await call("GET", `/v1/glossaries/${encodeURIComponent(name)}`);
    concepts = data.concepts;
    setStatus("glossary-count", "");
    showConcepts();
    $("concept-button").disabled = !data.editable;
  } catch (error) {
    setStatus("glossary-count", error.message, true);
  }
}

async function addConcept(event) {
  event.preventDefault();
  const name = $("browse-glossary").value;
  const form = new FormData($("concept-form"));
  const body = {};
  for (const [key, value] of form.entries()) if (String(value).trim()) body[key] = String(value).trim();
  $("concept-button").disabled = true;
  setStatus("concept-status", "Adding…");
  try {
    const data = await call("POST", `/v1/glossaries/${encodeURIComponent(name)}/concepts`, body);
    const warnings = data.warnings.length ? ` (${data.warnings.join("; ")})` : "";
    setStatus("concept-status", `Added ${data.added.id}: ${data.concepts} concepts${warnings}.`);
    $("concept-form").reset();
    await loadGlossary();
  } catch (error) {
    setStatus("concept-status", error.message, true);
  } finally {
    $("concept-button").disabled = false;
  }
}

async function start() {
  $("translate-button").addEventListener("click", translate);
  $("edit-button").addEventListener("click", edit);
  $("file-form").addEventListener("submit", translateFile);
  $("concept-form").addEventListener("submit", addConcept);
  $("filter").addEventListener("input", showConcepts);
  $("browse-glossary").addEventListener("change", loadGlossary);
  try {
    const health = await call("GET", "/health");
    for (const option of [...$("target").options]) option.disabled = !health.targets.includes(option.value);
    if ($("target").selectedOptions[0].disabled) $("target").value = health.targets[0];
    for (const name of health.glossaries) {  // /health is open; the concepts need a key where keys are required
      $("glossary").append(new Option(name, name));
      $("browse-glossary").append(new Option(name, name));
    }
    $("api-key").addEventListener("change", loadGlossary);
    if (!health.keyRequired) await loadGlossary();
    else setStatus("glossary-count", "Enter the API key to see the concepts.");
    document.body.dataset.ready = "true";
  } catch (error) {
    setStatus("status", error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
